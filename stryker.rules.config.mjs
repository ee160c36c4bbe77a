// The pure rule modules only, judged by their specs (vitest.mutation-rules.config.ts); no type checker, so a run takes
// minutes. Same reports folder, its own incremental file. The full configuration is stryker.config.json.
import { readFileSync } from 'node:fs';

const base = JSON.parse(readFileSync(new URL('./stryker.config.json', import.meta.url), 'utf8'));
export default {
  ...base,
  vitest: { configFile: 'vitest.mutation-rules.config.ts', related: false },
  checkers: [],
  coverageAnalysis: 'perTest',
  mutate: [
    'subgraphs/commerce/src/modules/pricing/pricing-engine.ts',
    'subgraphs/finance/src/modules/credit/credit.rules.ts',
    'subgraphs/finance/src/modules/credit/credit-score.ts',
    'subgraphs/finance/src/modules/ledger/ledger.rules.ts',
    'subgraphs/finance/src/modules/invoices/invoice.rules.ts',
    'subgraphs/finance/src/modules/payments/payment.rules.ts',
    'subgraphs/commerce/src/modules/stock-movements/stock-movements.rules.ts',
    'subgraphs/commerce/src/modules/van-stock/van-stock.rules.ts',
    'subgraphs/workforce/src/modules/guild/guild.ts',
    'subgraphs/workforce/src/modules/tasks/tasks.rules.ts',
  ],
  incrementalFile: 'reports/mutation/stryker-incremental-rules.json',
  htmlReporter: { fileName: 'reports/mutation/rules.html' },
  jsonReporter: { fileName: 'reports/mutation/rules.json' },
};
