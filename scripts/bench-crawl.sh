#!/usr/bin/env bash
# `make bench`, crawler part: serves Debian's python3.11-doc HTML tree as 32 hosts
# (127.0.0.10 to 127.0.0.41) and crawls its C API section (64 pages a host) on 1, 8 and 32 of
# them with our crawler's own steps, `wget --recursive` and `wget2 --max-threads`, all at
# BENCH_CRAWL_RATE requests per second per host, side by side in one run (benches/crawl.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Five runs: the differences that matter here are 1 or 2 %.
RUNS=${RUNS:-5}
BENCH_SITE_PORT=${BENCH_SITE_PORT:-9004}
BENCH_CRAWL_RATE=${BENCH_CRAWL_RATE:-20}
HOSTS=32
"$ROOT/scripts/install-tools.sh" bench
log "release build of the crawler's benchmark, its own steps over a local store"
cargo build --quiet --release -p crawl-page --example crawl_site
cargo build --quiet -p testing --bin fake-site

host_port_free() { ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
host_port_free 127.0.0.10 "$BENCH_SITE_PORT" || { log "port $BENCH_SITE_PORT on 127.0.0.10 is in use: set BENCH_SITE_PORT"; exit 1; }
"$CARGO_TARGET_DIR/debug/fake-site" dirs "$PYTHON_DOCS" "$HOSTS" "$BENCH_SITE_PORT" 2>/dev/null &
site=$!
trap 'kill "$site" 2>/dev/null || true; wait "$site" 2>/dev/null || true' EXIT
for ((i = 0; i < 120; i++)); do host_port_free 127.0.0.10 "$BENCH_SITE_PORT" || break; sleep 0.25; done
urls=()
for ((i = 0; i < HOSTS; i++)); do urls+=("http://127.0.0.$((10 + i)):$BENCH_SITE_PORT/c-api/index.html"); done
mkdir -p "$BENCH_RESULTS"
BENCH_JSON="$BENCH_RESULTS/crawl.json" python3 benches/crawl.py "$RUNS" "$BENCH_CRAWL_RATE" \
  "$CARGO_TARGET_DIR/release/examples/crawl_site" 1,8,"$HOSTS" "${urls[@]}"
