#!/usr/bin/env bash
# `make bench`, crawler cost part: the crawl function's release binary crawls the Python docs'
# whole tree through moto, step by step as the state machine drives it, on one loopback host and
# on BENCH_COST_HOSTS (8); benches/crawl_cost.py counts its S3 requests in moto's log and prices
# a million pages.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

BENCH_SITE_PORT=${BENCH_SITE_PORT:-9004}
BENCH_COST_HOSTS=${BENCH_COST_HOSTS:-8}
"$ROOT/scripts/install-tools.sh"
log "release build of the crawl function"
cargo build --quiet --release -p crawl-page --bin crawl-page
cargo build --quiet -p testing --bin fake-site
"$CARGO_TARGET_DIR/debug/fake-site" dirs "$PYTHON_DOCS" "$BENCH_COST_HOSTS" "$BENCH_SITE_PORT" 2>/dev/null &
site=$!
trap 'kill "$site" 2>/dev/null || true; wait "$site" 2>/dev/null || true' EXIT
for ((i = 0; i < 120; i++)); do (exec 3<>"/dev/tcp/127.0.0.10/$BENCH_SITE_PORT") 2>/dev/null && break; sleep 0.25; done
mkdir -p "$BENCH_RESULTS"
BENCH_JSON="$BENCH_RESULTS/crawl_cost.json" "$ROOT/scripts/with-stack.sh" --no-functions \
  "$TOOLS_DIR/moto/bin/python" benches/crawl_cost.py "$CARGO_TARGET_DIR/release" \
  "$BENCH_SITE_PORT" "$BENCH_COST_HOSTS" 20
