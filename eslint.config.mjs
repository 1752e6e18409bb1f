// ESLint for the whole repository (npm run lint). Import cycles are checked by scripts/import-cycles.ts
// (also part of npm run lint, and pinned by test/import-cycles.test.ts): it is a second of work, where
// eslint-plugin-import's no-cycle re-resolves every import of every file.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'coverage/', '.data/', '.prof/', 'bench/.*/', 'bench/results/', 'test/generated/', 'examples/generated/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript here is Node code: configuration, the test run's setup, a bench server.
    files: ['**/*.{js,mjs,cjs}'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      // A leading underscore marks a parameter or binding kept on purpose (a resolver's argument that
      // only shapes the schema, a tuple element skipped, a property left out of a rest object).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // type-graphql names resolver and type classes as `Function` in its own signatures (buildSchema,
      // @Resolver(of => ...)); a narrower type would only be cast back.
      '@typescript-eslint/no-unsafe-function-type': 'off',
      // A variable assigned once after a closure that reads it (a handler wired before the server it
      // dispatches to exists) cannot be const.
      // prom-client calls a gauge's collect() with the gauge as `this`: the owner is reached by an alias.
      '@typescript-eslint/no-this-alias': ['error', { allowedNames: ['self', 'metrics'] }],
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
);
