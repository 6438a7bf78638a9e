'use strict';
/**
 * Runs one of this repository's TypeScript entry points without a build:
 *   node test/support/run-from-source.js apps/worker/src/main.ts
 * Each .ts file is transpiled as it is loaded (tsconfig.json's isolatedModules keeps every file
 * to what a per-file transpile can do, decorator metadata included) and `@app/<lib>` resolves to
 * libs/<lib>/src, as tsconfig.json's paths say. For suites that must kill a real process while the
 * code under test is the working tree's, whatever dist/ holds.
 */
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');
const ts = require('typescript');

const root = path.resolve(__dirname, '../..');
const { config, error } = ts.readConfigFile(path.join(root, 'tsconfig.json'), ts.sys.readFile);
if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
const { options } = ts.convertCompilerOptionsFromJson({ ...config.compilerOptions, sourceMap: false, inlineSourceMap: false }, root);

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: options, fileName: filename });
  module._compile(outputText, filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const alias = /^@app\/([\w-]+)(\/.*)?$/.exec(request);
  return resolveFilename.call(this, alias ? path.join(root, 'libs', alias[1], 'src', alias[2] ?? '') : request, ...rest);
};

require(path.resolve(root, process.argv[2]));
