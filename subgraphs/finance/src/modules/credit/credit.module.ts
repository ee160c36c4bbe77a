import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { CreditService } from './credit.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { createCreditLoaders } from './credit.loaders.ts';
import { creditPolicies } from './credit.policies.ts';
import { creditResolvers } from './resolvers/index.ts';

/** Credit lines, limits and holds (the credit check of order-to-cash). */
export const creditModule: KitModule<{ credit: CreditService }, ReturnType<typeof createCreditLoaders>> = defineModule({
  name: 'credit',
  resolvers: creditResolvers,
  policies: creditPolicies,
  loaders: createCreditLoaders,
  services: (deps: FinanceDeps, built: { ledger: LedgerService }) => ({ credit: new CreditService(deps.prisma, built.ledger) }),
});
