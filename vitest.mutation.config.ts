// The tests `npm run mutation` (StrykerJS, stryker.config.json) runs against each mutant: the rule modules' specs and
// the subgraphs' own e2e files (one in-memory PGlite subgraph each), which is where business rules and tenant
// filters are exercised. Not the stack-wide suites (test/, gateway/, dashboard/): a mutant is judged in seconds, not
// in the minutes a whole platform takes to boot. (Spread, not mergeConfig: mergeConfig would append these lists to
// the base config's, i.e. run the whole suite.)
import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// one flat project here: the base config's `projects` would replace this include
const { projects: _projects, ...baseTest } = base.test!;

export default defineConfig({
  ...base,
  test: {
    ...baseTest,
    include: ['subgraphs/*/src/**/*.spec.ts', 'subgraphs/{commerce,finance,workforce,identity}/test/*.test.ts'],
    // Postgres twins of the PGlite files and files of other concerns (KPIs, Redis-backed throttles). The rails files
    // (rails*.test.ts: payments.service's provider flows, initiate, callbacks, polling, wallets) and reconcilers.test.ts
    // (its crash reconciler) only with MUTATION_RAILS=1, for the run of payments.service.ts: rails.test.ts takes ~40 s
    // a file run, and it covers most of finance, so every credit, ledger or invoice mutant would pay for it
    // (measured: 13 → 8 mutants a minute on invoices.service.ts).
    exclude: ['**/node_modules/**', '**/dist/**', '**/postgres.test.ts', '**/concurrency.test.ts', '**/kpis.test.ts', '**/login-abuse.test.ts',
      ...(process.env.MUTATION_RAILS === '1' ? [] : ['**/rails*.test.ts', '**/reconcilers.test.ts'])],
    globalSetup: [],
  },
});
