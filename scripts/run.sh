#!/usr/bin/env bash
# Runs a command with the project's environment (cache directory, tools on PATH).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$@"
