import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Dependencies point one way (README "Layout"): core/ and policy/ are pure (no AWS or OpenSearch client, no file
// system, no child process, nothing from platform/ where the clients live); standard/ never reaches into the
// stream stages; a command's registration (every */cli.ts, bin/) imports no heavy module at load time, so
// `census --help` stays fast: those load inside the command's action. Type-only imports are always fine.
// test/unit/lint-boundaries.test.ts checks that each rule fires.
const io = {
  paths: ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'http', 'node:http', 'https', 'node:https', 'net', 'node:net'].map((name) => ({
    name,
    message: 'core/ and policy/ are pure: do I/O at the edges (platform/, registers/, the stages) and pass the result in.',
  })),
  patterns: [
    { group: ['@aws-sdk/*', '@smithy/*', '@opensearch-project/*'], message: 'core/ and policy/ hold no clients: they live in platform/.' },
    { group: ['**/platform/*'], message: 'core/ and policy/ must not depend on platform/ (clients, files, the logger).' },
  ],
};

const standardBoundary = { group: ['**/collectors/*', '**/processors/*', '**/collectors/**', '**/processors/**'], message: 'standard/ is used by collectors/ and processors/, never the reverse.' };

const heavyAtLoad = [
  { group: ['@aws-sdk/*', '@smithy/*', '@opensearch-project/*', 'exceljs', 'zod', 'pino', 'yaml', 'csv-parse', 'csv-parse/*', 'hyparquet*', 'parquet-wasm', 'apache-arrow'], message: 'command registration loads this for every command: import it inside the action (await import(...)).' },
  { group: ['**/core/schemas.js', '**/platform/config.js', '**/platform/aws.js', '**/platform/opensearch.js', '**/platform/log.js', '**/policy/*', '**/standard/index.js', '**/standard/records.js'], message: 'command registration loads this for every command: import it inside the action (await import(...)).' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'cdk.out/**', '.stack/**', 'out/**', 'schemas/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['core/**/*.ts', 'policy/**/*.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { ...io, patterns: io.patterns.map((p) => ({ ...p, allowTypeImports: true })) }] },
  },
  {
    files: ['standard/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [standardBoundary] },
      ],
    },
  },
  {
    files: ['*/cli.ts', 'bin/census.ts', 'bin/demo.ts', 'bin/tools.ts', 'bin/status-cli.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: heavyAtLoad.map((p) => ({ ...p, allowTypeImports: true })) }] },
  },
  {
    // both rules for the standard's own command registration (a later block replaces a rule, it does not merge)
    files: ['standard/cli.ts'],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [standardBoundary, ...heavyAtLoad.map((p) => ({ ...p, allowTypeImports: true }))] }] },
  },
);
