import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // One graphql module instance: vite would pick graphql's ESM build for our sources while the Apollo packages
  // (CommonJS) load its CJS build — two realms, "Cannot use GraphQLSchema from another module or realm".
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['packages/*/src/**/*.spec.ts', 'packages/*/test/**/*.test.ts', 'subgraphs/*/src/**/*.spec.ts', 'subgraphs/*/test/**/*.test.ts', 'gateway/src/**/*.spec.ts', 'gateway/test/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'dashboard/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // one line before the run naming a test service (TEST_DATABASE_URL, TEST_REDIS_URL) that does not answer
    globalSetup: ['packages/testkit/src/services.ts'],
    // Forks, not threads: PGlite and Prisma keep native/WASM state per process, and a crashed file takes no other
    // down. Two workers on the 2-core CI machine: a third only makes the stacks' start-ups contend (measured in
    // docs/testing.md). Isolated: files run in a fresh process (module state — metrics registries, buses — is per
    // file); the costly part of a fresh process, PGlite's initdb, is skipped by packages/db's templates.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    isolate: true,
  },
});
