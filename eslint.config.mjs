// ESLint flat config: @eslint/js and typescript-eslint recommended rules (not type-checked, so it stays fast),
// eslint-config-prettier last so formatting is left to Prettier.
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

// Node's globals, declared here because the `globals` package is not a dependency.
const node = Object.fromEntries(
  [
    'require',
    'module',
    'exports',
    '__dirname',
    '__filename',
    'process',
    'console',
    'Buffer',
    'global',
    'globalThis',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'queueMicrotask',
    'structuredClone',
    'URL',
    'URLSearchParams',
    'AbortController',
    'AbortSignal',
    'TextEncoder',
    'TextDecoder',
    'fetch',
    'performance',
    'EventTarget',
    'Event',
  ].map((name) => [name, 'readonly']),
);

// The browser's globals the dashboard's script uses (apps/api/src/dashboard).
const browser = Object.fromEntries(
  ['window', 'document', 'sessionStorage', 'fetch', 'URL', 'Intl', 'console', 'getComputedStyle', 'queueMicrotask'].map((name) => [name, 'readonly']),
);

// Jest's globals, for the test files.
const jest = Object.fromEntries(
  ['describe', 'it', 'test', 'expect', 'beforeAll', 'beforeEach', 'afterAll', 'afterEach', 'jest', 'fail'].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores(['**/dist/**', '**/node_modules/**', '**/coverage/**', 'libs/api-client/dist-examples/**', 'libs/api-client/src/schema.ts']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Leaving a property out of an object by destructuring the rest is a use of that binding, not dead code.
    rules: { '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }] },
  },
  {
    // A POST route declared with Nest's own decorator would not honour Idempotency-Key.
    files: ['apps/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [{ name: '@nestjs/common', importNames: ['Post'], message: 'Declare POST routes with IdempotentPost from @app/web.' }] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: node },
  },
  {
    // The node scripts in bench/ and scripts/ and jest.config.js are CommonJS: require() is how they load modules.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The dashboard's script is an ES module that runs in the browser, not in Node.
    files: ['apps/api/src/dashboard/**/*.js'],
    languageOptions: { sourceType: 'module', globals: browser },
  },
  {
    files: ['**/*.spec.ts', '**/*.e2e-spec.ts', 'test/**/*.ts'],
    languageOptions: { globals: jest },
  },
  prettier,
);
