import { log } from '@omniroute/core';
import { defineModule, every, type KitModule, type Started, type SubgraphDeps } from '@omniroute/core/kit';
import { startReconciler } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { CreditService } from '../credit/credit.service.ts';
import type { InvoiceService } from '../invoices/invoices.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import type { WalletService } from '../wallets/wallets.service.ts';
import type { PayoutService, PayoutTiming } from '../payouts/payouts.service.ts';
import { PaymentLiveService } from './live.service.ts';
import { PaymentService, type PaymentTiming } from './payments.service.ts';
import { ProviderAccountService } from './provider-accounts.service.ts';
import { defaultProviders, PaymentOrchestrator, type PaymentProvider } from './providers.ts';
import { CredentialVault } from './rails/credentials.ts';
import { createConnectors, type RailConnector, type RailName } from './rails/index.ts';
import { createPaymentLoaders } from './payments.loaders.ts';
import { paymentPolicies } from './payments.policies.ts';
import { paymentResolvers } from './resolvers/index.ts';

export interface PaymentsOptions {
  /** recordPayment's providers in fallback order (default: cash desk and manual records, see providers.ts). */
  providers?: PaymentProvider[];
  /** Key of the provider credentials at rest (32 bytes, base64 or hex; default PAYMENT_CREDENTIALS_KEY). Without one the rails are unavailable. */
  credentialsKey?: string;
  /** Public base URL of the gateway that providers call back (default PAYMENTS_CALLBACK_BASE_URL, else http://localhost:4000). */
  callbackBaseUrl?: string | (() => string);
  /** A provider sandbox: `seed()` points the demo tenants' provider accounts at it (default PAYMENTS_SANDBOX_URL). */
  paymentSandboxUrl?: string;
  /** Deadline of every provider request, ms (default 10 s). */
  railTimeoutMs?: number;
  /** How often PENDING rail payments are polled at their providers (default 2 s with a bus, else off; 0 disables). */
  paymentPollMs?: number;
  /** Poll back-off, expiry and retry waits of payments (payments.service.ts DEFAULT_PAYMENT_TIMING). */
  paymentTiming?: Partial<PaymentTiming>;
  /** Status-query back-off of payouts (payouts.service.ts DEFAULT_PAYOUT_TIMING). */
  payoutTiming?: Partial<PayoutTiming>;
  /** A payment PENDING this long is settled from what the providers know (reconcilePending); default 5 minutes. */
  pendingPaymentAfterMs?: number;
  /** How often the pending-payment reconciler runs (default: half of pendingPaymentAfterMs, 1 s–1 min); 0: only on demand. */
  reconcileIntervalMs?: number;
}

/** What finance's services share: the kit's deps plus the payment rails. */
export interface FinanceDeps extends SubgraphDeps<PrismaClient> {
  orchestrator: PaymentOrchestrator;
  connectors: Record<RailName, RailConnector>;
  /** Opens provider credentials; null when no PAYMENT_CREDENTIALS_KEY is set (the rails are then unavailable). */
  vault: CredentialVault | null;
  callbackBaseUrl: () => string;
  paymentTiming?: Partial<PaymentTiming>;
  payoutTiming?: Partial<PayoutTiming>;
  /** Deadline of provider requests (default 10 s). */
  railTimeoutMs?: number;
}

export function financeDeps(base: SubgraphDeps<PrismaClient>, opts: PaymentsOptions): FinanceDeps {
  const key = opts.credentialsKey ?? process.env.PAYMENT_CREDENTIALS_KEY;
  if (!key) log.warn('finance: no PAYMENT_CREDENTIALS_KEY; provider credentials cannot be read, so initiatePayment has no rails');
  const callbackBase = opts.callbackBaseUrl ?? process.env.PAYMENTS_CALLBACK_BASE_URL ?? 'http://localhost:4000';
  return {
    ...base,
    orchestrator: new PaymentOrchestrator(opts.providers ?? defaultProviders()),
    connectors: createConnectors(opts.railTimeoutMs),
    vault: key ? new CredentialVault(key) : null,
    callbackBaseUrl: typeof callbackBase === 'function' ? callbackBase : () => callbackBase,
    paymentTiming: opts.paymentTiming,
    payoutTiming: opts.payoutTiming,
    railTimeoutMs: opts.railTimeoutMs,
  };
}

type PaymentsBuilt = { invoices: InvoiceService; wallets: WalletService; credit: CreditService; ledger: LedgerService };
export type PaymentsServices = { payments: PaymentService; paymentLive: PaymentLiveService; providerAccounts: ProviderAccountService };

/** Payments: recorded, initiated on the rails (M-Pesa, MoMo, Paystack), settled by callback or poll. */
export const paymentsModule: KitModule<PaymentsServices, ReturnType<typeof createPaymentLoaders>> = defineModule({
  name: 'payments',
  resolvers: paymentResolvers,
  policies: paymentPolicies,
  loaders: createPaymentLoaders,
  services: (deps: FinanceDeps, built: PaymentsBuilt) => {
    const providerAccounts = new ProviderAccountService(deps.prisma, deps.vault);
    const payments = new PaymentService(
      deps.prisma, built.invoices, deps.orchestrator,
      { connectors: deps.connectors, accounts: providerAccounts, callbackBaseUrl: deps.callbackBaseUrl },
      { wallets: built.wallets, credit: built.credit, ledger: built.ledger },
      deps.outboxWritten, deps.paymentTiming,
    );
    return { payments, paymentLive: new PaymentLiveService(deps.bus ?? undefined), providerAccounts };
  },
});

type Running = Started<PaymentsOptions, FinanceDeps, PaymentsServices & { payouts: PayoutService }>;

/** The status poll settles rail payments whose callback is late or lost (and moves payouts on); one run at a time. */
export const paymentPollJob = ({ opts, bus, services }: Running) =>
  every(opts.paymentPollMs ?? (bus ? 2_000 : 0), 'finance: payment status poll', () =>
    Promise.all([services.payments.pollPending(), services.payouts.dispatch(), services.payouts.poll()]),
  );

export const pendingPaymentReconcilers = ({ opts, services }: Running) => {
  const pendingAfter = opts.pendingPaymentAfterMs ?? 5 * 60_000;
  return [
    startReconciler({
      name: 'finance.pending-payments',
      intervalMs: opts.reconcileIntervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(pendingAfter / 2))),
      run: () => services.payments.reconcilePending(pendingAfter),
    }),
  ];
};
