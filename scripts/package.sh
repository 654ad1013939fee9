#!/usr/bin/env bash
# `make package`: `sam build` of every workflow (template.yaml and its nested applications), or
# of one with WORKFLOW=glue-session-stop (the samconfig.toml environment of that name): release
# builds, arm64 by default, linked by zig through cargo-lambda. Then the zipped size of each
# bootstrap as Lambda receives it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

workflow=${WORKFLOW:-default}
# The workflows are samconfig.toml's environments other than default.
workflows=$(sed -n 's/^\[\([a-z0-9-]*\)\.build\.parameters\]$/\1/p' samconfig.toml | grep -vx default)
if [[ "$workflow" != default ]] && ! grep -qx -- "$workflow" <<<"$workflows"; then
  log "no workflow '$workflow': choose one of $(tr '\n' ' ' <<<"$workflows")"
  exit 1
fi
"$ROOT/scripts/install-tools.sh" package
log "sam build --config-env $workflow"
start=$(date +%s)
sam build --config-env "$workflow"
log "sam build took $(( $(date +%s) - start )) s"

zips=$(mktemp -d)
trap 'rm -rf "$zips"' EXIT
printf '%-32s %12s %12s\n' function bootstrap zipped
# Nested applications are built into a folder of their own under .aws-sam/build.
for dir in .aws-sam/build/*/ .aws-sam/build/*/*/; do
  [[ -f "$dir/bootstrap" ]] || continue
  name=$(basename "$dir")
  python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.write(sys.argv[1], "bootstrap")' "$dir/bootstrap" "$zips/$name.zip"
  printf '%-32s %12s %12s\n' "$name" "$(stat -c %s "$dir/bootstrap")" "$(stat -c %s "$zips/$name.zip")"
done
