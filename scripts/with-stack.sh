#!/usr/bin/env bash
# Runs a command with the local stack up, and always stops the stack afterwards:
#   moto          AWS emulator                       $MOTO_URL   (127.0.0.1:5000, through
#                 scripts/lambda-router.mjs, which sends the Lambda Invoke API to cargo lambda,
#                 so that moto's own Step Functions engine runs the real binaries; moto itself
#                 listens on $MOTO_BACKEND_PORT)
#   cargo lambda  Lambda Runtime and Invoke APIs     $LAMBDA_URL (127.0.0.1:9001)
#                 for every function binary, each running as its own process, talking to moto
#   fake WordPress   the site the WordPress extract reads     $WORDPRESS_URL (127.0.0.1:9002)
#   test site        the site the crawler crawls              $SITE_URL      (127.0.0.1:9003)
#
#   scripts/with-stack.sh [--no-functions] COMMAND...   (--no-functions: moto and the two sites)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
use_local_aws

functions=true
if [[ "${1:-}" == --no-functions ]]; then functions=false; shift; fi

run_dir=$(mktemp -d)
pids=()
stop_stack() {
  local pid
  for pid in "${pids[@]}"; do
    # Each process leads its own group (setsid): stop the group, children included.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$run_dir"
}
trap stop_stack EXIT
trap 'exit 130' INT TERM

for port in "$MOTO_PORT" "$MOTO_BACKEND_PORT" $($functions && echo "$LAMBDA_PORT") "$WORDPRESS_PORT" "$SITE_PORT"; do
  port_free "$port" || { log "port $port on 127.0.0.1 is in use: stop what uses it, or set MOTO_PORT / LAMBDA_PORT / WORDPRESS_PORT / SITE_PORT"; exit 1; }
done

command -v moto_server >/dev/null || { log "moto is not installed: run scripts/install-tools.sh"; exit 1; }
# MOTO_PORT tells moto's Step Functions engine where to send its service calls: the router.
# scripts/local_moto.py is moto's server with one addition: RDS's own events (its 7-day
# auto-start), which no API call raises, can be added for the tests and the demo.
MOTO_PORT=$MOTO_PORT setsid "$(dirname "$(command -v moto_server)")/python" "$ROOT/scripts/local_moto.py" \
  -H 127.0.0.1 -p "$MOTO_BACKEND_PORT" >"$run_dir/moto.log" 2>&1 &
pids+=($!)
wait_for_port "$MOTO_BACKEND_PORT" 30 moto || { cat "$run_dir/moto.log" >&2; exit 1; }
setsid node "$ROOT/scripts/lambda-router.mjs" "$MOTO_PORT" "$MOTO_BACKEND_PORT" "$LAMBDA_PORT" >"$run_dir/router.log" 2>&1 &
pids+=($!)
wait_for_port "$MOTO_PORT" 30 "the Lambda router" || { cat "$run_dir/router.log" >&2; exit 1; }

if $functions; then
  # The functions run as the binaries one workspace build made ($STACK_BUILD: make test's own
  # test build, so that its tests and the stack share one build), each polling cargo lambda's
  # Runtime API as Lambda's runtime does. cargo lambda serves only the Lambda APIs: left to
  # start a function itself it would `cargo run` it, resolving that crate's features alone and
  # so building the SDK crates again for each function.
  ${STACK_BUILD:-cargo build --quiet --workspace --bins}
  setsid cargo lambda watch --only-lambda-apis --quiet -A 127.0.0.1 -P "$LAMBDA_PORT" \
    >"$run_dir/lambda.log" 2>&1 &
  pids+=($!)
  wait_for_port "$LAMBDA_PORT" 60 "cargo lambda watch" || { cat "$run_dir/lambda.log" >&2; exit 1; }
  function_pids=()
  for main in "$ROOT"/functions/*/src/main.rs; do
    name=$(basename "$(dirname "$(dirname "$main")")")
    (
      set -a
      source "$ROOT/scripts/local.env"
      AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$LAMBDA_PORT/.rt/$name"
      AWS_LAMBDA_FUNCTION_NAME=$name AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=4096
      exec setsid "$CARGO_TARGET_DIR/debug/$name"
    ) >>"$run_dir/functions.log" 2>&1 &
    pids+=($!)
    function_pids+=("$!:$name")
  done
  # A function whose settings do not load exits at once; nothing would answer its invocations.
  sleep 1
  for entry in "${function_pids[@]}"; do
    kill -0 "${entry%%:*}" 2>/dev/null || {
      log "function ${entry#*:} exited at start"; cat "$run_dir/functions.log" >&2; exit 1
    }
  done
else
  cargo build --quiet -p testing --bin fake-wordpress --bin fake-site
fi
setsid "$CARGO_TARGET_DIR/debug/fake-wordpress" serve "$WORDPRESS_PORT" --drafts 3 --password "$WORDPRESS_APP_PASSWORD" >"$run_dir/wordpress.log" 2>&1 &
pids+=($!)
wait_for_port "$WORDPRESS_PORT" 30 "fake WordPress" || { cat "$run_dir/wordpress.log" >&2; exit 1; }
setsid "$CARGO_TARGET_DIR/debug/fake-site" serve "$SITE_PORT" >"$run_dir/site.log" 2>&1 &
pids+=($!)
wait_for_port "$SITE_PORT" 30 "test site" || { cat "$run_dir/site.log" >&2; exit 1; }

# Where the stack's logs are, for a command that counts what it asked (moto logs each request).
export STACK_LOGS="$run_dir"
"$@"
