#!/usr/bin/env bash
# Checks the OpenAPI document the API serves with the tools its consumers use: the OpenAPI 3.0
# JSON schema (@seriousme/openapi-schema-validator), Redocly CLI (recommended rules, warnings as
# errors) and Spectral (spectral:oas, failing on warnings). Needs a build (npm run -s build).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-$(mktemp -d)/openapi.json}"
node dist/apps/api/src/cli/openapi.js > "$out"
npx --no-install validate-api "$out"
npx --no-install redocly lint --config redocly.yaml "$out" 2>&1 | grep -v -e '^\s*$' -e '[║╔╚]' || { echo "Redocly refused the OpenAPI document" >&2; exit 1; }
npx --no-install spectral lint --ruleset .spectral.yaml --fail-severity=warn "$out"
