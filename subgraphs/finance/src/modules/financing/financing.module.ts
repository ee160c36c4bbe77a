import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { FinancingService } from './financing.service.ts';
import type { CreditService } from '../credit/credit.service.ts';
import { financingPolicies } from './financing.policies.ts';
import { financingResolvers } from './resolvers/index.ts';

/** Financing offers against credit lines. */
export const financingModule: KitModule<{ financing: FinancingService }> = defineModule({
  name: 'financing',
  resolvers: financingResolvers,
  policies: financingPolicies,
  services: (deps: FinanceDeps, built: { credit: CreditService }) => ({ financing: new FinancingService(deps.prisma, built.credit) }),
});
