# Sourced by the scripts: where things live, and small helpers.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Build outputs and tools live outside the clone when a cache directory exists, so a fresh
# clone on the same machine reuses them.
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rust-serverless-automations}
TOOLS_DIR="$CACHE_DIR/tools"
# The tests find the Python with DuckDB here.
export TOOLS_DIR
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE_DIR/target}
# The Python that reads the templates (scripts/stacks), importable as `stacks` by the scripts
# and the tests.
export PYTHONPATH="$ROOT/scripts${PYTHONPATH:+:$PYTHONPATH}"
export PATH="$TOOLS_DIR/moto/bin:$TOOLS_DIR/cargo-lambda/bin:$TOOLS_DIR/sam/bin:$PATH"
export SAM_CLI_TELEMETRY=0

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# The local stack: moto and cargo-lambda's emulated Lambda APIs, on loopback only.
export MOTO_PORT=${MOTO_PORT:-5000}
# moto itself, behind scripts/lambda-router.mjs on MOTO_PORT.
export MOTO_BACKEND_PORT=${MOTO_BACKEND_PORT:-5001}
export LAMBDA_PORT=${LAMBDA_PORT:-9001}
export WORDPRESS_PORT=${WORDPRESS_PORT:-9002}
export SITE_PORT=${SITE_PORT:-9003}
export MOTO_URL="http://127.0.0.1:$MOTO_PORT"
export LAMBDA_URL="http://127.0.0.1:$LAMBDA_PORT"
export WORDPRESS_URL="http://127.0.0.1:$WORDPRESS_PORT"
export SITE_URL="http://127.0.0.1:$SITE_PORT"
# The fake WordPress site's application password (user etl), which lists its three drafts; the
# demo and the tests keep it in the SecureString parameter AUTH_PARAMETER names.
export WORDPRESS_APP_PASSWORD="loca lsit eapp pass word demo"
# Where `make bench` keeps each benchmark's figures for its summary table.
BENCH_RESULTS="$CACHE_DIR/bench/results"
# The crawler's HTML test corpus and its benchmark's site: Debian's python3.11-doc package.
export PYTHON_DOCS=/usr/share/doc/python3.11/html

# Points every AWS call of this shell and its children at moto, with dummy credentials. Only
# for local runs: `scripts/run.sh sam deploy` must keep your real credentials.
use_local_aws() {
  export AWS_ENDPOINT_URL="$MOTO_URL"
  export AWS_REGION=us-east-1
  export AWS_DEFAULT_REGION=us-east-1
  export AWS_ACCESS_KEY_ID=testing
  export AWS_SECRET_ACCESS_KEY=testing
  unset AWS_PROFILE AWS_SESSION_TOKEN
}

# wait_for_port PORT SECONDS NAME: until something listens on 127.0.0.1:PORT, or fail naming it.
# (A plain TCP check: any HTTP request to cargo lambda's root would invoke a function.)
wait_for_port() {
  local port=$1 seconds=$2 name=$3 i
  for ((i = 0; i < seconds * 4; i++)); do
    port_free "$port" || return 0
    sleep 0.25
  done
  log "$name did not listen on 127.0.0.1:$port within ${seconds}s"
  return 1
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
