#!/usr/bin/env bash
# `make bench`, functions part: per function, start-up time (process start → first Runtime API
# poll, median of 20 runs), peak memory handling one of its sample events against moto (and the
# fake WordPress site and test site), and
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
# moto's Python has boto3: the benchmark sets moto up with it, and the Python function uses it.
"$ROOT/scripts/with-stack.sh" --no-functions \
  "$TOOLS_DIR/moto/bin/python" benches/functions.py "$RUNS" "$BENCH_RESULTS/functions.json" "$CARGO_TARGET_DIR/release"
