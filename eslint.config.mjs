// ESLint for Roster: typescript-eslint's recommended rules, Prettier owning the
// layout (eslint-config-prettier turns off every rule it would fight), and the
// layer arrows of docs/architecture.md as import restrictions per directory.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

/**
 * Import restrictions for one layer. `dirs` are sibling directories of src/
 * the layer sits below; an import reaches one through `../` (once per level of
 * nesting), so `../api/x` from src/services and `../../api/x` from
 * src/services/sessions both match. `packages` are npm packages the layer must
 * not touch, with their subpaths (`knex/types`).
 */
function layer(name, { files, dirs = [], packages = [] }) {
  const patterns = [];
  if (dirs.length > 0) {
    patterns.push({
      regex: `^(\\.\\./)+(${dirs.join('|')})(/|$)`,
      message: `${name} may not import src/{${dirs.join(',')}} (docs/architecture.md).`,
    });
  }
  if (packages.length > 0) {
    patterns.push({
      regex: `^(${packages.map((p) => p.replace('/', '\\/')).join('|')})(/|$)`,
      message: `${name} may not depend on this package (docs/architecture.md).`,
    });
  }
  return { name: `roster/layers/${name}`, files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const DATABASE = ['knex', 'objection', 'pg', 'pg-copy-streams'];
const QUEUE = ['bullmq', 'ioredis'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    name: 'roster/typescript',
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `_`-prefixed names are deliberate: positional arguments a signature requires, destructured-away fields.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Tests index into parsed JSON bodies (`response.body.job.job_id`); typing each
    // one would not make an assertion stronger, and a wrong guess fails the test.
    name: 'roster/tests',
    files: ['test/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },

  // The layers. Later blocks do not merge with earlier ones for the same rule,
  // so each directory has exactly one block.
  layer('contracts and job contracts', {
    files: ['src/contracts/**', 'src/jobs/**'],
    dirs: ['api', 'services', 'repositories', 'queues', 'models', 'db'],
    packages: ['express', ...DATABASE, ...QUEUE],
  }),
  layer('services', {
    files: ['src/services/**'],
    dirs: ['api', 'queues'],
    packages: ['express', ...QUEUE],
  }),
  layer('repositories', {
    files: ['src/repositories/**'],
    dirs: ['api', 'services', 'queues'],
    packages: ['express', ...QUEUE],
  }),
  layer('models and db', {
    files: ['src/models/**', 'src/db/**'],
    dirs: ['api', 'services', 'repositories', 'queues'],
    packages: ['express', ...QUEUE],
  }),
  layer('routes', {
    files: ['src/api/routes/**'],
    dirs: ['models', 'db', 'queues'],
    packages: [...DATABASE, ...QUEUE],
  }),
  // The admin console's pages sit beside src/api: services, contracts and the API's presenters, never the data layer.
  layer('console', {
    files: ['src/console/**'],
    dirs: ['models', 'db', 'repositories', 'queues'],
    packages: [...DATABASE, ...QUEUE],
  }),
);
