#!/usr/bin/env bash
# Regenerates libs/api-client/src/schema.ts (the typed client's types) from the API's OpenAPI
# document, as the code describes it: builds the API, prints the document, runs openapi-typescript.
source "$(dirname "$0")/lib.sh"
ensure_node_modules
ensure_services
log "building the API to print its OpenAPI document"
npm run -s build
doc="$(mktemp --suffix=.json)"
trap 'rm -f "$doc"' EXIT
node dist/apps/api/src/cli/openapi.js > "$doc"
npm --prefix libs/api-client run -s generate -- "$doc" "$ROOT/libs/api-client/src/schema.ts"
log "wrote libs/api-client/src/schema.ts; commit it with the change to the API"
