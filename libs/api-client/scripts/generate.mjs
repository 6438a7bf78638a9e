#!/usr/bin/env node
// Writes src/schema.ts (or the given output) from an OpenAPI document, a file or a URL such as
// http://127.0.0.1:3000/docs-json, with openapi-typescript and a header naming how it was made.
//   npm run generate -- <document> [output]
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const pkg = resolve(here, '..');
const [source, output = join(pkg, 'src', 'schema.ts')] = process.argv.slice(2);
if (!source) {
  console.error('usage: npm run generate -- <openapi document file or URL> [output file]');
  process.exit(2);
}
const header =
  "// Generated from the API's OpenAPI document by `npm run client:generate` at the repository root\n" +
  '// (in this package: `npm run generate -- <document>`, which runs openapi-typescript). Do not edit.\n';
const bin = join(pkg, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
const isUrl = /^https?:\/\//.test(source);
// A field with a default (visaStatus, a task force's status...) stays optional in request bodies:
// openapi-typescript would otherwise make it required. Answers declare no defaults.
const flags = ['--default-non-nullable=false'];
execFileSync(process.execPath, [bin, isUrl ? source : resolve(source), '-o', resolve(output), ...flags], { stdio: ['ignore', 'ignore', 'inherit'] });
writeFileSync(output, header + readFileSync(output, 'utf8'));
