#!/usr/bin/env bash
# `make bench`: every benchmark, then one summary table of this run's figures.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

rm -rf "$BENCH_RESULTS"
scripts/bench-functions.sh
scripts/bench-bronze.sh
scripts/bench-crawl.sh
scripts/bench-crawl-cost.sh
scripts/bench-search.sh
# The simulation fails the run if anything was left running; its figures still go in the summary.
status=0
scripts/bench-simulation.sh || status=$?
python3 benches/summary.py "$BENCH_RESULTS"
exit "$status"
