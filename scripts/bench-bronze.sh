#!/usr/bin/env bash
# `make bench`, bronze part: converts generated WordPress posts files (POSTS posts, 20,000 by
# default: about 82 MB of JSON) with our converter and with the seed's pandas/pyarrow path, side
# by side in one run, and prints wall time, peak memory and their ratios (benches/bronze.py).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

POSTS=${POSTS:-20000}
RUNS=${RUNS:-3}
"$ROOT/scripts/install-tools.sh" bench
log "release build of the converter"
cargo build --quiet --release -p wordpress-to-parquet --example convert_file
cargo build --quiet -p testing --bin fake-wordpress

# posts FILE [uniform]: generated once, kept in the cache.
posts() {
  if [[ ! -s "$1" ]]; then
    mkdir -p "$(dirname "$1")"
    log "generating $POSTS posts ${2:-}"
    "$CARGO_TARGET_DIR/debug/fake-wordpress" posts "$POSTS" ${2:-} >"$1.tmp" && mv "$1.tmp" "$1"
  fi
}
realistic="$CACHE_DIR/bench/posts-$POSTS.json"
uniform="$CACHE_DIR/bench/posts-$POSTS-uniform.json"
posts "$realistic"
posts "$uniform" uniform
mkdir -p "$BENCH_RESULTS"
BENCH_JSON="$BENCH_RESULTS/bronze.json" "$TOOLS_DIR/bench/bin/python" benches/bronze.py "$RUNS" "$realistic" "$uniform" \
  "$CARGO_TARGET_DIR/release/examples/convert_file"
