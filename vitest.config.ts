import { defineConfig } from 'vitest/config';

export default defineConfig({
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
