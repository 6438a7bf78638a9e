#!/usr/bin/env bash
# Runs every test (type check, unit, end-to-end against real PostgreSQL, Redis and Postfix).
source "$(dirname "$0")/lib.sh"
ensure_node_modules
ensure_services
ensure_postfix
ensure_chromium
log "type-checking and building (some suites run the built worker as real processes)"
npx tsc -p tsconfig.json --noEmit
log "linting (ESLint, Prettier)"
npm run -s lint
npm run -s build
log "checking the OpenAPI document (OpenAPI 3.0 schema, Redocly recommended-strict, Spectral spectral:oas)"
bash scripts/check-openapi.sh
log "checking the typed client against the OpenAPI document"
bash scripts/check-client.sh
npm --prefix libs/api-client run -s check
log "running tests"
npx jest --ci "$@"
if [ $# -eq 0 ]; then
  log "outreach under fault injection, short form (bench/faults: kill -9 of workers, a Redis FLUSHALL)"
  node bench/faults/run.js --short
  log "webhooks under fault injection, short form (bench/webhooks --faults: kill -9 of workers mid-delivery)"
  node bench/webhooks/run.js --faults --short
fi
