import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';
import LongestFirstSequencer from './vitest.sequencer.ts';

const require = createRequire(import.meta.url);

export default defineConfig({
  // One graphql module instance: vite would pick graphql's ESM build for our sources while the Apollo packages
  // (CommonJS) load its CJS build — two realms, "Cannot use GraphQLSchema from another module or realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // Forks, not threads: PGlite and Prisma keep native/WASM state per process, and a crashed file takes no other
    // down. Two workers on the 2-core CI machine: a third only makes the stacks' start-ups contend (measured in
    // docs/testing.md).
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    // longest files first (measured, test/durations.json), so neither worker ends the run alone on a long one
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      {
        // The pure rule and unit specs share their worker processes (not isolated): they hold no module state worth
        // a fresh process, and re-importing graphql, decimal.js and our packages for each of ~50 small files cost
        // more than running them (measured in docs/testing.md: 68 → 20 CPU s).
        extends: true,
        test: { name: 'unit', include: ['packages/*/src/**/*.spec.ts', 'subgraphs/*/src/**/*.spec.ts', 'gateway/src/**/*.spec.ts', 'gateway/graphiql/**/*.spec.ts'], isolate: false },
      },
      {
        // Everything that boots something: isolated, a fresh process per file (module state — metrics registries,
        // buses — is per file); the costly part of a fresh process, PGlite's initdb, is skipped by packages/db's
        // templates. One line before the run names a test service (TEST_DATABASE_URL, TEST_REDIS_URL) that does not
        // answer.
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts', 'gateway/test/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'dashboard/test/**/*.test.ts'],
          isolate: true,
          globalSetup: ['packages/testkit/src/services.ts'],
        },
      },
    ],
  },
});
