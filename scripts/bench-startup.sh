#!/usr/bin/env bash
# `make bench`: start-up time of each function (process start → first Runtime API poll,
# median of 20 runs), next to a Python/boto3 function doing the same set-up, as a ratio.
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

python_ms=$(python3 benches/startup.py "$RUNS" "$TOOLS_DIR/moto/bin/python" benches/python_glue_stopper.py)
printf '\nStart-up to first Runtime API poll, median of %s runs (%s)\n' "$RUNS" "$(date -u +%F)"
printf '%-24s %10s %16s\n' function "Rust ms" "Python/boto3 ms"
for bin in $functions; do
  rust_ms=$(python3 benches/startup.py "$RUNS" "$CARGO_TARGET_DIR/release/$bin")
  printf '%-24s %10s %16s   (%sx faster)\n' "$bin" "$rust_ms" "$python_ms" \
    "$(python3 -c "print(round($python_ms / $rust_ms))")"
done
