// `npm run mutation:rules`: the pure rule modules judged by their specs alone — seconds per mutant, so it fits a
// short run while writing tests. The full set (`npm run mutation`) adds the subgraphs' e2e files.
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// one flat project here: the base config's `projects` would replace this include
const { projects: _projects, ...baseTest } = base.test!;

export default defineConfig({ ...base, test: { ...baseTest, include: ['subgraphs/*/src/**/*.spec.ts'], globalSetup: [] } });
