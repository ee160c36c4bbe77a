import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import type { ProviderAccountService } from '../payments/provider-accounts.service.ts';
import { PayoutService } from './payouts.service.ts';
import { createPayoutConnectors } from './rails/index.ts';
import { payoutPolicies } from './payouts.policies.ts';
import { payoutResolvers } from './resolvers/index.ts';

/** Payouts to riders and suppliers over the rails (M-Pesa B2C, MoMo disbursement, Paystack transfer). */
export const payoutsModule: KitModule<{ payouts: PayoutService }> = defineModule({
  name: 'payouts',
  resolvers: payoutResolvers,
  policies: payoutPolicies,
  services: (deps: FinanceDeps, built: { ledger: LedgerService; providerAccounts: ProviderAccountService }) => ({
    payouts: new PayoutService(deps.prisma, built.ledger, built.providerAccounts, createPayoutConnectors(deps.railTimeoutMs), deps.callbackBaseUrl, deps.outboxWritten, deps.payoutTiming),
  }),
});
