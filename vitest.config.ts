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
    pool: 'forks',
    maxWorkers: 2,
    // integration suites boot whole stacks; keep them from starving each other on 2 cores
    fileParallelism: true,
  },
});
