#!/usr/bin/env bash
# `make bench`, cost-safety part: three months (seeds 7, 8, 9) of 1,000 Glue sessions and 50
# RDS auto-starts, with lost and duplicated events, broken triggers and throttled API calls, through the real handlers and state
# machines on a clock 3,600 times faster (simulation/). Fails if anything was left running past
# its budget or stopped other than exactly once.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"
log "release build of the simulation"
cargo build --quiet --release -p cost-simulation
mkdir -p "$BENCH_RESULTS"
# Three months, each a different plan drawn from its seed; each fails on its own.
status=0
for seed in 7 8 9; do
  log "simulating a month, seed $seed (about 5 minutes)"
  "$CARGO_TARGET_DIR/release/cost-simulation" --seed "$seed" \
    --json "$BENCH_RESULTS/simulation-$seed.json" "$@" || status=$?
done
exit "$status"
