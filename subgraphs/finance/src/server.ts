import { fileURLToPath } from 'node:url';
import { createSubgraph, loadTypeDefs, log, sdlFilesIn, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { openDatabase, TRANSACTION_OPTIONS } from '@omniroute/db';
import { demoPaymentAccounts, demoPlan, demoSmsAccounts } from '@omniroute/demo';
import { outboxGauges, startOutboxRelay, startReconciler, type Consumer, type EventBus, type OutboxClient, type OutboxRelay, type Reconciler } from '@omniroute/events';
import { PrismaClient } from './generated/prisma/client.ts';
import { createContextFactory, createServices, type FinanceServices } from './context.ts';
import { SOURCE } from './db.ts';
import { startOrderToCashConsumer } from './events/order-to-cash.ts';
import { seedFinance } from './seed.ts';
import { creditResolvers } from './modules/credit/resolvers/index.ts';
import { invoiceResolvers } from './modules/invoices/resolvers/index.ts';
import { ledgerResolvers } from './modules/ledger/resolvers/index.ts';
import { paymentResolvers } from './modules/payments/resolvers/index.ts';
import { kpiResolvers } from './modules/kpis/resolvers/index.ts';
import { nodeResolvers } from './modules/node/resolvers/index.ts';
import { walletResolvers } from './modules/wallets/resolvers/index.ts';
import { payoutResolvers } from './modules/payouts/resolvers/index.ts';
import { startPayoutsConsumer } from './events/payouts.ts';
import { startCollectionsConsumer } from './events/collections.ts';
import { collectionsResolvers } from './modules/collections/resolvers/index.ts';
import { settlementResolvers } from './modules/settlement/resolvers/index.ts';
import { financingResolvers } from './modules/financing/resolvers/index.ts';
import type { PayoutTiming } from './modules/payouts/payouts.service.ts';
import { defaultProviders, PaymentOrchestrator, type PaymentProvider } from './modules/payments/providers.ts';
import { POLICIES } from './policies.ts';
import type { PaymentTiming } from './modules/payments/payments.service.ts';
import { CredentialVault } from './modules/payments/rails/credentials.ts';
import { createConnectors } from './modules/payments/rails/index.ts';
import { paymentWebhookRoutes } from './modules/payments/webhooks.ts';

export const SDL_FILES = sdlFilesIn(fileURLToPath(new URL('./modules', import.meta.url)));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/finance/migrations', import.meta.url));

export interface FinanceOptions extends SubgraphRuntimeOptions {
  /** Event bus: with it the order-to-cash consumer, the outbox relay and the overdue sweep run; without, none do. */
  bus?: EventBus;
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
  /** Outbox relay poll interval (default 1000 ms; commits kick it at once anyway). */
  relayIntervalMs?: number;
  /** How often issued invoices past due are marked OVERDUE (default 10 minutes; 0 disables). */
  overdueSweepMs?: number;
  /**
   * How often the collections cycle runs for every tenant (dunning, promises, credit holds; each step idempotent per
   * day) and the SMS outbox is sent (default 1 hour with a bus; 0 disables).
   */
  collectionsJobMs?: number;
  /** How often the settlement reconciliation looks for yesterday's reports (default 6 hours with a bus; imports are idempotent; 0 disables). */
  settlementJobMs?: number;
  /** How often the financing job accrues late fees and defaults agreements for every tenant (default 1 hour with a bus; idempotent per day; 0 disables). */
  financingJobMs?: number;
  /** Late-fee and default policy of financing agreements (financing.rules.ts DEFAULT_FINANCING_POLICY). */
  financingPolicy?: Partial<import('./modules/financing/financing.rules.ts').FinancingPolicy>;
  /** A payment PENDING this long is settled from what the providers know (reconcilePending); default 5 minutes. */
  pendingPaymentAfterMs?: number;
  /** How often the pending-payment reconciler runs (default: half of pendingPaymentAfterMs, 1 s–1 min); 0: only on demand. */
  reconcileIntervalMs?: number;
}

/** Builds the finance subgraph over its database (applies migrations); `listen` serves it. */
export async function create(opts: FinanceOptions): Promise<SubgraphRuntime & { prisma: PrismaClient; services: FinanceServices; reconcilers: Reconciler[] }> {
  const db = await openDatabase({ subgraph: 'finance', migrationsDir: MIGRATIONS_DIR, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new PrismaClient({ adapter: db.adapter, transactionOptions: TRANSACTION_OPTIONS });
  let relay: OutboxRelay | undefined;
  const kick = () => relay?.kick();
  const key = opts.credentialsKey ?? process.env.PAYMENT_CREDENTIALS_KEY;
  if (!key) log.warn('finance: no PAYMENT_CREDENTIALS_KEY; provider credentials cannot be read, so initiatePayment has no rails');
  const callbackBase = opts.callbackBaseUrl ?? process.env.PAYMENTS_CALLBACK_BASE_URL ?? 'http://localhost:4000';
  const services = createServices({
    prisma,
    orchestrator: new PaymentOrchestrator(opts.providers ?? defaultProviders()),
    connectors: createConnectors(opts.railTimeoutMs),
    vault: key ? new CredentialVault(key) : null,
    callbackBaseUrl: typeof callbackBase === 'function' ? callbackBase : () => callbackBase,
    live: opts.bus,
    onCommitted: kick,
    paymentTiming: opts.paymentTiming,
    payoutTiming: opts.payoutTiming,
    railTimeoutMs: opts.railTimeoutMs,
    financingPolicy: opts.financingPolicy,
  });
  const subgraph = createSubgraph({
    name: 'finance',
    typeDefs: loadTypeDefs(SDL_FILES),
    resolvers: [creditResolvers, invoiceResolvers, paymentResolvers, ledgerResolvers, nodeResolvers, walletResolvers, kpiResolvers, payoutResolvers, collectionsResolvers, settlementResolvers, financingResolvers],
    policies: POLICIES,
    createContext: createContextFactory({ prisma, services }),
    secret: opts.secret,
    gauges: outboxGauges(prisma),
    routes: paymentWebhookRoutes(services.payments, services.payouts, services.collections),
    reconcilers: () => reconcilers.map((r) => r.stats()),
  });

  let consumer: Consumer | undefined;
  let payoutsConsumer: Consumer | undefined;
  let collectionsConsumer: Consumer | undefined;
  let collectionsJob: NodeJS.Timeout | undefined;
  let settlementJob: NodeJS.Timeout | undefined;
  let financingJob: NodeJS.Timeout | undefined;
  let sweep: NodeJS.Timeout | undefined;
  const pendingAfter = opts.pendingPaymentAfterMs ?? 5 * 60_000;
  const reconcilers = [
    startReconciler({
      name: 'finance.pending-payments',
      intervalMs: opts.reconcileIntervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(pendingAfter / 2))),
      run: () => services.payments.reconcilePending(pendingAfter),
    }),
  ];
  if (opts.bus) {
    relay = startOutboxRelay({ prisma: prisma as unknown as OutboxClient, bus: opts.bus, source: SOURCE, intervalMs: opts.relayIntervalMs });
    consumer = await startOrderToCashConsumer({ bus: opts.bus, prisma, services, onCommitted: kick });
    payoutsConsumer = await startPayoutsConsumer({ bus: opts.bus, prisma, payouts: services.payouts, onCommitted: kick });
    collectionsConsumer = await startCollectionsConsumer({ bus: opts.bus, prisma, collections: services.collections });
    const collectionsEvery = opts.collectionsJobMs ?? 60 * 60_000;
    if (collectionsEvery > 0) {
      collectionsJob = setInterval(() => {
        services.collections.runAll().catch((error) => log.error('finance: collections cycle failed', { error: String(error) }));
      }, collectionsEvery);
      collectionsJob.unref();
    }
    const financingEvery = opts.financingJobMs ?? 60 * 60_000;
    if (financingEvery > 0) {
      financingJob = setInterval(() => void services.financing.run().catch((error) => log.error('finance: financing job failed', { error: String(error) })), financingEvery);
      financingJob.unref();
    }
    const settlementEvery = opts.settlementJobMs ?? 6 * 60 * 60_000;
    if (settlementEvery > 0) {
      settlementJob = setInterval(() => {
        services.settlement.runDaily().catch((error) => log.error('finance: settlement reconciliation failed', { error: String(error) }));
      }, settlementEvery);
      settlementJob.unref();
    }
    const every = opts.overdueSweepMs ?? 10 * 60_000;
    if (every > 0) {
      sweep = setInterval(() => {
        services.invoices.markOverdue().catch((error) => log.error('finance: overdue sweep failed', { error: String(error) }));
      }, every);
      sweep.unref();
    }
  }
  // The status poll settles rail payments whose callback is late or lost; one run at a time.
  const pollEvery = opts.paymentPollMs ?? (opts.bus ? 2_000 : 0);
  let poll: NodeJS.Timeout | undefined;
  if (pollEvery > 0) {
    const run = () => {
      poll = setTimeout(() => {
        Promise.all([services.payments.pollPending(), services.payouts.dispatch(), services.payouts.poll()])
          .catch((error) => log.error('finance: payment status poll failed', { error: String(error) }))
          .finally(() => (poll ? run() : undefined));
      }, pollEvery);
      poll.unref();
    };
    run();
  }
  const sandboxUrl = opts.paymentSandboxUrl ?? process.env.PAYMENTS_SANDBOX_URL;

  return {
    name: 'finance',
    listen: subgraph.listen,
    async seed() {
      await seedFinance(prisma, demoPlan());
      if (sandboxUrl && services.providerAccounts.configured) {
        await services.providerAccounts.seedDemo(demoPaymentAccounts(), sandboxUrl);
        for (const a of demoSmsAccounts()) await services.collections.configureSms(a.tenantId, { baseUrl: sandboxUrl, username: a.username, apiKey: a.apiKey, senderId: a.senderId });
      }
    },
    db,
    prisma,
    services,
    reconcilers,
    async close() {
      for (const r of reconcilers) await r.stop();
      if (sweep) clearInterval(sweep);
      if (collectionsJob) clearInterval(collectionsJob);
      if (settlementJob) clearInterval(settlementJob);
      if (financingJob) clearInterval(financingJob);
      if (poll) {
        clearTimeout(poll);
        poll = undefined;
      }
      await consumer?.stop();
      await payoutsConsumer?.stop();
      await collectionsConsumer?.stop();
      await relay?.stop();
      await prisma.$disconnect();
      await db.close();
    },
  };
}
