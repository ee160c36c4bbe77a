import type { InternalContext, LiveEventSource, Viewer } from '@omniroute/core';
import type { PrismaClient } from './generated/prisma/client.ts';
import { CreditService } from './modules/credit/credit.service.ts';
import { createCreditLoaders } from './modules/credit/credit.loaders.ts';
import { InvoiceService } from './modules/invoices/invoices.service.ts';
import { createInvoiceLoaders } from './modules/invoices/invoices.loaders.ts';
import { LedgerService } from './modules/ledger/ledger.service.ts';
import { createLedgerLoaders } from './modules/ledger/ledger.loaders.ts';
import { PaymentLiveService } from './modules/payments/live.service.ts';
import { PaymentService, type PaymentTiming } from './modules/payments/payments.service.ts';
import { createPaymentLoaders } from './modules/payments/payments.loaders.ts';
import { KpiService } from './modules/kpis/kpis.service.ts';
import { ProviderAccountService } from './modules/payments/provider-accounts.service.ts';
import type { PaymentOrchestrator } from './modules/payments/providers.ts';
import type { CredentialVault } from './modules/payments/rails/credentials.ts';
import type { RailConnector, RailName } from './modules/payments/rails/index.ts';
import { WalletService } from './modules/wallets/wallets.service.ts';
import { PayoutService, type PayoutTiming } from './modules/payouts/payouts.service.ts';
import { createPayoutConnectors } from './modules/payouts/rails/index.ts';
import { CollectionsService } from './modules/collections/collections.service.ts';
import { SettlementService } from './modules/settlement/settlement.service.ts';
import { FinancingService } from './modules/financing/financing.service.ts';
import { createFinancingLoaders } from './modules/financing/financing.loaders.ts';
import { DEFAULT_FINANCING_POLICY, type FinancingPolicy } from './modules/financing/financing.rules.ts';

export interface FinanceServices {
  credit: CreditService;
  invoices: InvoiceService;
  payments: PaymentService;
  paymentLive: PaymentLiveService;
  providerAccounts: ProviderAccountService;
  wallets: WalletService;
  payouts: PayoutService;
  collections: CollectionsService;
  settlement: SettlementService;
  financing: FinancingService;
  ledger: LedgerService;
  kpis: KpiService;
}

export interface FinanceServiceDeps {
  prisma: PrismaClient;
  orchestrator: PaymentOrchestrator;
  connectors: Record<RailName, RailConnector>;
  /** Opens provider credentials; null when no PAYMENT_CREDENTIALS_KEY is set (the rails are then unavailable). */
  vault: CredentialVault | null;
  callbackBaseUrl: () => string;
  /** Live domain events for subscriptions (the event bus). */
  live?: LiveEventSource;
  onCommitted?: () => void;
  paymentTiming?: Partial<PaymentTiming>;
  payoutTiming?: Partial<PayoutTiming>;
  /** Deadline of payout requests to the rails (default 10 s). */
  railTimeoutMs?: number;
  /** Late fees and default of financing agreements (financing.rules.ts DEFAULT_FINANCING_POLICY). */
  financingPolicy?: Partial<FinancingPolicy>;
}

/** The services, built once per subgraph; stateless apart from the Prisma client, the providers and token caches. */
export function createServices(deps: FinanceServiceDeps): FinanceServices {
  const ledger = new LedgerService(deps.prisma);
  const credit = new CreditService(deps.prisma, ledger);
  const invoices = new InvoiceService(deps.prisma, credit, ledger);
  const providerAccounts = new ProviderAccountService(deps.prisma, deps.vault);
  const wallets = new WalletService(deps.prisma);
  const payments = new PaymentService(
    deps.prisma, invoices, deps.orchestrator,
    { connectors: deps.connectors, accounts: providerAccounts, callbackBaseUrl: deps.callbackBaseUrl },
    { wallets, credit, ledger },
    deps.onCommitted, deps.paymentTiming,
  );
  const payouts = new PayoutService(deps.prisma, ledger, providerAccounts, createPayoutConnectors(deps.railTimeoutMs), deps.callbackBaseUrl, deps.onCommitted, deps.payoutTiming);
  return { credit, invoices, payments, paymentLive: new PaymentLiveService(deps.live), providerAccounts, wallets, payouts, collections: new CollectionsService(deps.prisma, deps.vault), settlement: new SettlementService(deps.prisma, providerAccounts, ledger, deps.railTimeoutMs), financing: new FinancingService(deps.prisma, credit, invoices, ledger, { ...DEFAULT_FINANCING_POLICY, ...deps.financingPolicy }), ledger, kpis: new KpiService(deps.prisma) };
}

function createLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    ...createCreditLoaders(prisma, viewer),
    ...createInvoiceLoaders(prisma, viewer),
    ...createPaymentLoaders(prisma, viewer),
    ...createLedgerLoaders(prisma, viewer),
    ...createFinancingLoaders(prisma, viewer),
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
