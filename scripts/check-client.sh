#!/usr/bin/env bash
# Fails when the committed typed client (libs/api-client/src/schema.ts) no longer matches the API's
# OpenAPI document. Builds nothing: run after `npm run -s build` (scripts/test.sh does).
source "$(dirname "$0")/lib.sh"
[ -f dist/apps/api/src/cli/openapi.js ] || die "dist/ is missing: run 'npm run -s build' first"
[ -d libs/api-client/node_modules ] || die "libs/api-client/node_modules is missing: run 'npm ci --prefix libs/api-client'"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
node dist/apps/api/src/cli/openapi.js > "$work/openapi.json"
npm --prefix libs/api-client run -s generate -- "$work/openapi.json" "$work/schema.ts"
if ! diff -u --label committed/libs/api-client/src/schema.ts --label generated/schema.ts \
  libs/api-client/src/schema.ts "$work/schema.ts" > "$work/schema.diff"; then
  head -n 80 "$work/schema.diff" >&2
  lines="$(wc -l < "$work/schema.diff")"
  [ "$lines" -gt 80 ] && printf '... (%s diff lines in all)\n' "$lines" >&2
  die "libs/api-client/src/schema.ts does not match the API's OpenAPI document: regenerate it with 'npm run client:generate' and commit it"
fi
log "libs/api-client/src/schema.ts matches the OpenAPI document"
