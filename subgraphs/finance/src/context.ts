import type { InternalContext, Viewer } from '@omniroute/core';
import type { PrismaClient } from './generated/prisma/client.ts';
import { CreditService } from './modules/credit/credit.service.ts';
import { createCreditLoaders } from './modules/credit/credit.loaders.ts';
import { InvoiceService } from './modules/invoices/invoices.service.ts';
import { createInvoiceLoaders } from './modules/invoices/invoices.loaders.ts';
import { LedgerService } from './modules/ledger/ledger.service.ts';
import { createLedgerLoaders } from './modules/ledger/ledger.loaders.ts';
import { PaymentService } from './modules/payments/payments.service.ts';
import { createPaymentLoaders } from './modules/payments/payments.loaders.ts';
import { KpiService } from './modules/kpis/kpis.service.ts';
import type { PaymentOrchestrator } from './modules/payments/providers.ts';

export interface FinanceServices {
  credit: CreditService;
  invoices: InvoiceService;
  payments: PaymentService;
  ledger: LedgerService;
  kpis: KpiService;
}

/** The services, built once per subgraph; stateless apart from the Prisma client and the providers. */
export function createServices(deps: { prisma: PrismaClient; orchestrator: PaymentOrchestrator; onCommitted?: () => void }): FinanceServices {
  const ledger = new LedgerService(deps.prisma);
  const credit = new CreditService(deps.prisma, ledger);
  const invoices = new InvoiceService(deps.prisma, credit, ledger);
  const payments = new PaymentService(deps.prisma, invoices, deps.orchestrator, deps.onCommitted);
  return { credit, invoices, payments, ledger, kpis: new KpiService(deps.prisma) };
}

function createLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    ...createCreditLoaders(prisma, viewer),
    ...createInvoiceLoaders(prisma, viewer),
    ...createPaymentLoaders(prisma, viewer),
    ...createLedgerLoaders(prisma, viewer),
  };
}

/** Read-only per-request context: who calls, the services, and this request's DataLoaders. */
export interface FinanceContext {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  readonly services: FinanceServices;
  readonly loaders: ReturnType<typeof createLoaders>;
}

export function createContextFactory(deps: { prisma: PrismaClient; services: FinanceServices }) {
  return (internal: InternalContext): FinanceContext =>
    Object.freeze({
      requestId: internal.requestId,
      viewer: internal.viewer,
      services: deps.services,
      loaders: createLoaders(deps.prisma, internal.viewer),
    });
}
