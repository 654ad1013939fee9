#!/usr/bin/env bash
# `make test`: formatting, lints, unit tests, integration tests against moto, the state
# machines end to end, and the template and state machine checks. Stops at the first failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
use_local_aws
cd "$ROOT"

"$ROOT/scripts/install-tools.sh"

log "cargo fmt --check"
cargo fmt --all -- --check

log "cargo clippy -D warnings"
cargo clippy --quiet --workspace --all-targets --all-features -- -D warnings

# sam build compiles each function alone, without the features its neighbours switch on.
log "each function builds on its own"
for manifest in functions/*/Cargo.toml; do
  cargo check --quiet --manifest-path "$manifest" --bins
done

log "templates: sam validate, cfn-lint, checkov"
templates=(template.yaml templates/*.yaml)
for template in "${templates[@]}"; do sam validate --template-file "$template" >/dev/null; done
"$TOOLS_DIR/templates/bin/cfn-lint" "${templates[@]}"
"$TOOLS_DIR/checkov/bin/checkov" --config-file .checkov.yaml --quiet --compact --skip-download --framework cloudformation -f "${templates[@]}"
python="$TOOLS_DIR/templates/bin/python"
log "IAM: least privilege as deployed, and the check itself"
"$python" -m stacks.check_iam "${templates[@]}"
"$python" -m unittest discover -s tests/iam
log "templates: what each deployment creates (SAM's transform offline, moto's CloudFormation)"
"$python" -m unittest discover -s tests/templates
log "make bench's summary, over the results of a whole run"
"$python" -m unittest discover -s tests/benches

log "state machines: asl-validator"
for asl in statemachines/*.asl.json; do
  "$ROOT/tests/sfn/node_modules/.bin/asl-validator" --json-path "$asl"
done

# One cargo build serves everything: the stack runs the function binaries the test build made
# (STACK_BUILD), and the cost-safety simulation's day is one of the tests
# (simulation/tests/one_day.rs), so no second feature set rebuilds the SDK crates.
log "unit, moto integration and end-to-end state machine tests, a simulated day"
STACK_BUILD="cargo test --quiet --workspace --all-features --no-run" "$ROOT/scripts/with-stack.sh" bash -c '
  set -euo pipefail
  cargo test --workspace --all-features
  cd tests/sfn && node --require ./lib/polyfill.cjs --test ./*.test.mjs
'
log "all checks passed"
