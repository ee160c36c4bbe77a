import { fileURLToPath } from 'node:url';
import { createSubgraph, loadTypeDefs, log, sdlFilesIn, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { openDatabase, TRANSACTION_OPTIONS } from '@omniroute/db';
import { demoPlan } from '@omniroute/demo';
import { handleOnce, outboxGauges, startOutboxRelay, type Consumer, type EventBus, type OutboxRelay, type Reconciler } from '@omniroute/events';
import { PrismaClient } from './generated/prisma/client.ts';
import { createContextFactory, createServices } from './context.ts';
import { seedCommerce } from './seed.ts';
import { catalogResolvers } from './modules/catalog/resolvers/index.ts';
import { customerResolvers } from './modules/customers/resolvers/index.ts';
import { inventoryResolvers } from './modules/inventory/resolvers/index.ts';
import { orderResolvers } from './modules/orders/resolvers/index.ts';
import { pricingResolvers } from './modules/pricing/resolvers/index.ts';
import { liveResolvers } from './modules/live/resolvers/index.ts';
import { kpiResolvers } from './modules/kpis/resolvers/index.ts';
import { stockMovementResolvers } from './modules/stock-movements/resolvers/index.ts';
import { vanStockResolvers } from './modules/van-stock/resolvers/index.ts';
import { SOURCE } from './modules/orders/orders.service.ts';
import { POLICIES } from './policies.ts';
import { startOrderReconcilers } from './modules/orders/orders.reconcilers.ts';
import { applyTerritoryEvent, TERRITORY_EVENTS, TERRITORY_REPLICA_GROUP } from './modules/territories/rep-territories.ts';

export const SDL_FILES = sdlFilesIn(fileURLToPath(new URL('./modules', import.meta.url)));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/commerce/migrations', import.meta.url));

/** Consumer group that moves orders through their life cycle on finance's and logistics' events. */
export const ORDER_LIFECYCLE_GROUP = 'commerce.order-lifecycle';
export const CONSUMED_EVENTS = ['credit.approved', 'credit.rejected', 'shipment.created', 'shipment.dispatched', 'shipment.delivered'];

export interface CommerceOptions extends SubgraphRuntimeOptions {
  /** Event bus: with it the outbox relay publishes commerce's events and the order life-cycle consumer runs. */
  bus?: EventBus;
  /** Outbox relay poll interval (ms) when idle; commits kick it anyway. */
  relayIntervalMs?: number;
  /** An order PENDING or CONFIRMED this long has its event re-sent (orders.reconcilers.ts); default 5 minutes. */
  reconcileAfterMs?: number;
  /** How often the order reconcilers run (default: half of reconcileAfterMs, 1 s–1 min); 0: only on demand. */
  reconcileIntervalMs?: number;
}

/** Builds the commerce subgraph over its database (applies migrations); `listen` serves it. */
export async function create(opts: CommerceOptions): Promise<SubgraphRuntime & { prisma: PrismaClient; reconcilers: Reconciler[] }> {
  const db = await openDatabase({ subgraph: 'commerce', migrationsDir: MIGRATIONS_DIR, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new PrismaClient({ adapter: db.adapter, transactionOptions: TRANSACTION_OPTIONS });

  let relay: OutboxRelay | undefined;
  const consumers: Consumer[] = [];
  let reconcilers: Reconciler[] = [];
  const services = createServices(prisma, () => relay?.kick(), opts.bus);
  if (opts.bus) {
    const bus = opts.bus;
    relay = startOutboxRelay({ prisma, bus, source: SOURCE, intervalMs: opts.relayIntervalMs });
    consumers.push(
      await bus.consume(
        ORDER_LIFECYCLE_GROUP,
        async (e) => {
          let changed = false;
          await handleOnce(prisma, ORDER_LIFECYCLE_GROUP, e, async (tx) => {
            changed = await services.orders.applyEvent(tx, e);
          });
          if (changed) relay?.kick();
          else log.debug('commerce: event changed nothing', { type: e.type, eventId: e.id });
        },
        { types: CONSUMED_EVENTS },
      ),
      // the replica of logistics' territory assignments (sales reps' object rule OWN_TERRITORY)
      await bus.consume(TERRITORY_REPLICA_GROUP, (e) => handleOnce(prisma, TERRITORY_REPLICA_GROUP, e, (tx) => applyTerritoryEvent(tx, e)).then(() => undefined), {
        types: TERRITORY_EVENTS,
      }),
    );
    reconcilers = startOrderReconcilers({ prisma, kick: () => relay?.kick(), stuckAfterMs: opts.reconcileAfterMs, intervalMs: opts.reconcileIntervalMs });
  }

  const subgraph = createSubgraph({
    name: 'commerce',
    typeDefs: loadTypeDefs(SDL_FILES),
    resolvers: [catalogResolvers, customerResolvers, inventoryResolvers, pricingResolvers, orderResolvers, liveResolvers, kpiResolvers, stockMovementResolvers, vanStockResolvers],
    policies: POLICIES,
    createContext: createContextFactory(prisma, services),
    secret: opts.secret,
    gauges: outboxGauges(prisma),
    reconcilers: () => reconcilers.map((r) => r.stats()),
  });
  return {
    name: 'commerce',
    listen: subgraph.listen,
    seed: () => seedCommerce(prisma, demoPlan()),
    db,
    prisma,
    reconcilers,
    async close() {
      for (const r of reconcilers) await r.stop();
      for (const c of consumers) await c.stop();
      await relay?.stop();
      await prisma.$disconnect();
      await db.close();
    },
  };
}
