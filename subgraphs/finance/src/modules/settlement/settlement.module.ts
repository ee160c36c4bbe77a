import { defineModule, every, type KitModule, type Started } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { SettlementService } from './settlement.service.ts';
import type { ProviderAccountService } from '../payments/provider-accounts.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { settlementPolicies } from './settlement.policies.ts';
import { settlementResolvers } from './resolvers/index.ts';

/** Settlement: the providers' daily reports reconciled against recorded payments. */
export const settlementModule: KitModule<{ settlement: SettlementService }> = defineModule({
  name: 'settlement',
  resolvers: settlementResolvers,
  policies: settlementPolicies,
  services: (deps: FinanceDeps, built: { providerAccounts: ProviderAccountService; ledger: LedgerService }) => ({ settlement: new SettlementService(deps.prisma, built.providerAccounts, built.ledger, deps.railTimeoutMs) }),
});

export interface SettlementOptions {
  /** How often the settlement reconciliation looks for yesterday's reports (default 6 hours with a bus; imports are idempotent; 0 disables). */
  settlementJobMs?: number;
}

export const settlementJob = ({ opts, bus, services }: Started<SettlementOptions, unknown, { settlement: SettlementService }>) =>
  bus ? every(opts.settlementJobMs ?? 6 * 60 * 60_000, 'finance: settlement reconciliation', () => services.settlement.runDaily()) : null;
