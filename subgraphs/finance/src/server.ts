import { fileURLToPath } from 'node:url';
import { createSubgraph, loadTypeDefs, log, sdlFilesIn, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { openDatabase } from '@omniroute/db';
import { demoPlan } from '@omniroute/demo';
import { startOutboxRelay, startReconciler, type Consumer, type EventBus, type OutboxClient, type OutboxRelay, type Reconciler } from '@omniroute/events';
import { PrismaClient } from './generated/prisma/client.ts';
import { createContextFactory, createServices, type FinanceServices } from './context.ts';
import { SOURCE } from './db.ts';
import { startOrderToCashConsumer } from './events/order-to-cash.ts';
import { seedFinance } from './seed.ts';
import { creditResolvers } from './modules/credit/resolvers/index.ts';
import { invoiceResolvers } from './modules/invoices/resolvers/index.ts';
import { ledgerResolvers } from './modules/ledger/resolvers/index.ts';
import { paymentResolvers } from './modules/payments/resolvers/index.ts';
import { defaultProviders, PaymentOrchestrator, type PaymentProvider } from './modules/payments/providers.ts';
import { POLICIES } from './policies.ts';

export const SDL_FILES = sdlFilesIn(fileURLToPath(new URL('./modules', import.meta.url)));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/finance/migrations', import.meta.url));

export interface FinanceOptions extends SubgraphRuntimeOptions {
  /** Event bus: with it the order-to-cash consumer, the outbox relay and the overdue sweep run; without, none do. */
  bus?: EventBus;
  /** Payment providers in fallback order (default: cash desk + two simulated gateways, see providers.ts). */
  providers?: PaymentProvider[];
  /** Outbox relay poll interval (default 1000 ms; commits kick it at once anyway). */
  relayIntervalMs?: number;
  /** How often issued invoices past due are marked OVERDUE (default 10 minutes; 0 disables). */
  overdueSweepMs?: number;
  /** A payment PENDING this long is settled from what the providers know (reconcilePending); default 5 minutes. */
  pendingPaymentAfterMs?: number;
}

/** Builds the finance subgraph over its database (applies migrations); `listen` serves it. */
export async function create(opts: FinanceOptions): Promise<SubgraphRuntime & { prisma: PrismaClient; services: FinanceServices; reconcilers: Reconciler[] }> {
  const db = await openDatabase({ subgraph: 'finance', migrationsDir: MIGRATIONS_DIR, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new PrismaClient({ adapter: db.adapter });
  let relay: OutboxRelay | undefined;
  const kick = () => relay?.kick();
  const services = createServices({ prisma, orchestrator: new PaymentOrchestrator(opts.providers ?? defaultProviders()), onCommitted: kick });
  const subgraph = createSubgraph({
    name: 'finance',
    typeDefs: loadTypeDefs(SDL_FILES),
    resolvers: [creditResolvers, invoiceResolvers, paymentResolvers, ledgerResolvers],
    policies: POLICIES,
    createContext: createContextFactory({ prisma, services }),
    secret: opts.secret,
  });

  let consumer: Consumer | undefined;
  let sweep: NodeJS.Timeout | undefined;
  const pendingAfter = opts.pendingPaymentAfterMs ?? 5 * 60_000;
  const reconcilers = [
    startReconciler({
      name: 'finance.pending-payments',
      intervalMs: Math.min(60_000, Math.max(1_000, Math.floor(pendingAfter / 2))),
      run: () => services.payments.reconcilePending(pendingAfter),
    }),
  ];
  if (opts.bus) {
    relay = startOutboxRelay({ prisma: prisma as unknown as OutboxClient, bus: opts.bus, source: SOURCE, intervalMs: opts.relayIntervalMs });
    consumer = await startOrderToCashConsumer({ bus: opts.bus, prisma, services, onCommitted: kick });
    const every = opts.overdueSweepMs ?? 10 * 60_000;
    if (every > 0) {
      sweep = setInterval(() => {
        services.invoices.markOverdue().catch((error) => log.error('finance: overdue sweep failed', { error: String(error) }));
      }, every);
      sweep.unref();
    }
  }

  return {
    name: 'finance',
    listen: subgraph.listen,
    seed: () => seedFinance(prisma, demoPlan()),
    db,
    prisma,
    services,
    reconcilers,
    async close() {
      for (const r of reconcilers) await r.stop();
      if (sweep) clearInterval(sweep);
      await consumer?.stop();
      await relay?.stop();
      await prisma.$disconnect();
      await db.close();
    },
  };
}
