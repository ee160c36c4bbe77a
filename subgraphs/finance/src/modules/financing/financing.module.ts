import { defineModule, every, type KitModule, type Started } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import type { CreditService } from '../credit/credit.service.ts';
import type { InvoiceService } from '../invoices/invoices.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { FinancingService } from './financing.service.ts';
import { createFinancingLoaders } from './financing.loaders.ts';
import { DEFAULT_FINANCING_POLICY, type FinancingPolicy } from './financing.rules.ts';
import { financingPolicies } from './financing.policies.ts';
import { financingResolvers } from './resolvers/index.ts';

export interface FinancingOptions {
  /** How often the financing job accrues late fees and defaults agreements for every tenant (default 1 hour with a bus; idempotent per day; 0 disables). */
  financingJobMs?: number;
  /** Late-fee and default policy of financing agreements (financing.rules.ts DEFAULT_FINANCING_POLICY). */
  financingPolicy?: Partial<FinancingPolicy>;
}

/** Financing: offers from the credit score, and the agreements made by accepting one (instalments, late fees, default). */
export const financingModule: KitModule<{ financing: FinancingService }, ReturnType<typeof createFinancingLoaders>> = defineModule({
  name: 'financing',
  resolvers: financingResolvers,
  policies: financingPolicies,
  loaders: createFinancingLoaders,
  services: (deps: FinanceDeps & { financingPolicy?: Partial<FinancingPolicy> }, built: { credit: CreditService; invoices: InvoiceService; ledger: LedgerService }) => ({
    financing: new FinancingService(deps.prisma, built.credit, built.invoices, built.ledger, { ...DEFAULT_FINANCING_POLICY, ...deps.financingPolicy }),
  }),
});

export const financingJob = ({ opts, bus, services }: Started<FinancingOptions, unknown, { financing: FinancingService }>) =>
  bus ? every(opts.financingJobMs ?? 60 * 60_000, 'finance: financing job', () => services.financing.run()) : null;
