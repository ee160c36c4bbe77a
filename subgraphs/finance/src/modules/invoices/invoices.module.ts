import { defineModule, every, type KitModule, type Started } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { InvoiceService } from './invoices.service.ts';
import type { CreditService } from '../credit/credit.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { createInvoiceLoaders } from './invoices.loaders.ts';
import { invoicePolicies } from './invoices.policies.ts';
import { invoiceResolvers } from './resolvers/index.ts';

/** Invoices: drafted on order.placed, issued on delivery, overdue when past due. */
export const invoicesModule: KitModule<{ invoices: InvoiceService }, ReturnType<typeof createInvoiceLoaders>> = defineModule({
  name: 'invoices',
  resolvers: invoiceResolvers,
  policies: invoicePolicies,
  loaders: createInvoiceLoaders,
  services: (deps: FinanceDeps, built: { credit: CreditService; ledger: LedgerService }) => ({ invoices: new InvoiceService(deps.prisma, built.credit, built.ledger) }),
});

export interface InvoicesOptions {
  /** How often issued invoices past due are marked OVERDUE (default 10 minutes; 0 disables). Runs with a bus only. */
  overdueSweepMs?: number;
}

export const overdueSweepJob = ({ opts, bus, services }: Started<InvoicesOptions, unknown, { invoices: InvoiceService }>) =>
  bus ? every(opts.overdueSweepMs ?? 10 * 60_000, 'finance: overdue sweep', () => services.invoices.markOverdue()) : null;
