#!/usr/bin/env bash
# `make plan`: what deploying a template with these parameters would create (scripts/stacks/plan.py),
# with the Python that has SAM's translator.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
exec "$TOOLS_DIR/templates/bin/python" -m stacks.plan "$@"
