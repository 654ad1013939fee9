#!/usr/bin/env bash
# `make bench`, search part: indexes the Python docs tree as index-crawl does and answers 200
# queries as search-crawl does (functions/search-crawl/examples/search_bench.rs, release build);
# benches/search.py adds the search function's start-up and the monthly cost beside Kendra's and
# OpenSearch Serverless's published prices.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"
log "release build of the search benchmark and the search function"
cargo build --quiet --release -p search-crawl --example search_bench --bin search-crawl
mkdir -p "$BENCH_RESULTS"
BENCH_JSON="$BENCH_RESULTS/search.json" "$CARGO_TARGET_DIR/release/examples/search_bench" "$PYTHON_DOCS" >/dev/null
python3 benches/search.py "$BENCH_RESULTS/search.json" "$CARGO_TARGET_DIR/release/search-crawl"
