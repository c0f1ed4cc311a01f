// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layering (docs/architecture.md): who may import whom. */
const layer = (files, patterns, message) => ({
  files,
  ignores: ['**/*.test.ts'],
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] },
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', 'data/**', 'packages/web/dist/**', 'packages/*/bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-confusing-void-expression': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    // Tests and benchmarks read JSON from the wire: allow untyped access there, nowhere else.
    files: ['**/*.test.ts', '**/test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['test', 'it', 'describe', 'suite'], package: 'node:test' },
          ],
        },
      ],
    },
  },
  layer(['packages/protocol/src/**'], ['@stoa/server', '**/server/**'], 'protocol imports nothing of ours'),
  layer(
    ['packages/server/src/domain/**'],
    [
      '**/storage/**',
      '**/bus/**',
      '**/actions/**',
      '**/transports/**',
      '**/access/**',
      '**/queries/**',
      'node:*',
      'fastify',
      'ws',
      'better-sqlite3',
      'kysely',
    ],
    'the domain core is pure: it imports only @stoa/protocol and other domain modules',
  ),
  layer(
    ['packages/server/src/transports/**', 'packages/server/src/cli/**'],
    [
      '**/storage/sqlite/**',
      '**/storage/postgres/**',
      '**/bus/memory/**',
      '**/bus/redis/**',
      'better-sqlite3',
      'kysely',
    ],
    'transports call actions and queries, never adapters',
  ),
  layer(
    ['packages/server/src/storage/**', 'packages/server/src/bus/**', 'packages/server/src/blobs/**'],
    ['**/actions/**', '**/transports/**'],
    'adapters never import actions or transports',
  ),
);
