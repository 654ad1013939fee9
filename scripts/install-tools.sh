#!/usr/bin/env bash
# Installs the local stack into the cache directory (outside the clone, so it survives between
# runs): moto, cargo-lambda, SAM CLI, cfn-lint, aws-local-stepfunctions and asl-validator.
# Each tool is installed once per pinned version; a second run does nothing.
#
#   scripts/install-tools.sh            tools for `make demo` and `make test`
#   scripts/install-tools.sh package    also zig and the arm64 target, for `sam build`
#   scripts/install-tools.sh bench      also the benchmarks' baselines and data: pandas and pyarrow,
#                                       wget, wget2, GNU time and Debian's python3.11-doc (apt)
set -euo pipefail
source "$(dirname "$0")/lib.sh"

MOTO_VERSION=5.2.5
CARGO_LAMBDA_VERSION=1.9.2
SAM_VERSION=1.170.0
# cfn-lint 1.54 and later miss value errors on AWS::Serverless::* resources.
CFN_LINT_VERSION=1.53.0
CHECKOV_VERSION=3.3.30
# What the AWS SDK for pandas (awswrangler) Lambda layer runs.
DUCKDB_VERSION=2.0.1
PANDAS_VERSION=2.3.3
PYARROW_VERSION=21.0.0

# pip_tool NAME SPEC...: a venv of its own per tool, so pinned dependencies never clash.
pip_tool() {
  local name=$1; shift
  local venv="$TOOLS_DIR/$name" stamp="$TOOLS_DIR/$name/.installed"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$*" ]]; then return; fi
  log "installing $*"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$@"
  echo "$*" >"$stamp"
}

mkdir -p "$TOOLS_DIR"
pip_tool moto "moto[server]==$MOTO_VERSION"
# Without its zig dependency: `cargo lambda watch` needs no linker. `package` adds zig.
pip_tool cargo-lambda --no-deps "cargo-lambda==$CARGO_LAMBDA_VERSION"
pip_tool sam "aws-sam-cli==$SAM_VERSION"
# The template checks: cfn-lint (which brings SAM's translator) and moto's CloudFormation; and
# DuckDB, which reads the lakehouse's bronze as an engine would and checks it against the catalog.
pip_tool templates "cfn-lint==$CFN_LINT_VERSION" "moto[cloudformation]==$MOTO_VERSION" "duckdb==$DUCKDB_VERSION"
pip_tool checkov "checkov==$CHECKOV_VERSION"

# Node packages from the committed lock file, shared through a symlink.
node_dir="$TOOLS_DIR/node"
lock_sum=$(cat "$ROOT/tests/sfn/package.json" "$ROOT/tests/sfn/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ ! -f "$node_dir/.installed" || "$(cat "$node_dir/.installed")" != "$lock_sum" ]]; then
  log "installing aws-local-stepfunctions and asl-validator"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  cp "$ROOT/tests/sfn/package.json" "$ROOT/tests/sfn/package-lock.json" "$node_dir/"
  (cd "$node_dir" && npm ci --silent --no-audit --no-fund)
  echo "$lock_sum" >"$node_dir/.installed"
fi
ln -sfn "$node_dir/node_modules" "$ROOT/tests/sfn/node_modules"

if [[ "${1:-}" == package ]]; then
  if ! "$TOOLS_DIR/cargo-lambda/bin/python" -c 'import ziglang' 2>/dev/null; then
    log "installing zig (the arm64 linker for cargo-lambda)"
    "$TOOLS_DIR/cargo-lambda/bin/pip" install --quiet --disable-pip-version-check ziglang
  fi
  # cargo-lambda looks for `zig` on PATH.
  ln -sfn "$("$TOOLS_DIR/cargo-lambda/bin/python" -c 'import ziglang, os; print(os.path.dirname(ziglang.__file__))')/zig" \
    "$TOOLS_DIR/cargo-lambda/bin/zig"
  rustup target list --installed | grep -q aarch64-unknown-linux-gnu \
    || rustup target add aarch64-unknown-linux-gnu
fi

sudo_if_needed() { if [[ $(id -u) == 0 ]]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  sudo_if_needed apt-get install -y --no-install-recommends "$@" >/dev/null \
    || { sudo_if_needed apt-get update -qq && sudo_if_needed apt-get install -y --no-install-recommends "$@" >/dev/null; }
}

# The Python docs tree: the crawler's HTML test corpus, and its benchmark's site.
if [[ ! -f "$PYTHON_DOCS/index.html" ]]; then
  log "installing python3.11-doc (apt)"
  apt_install python3.11-doc
fi

if [[ "${1:-}" == bench ]]; then
  pip_tool bench "pandas==$PANDAS_VERSION" "pyarrow==$PYARROW_VERSION"
  # The crawler benchmark's baseline; GNU time measures the benchmarked programs' peaks.
  if ! command -v wget >/dev/null || ! command -v wget2 >/dev/null || [[ ! -x /usr/bin/time ]]; then
    log "installing wget, wget2 and time (apt)"
    apt_install wget wget2 time
  fi
fi
