#!/usr/bin/env bash
# `make package`: `sam build` of every function (release, arm64 by default, linked by zig
# through cargo-lambda), then the zipped size of each bootstrap as Lambda receives it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

"$ROOT/scripts/install-tools.sh" package
log "sam build"
start=$(date +%s)
sam build --template-file template.yaml
log "sam build took $(( $(date +%s) - start )) s"

zips=$(mktemp -d)
trap 'rm -rf "$zips"' EXIT
printf '%-32s %12s %12s\n' function bootstrap zipped
for dir in .aws-sam/build/*/; do
  [[ -f "$dir/bootstrap" ]] || continue
  name=$(basename "$dir")
  python3 -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    z.write(sys.argv[1], "bootstrap")' "$dir/bootstrap" "$zips/$name.zip"
  printf '%-32s %12s %12s\n' "$name" "$(stat -c %s "$dir/bootstrap")" "$(stat -c %s "$zips/$name.zip")"
done
