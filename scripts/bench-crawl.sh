#!/usr/bin/env bash
# `make bench`, crawler part: serves Debian's python3.11-doc HTML tree (about 530 pages) on
# 127.0.0.1 and crawls it with our page path at concurrency 1 and 8 and with
# `wget --recursive --no-parent`, side by side in one run (benches/crawl.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

RUNS=${RUNS:-3}
BENCH_SITE_PORT=${BENCH_SITE_PORT:-9004}
"$ROOT/scripts/install-tools.sh" bench
log "release build of the crawler's page path"
cargo build --quiet --release -p crawl-page --example crawl_site
cargo build --quiet -p testing --bin fake-site

port_free "$BENCH_SITE_PORT" || { log "port $BENCH_SITE_PORT on 127.0.0.1 is in use: set BENCH_SITE_PORT"; exit 1; }
"$CARGO_TARGET_DIR/debug/fake-site" dir "$PYTHON_DOCS" "$BENCH_SITE_PORT" 2>/dev/null &
site=$!
trap 'kill "$site" 2>/dev/null || true; wait "$site" 2>/dev/null || true' EXIT
wait_for_port "$BENCH_SITE_PORT" 30 "the docs site"
mkdir -p "$BENCH_RESULTS"
BENCH_JSON="$BENCH_RESULTS/crawl.json" python3 benches/crawl.py "$RUNS" "http://127.0.0.1:$BENCH_SITE_PORT/index.html" \
  "$CARGO_TARGET_DIR/release/examples/crawl_site"
