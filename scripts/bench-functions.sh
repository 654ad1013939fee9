#!/usr/bin/env bash
# `make bench`, functions part: per function, start-up time (process start → first Runtime API
# poll, median of 20 runs), peak memory handling one of its sample events against moto, and
# zipped `bootstrap` size; next to a Python/boto3 function doing the Glue job (benches/functions.py).
# The Rust binaries are release builds for this machine with the profile Lambda gets.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

RUNS=${RUNS:-20}
# Every function's crate (one binary each), by its folder under functions/.
functions=$(ls "$ROOT/functions")
"$ROOT/scripts/install-tools.sh"
log "release build"
cargo build --quiet --release $(printf -- '--package %s ' $functions)
mkdir -p "$BENCH_RESULTS"
PYTHON_WITH_BOTO3="$TOOLS_DIR/moto/bin/python" "$ROOT/scripts/with-stack.sh" --moto-only \
  python3 benches/functions.py "$RUNS" "$BENCH_RESULTS/functions.json" "$CARGO_TARGET_DIR/release"
