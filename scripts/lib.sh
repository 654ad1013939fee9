# Sourced by the scripts: where things live, and small helpers.
# shellcheck shell=bash
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Build outputs and tools live outside the clone when a cache directory exists, so a fresh
# clone on the same machine reuses them.
CACHE_DIR=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/rust-serverless-automations}
TOOLS_DIR="$CACHE_DIR/tools"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$CACHE_DIR/target}
export PATH="$TOOLS_DIR/moto/bin:$TOOLS_DIR/cargo-lambda/bin:$TOOLS_DIR/sam/bin:$PATH"
export SAM_CLI_TELEMETRY=0

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
