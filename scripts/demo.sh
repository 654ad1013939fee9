#!/usr/bin/env bash
# `make demo`: installs what is missing, then (with-stack.sh) builds, starts moto and the
# function binaries on 127.0.0.1, runs every workflow end to end, prints what happened, and
# stops everything.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

"$ROOT/scripts/install-tools.sh"
log "what deploying template.yaml creates: with its defaults, then with the Security Hub workflow on"
"$ROOT/scripts/plan.sh"
"$ROOT/scripts/plan.sh" SecurityRemediation=true | grep -A3 SecurityRemediationApplication
log "starting moto ($MOTO_URL) and the functions ($LAMBDA_URL)"
"$ROOT/scripts/with-stack.sh" node --require "$ROOT/tests/sfn/lib/polyfill.cjs" "$ROOT/scripts/demo.mjs"
log "stack stopped"
