import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { LedgerService } from './ledger.service.ts';
import { createLedgerLoaders } from './ledger.loaders.ts';
import { ledgerPolicies } from './ledger.policies.ts';
import { ledgerResolvers } from './resolvers/index.ts';

/** The double-entry ledger every money movement posts to. */
export const ledgerModule: KitModule<{ ledger: LedgerService }, ReturnType<typeof createLedgerLoaders>> = defineModule({
  name: 'ledger',
  resolvers: ledgerResolvers,
  policies: ledgerPolicies,
  loaders: createLedgerLoaders,
  services: (deps: FinanceDeps) => ({ ledger: new LedgerService(deps.prisma) }),
});
