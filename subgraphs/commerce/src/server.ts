import { defineSubgraph, type KitOptions } from '@omniroute/core/kit';
import { demoPlan } from '@omniroute/demo';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedCommerce } from './seed.ts';
import { catalogModule } from './modules/catalog/catalog.module.ts';
import { customersModule } from './modules/customers/customers.module.ts';
import { inventoryModule } from './modules/inventory/inventory.module.ts';
import { pricingModule } from './modules/pricing/pricing.module.ts';
import { orderLifecycleConsumer, ordersModule } from './modules/orders/orders.module.ts';
import { liveModule } from './modules/live/live.module.ts';
import { kpisModule } from './modules/kpis/kpis.module.ts';
import { stockMovementsModule } from './modules/stock-movements/stock-movements.module.ts';
import { vanStockModule } from './modules/van-stock/van-stock.module.ts';
import { startOrderReconcilers } from './modules/orders/orders.reconcilers.ts';
import { territoryReplicaConsumer } from './modules/territories/rep-territories.ts';
export { CONSUMED_EVENTS, ORDER_LIFECYCLE_GROUP } from './modules/orders/orders.module.ts';

export interface CommerceOptions extends KitOptions {
  /** An order PENDING or CONFIRMED this long has its event re-sent (orders.reconcilers.ts); default 5 minutes. */
  reconcileAfterMs?: number;
  /** How often the order reconcilers run (default: half of reconcileAfterMs, 1 s–1 min); 0: only on demand. */
  reconcileIntervalMs?: number;
}

export const commerce = defineSubgraph({
  name: 'commerce',
  modulesDir: new URL('./modules', import.meta.url),
  migrationsDir: new URL('../../../prisma/commerce/migrations', import.meta.url),
  client: PrismaClient,
  outbox: 'commerce',
  modules: [catalogModule, customersModule, inventoryModule, pricingModule, ordersModule, liveModule, kpisModule, stockMovementsModule, vanStockModule],
  consumers: [orderLifecycleConsumer, territoryReplicaConsumer],
  reconcilers: ({ bus, deps, opts }: { bus: unknown; deps: { prisma: PrismaClient; outboxWritten: () => void }; opts: CommerceOptions }) =>
    bus ? startOrderReconcilers({ prisma: deps.prisma, kick: deps.outboxWritten, stuckAfterMs: opts.reconcileAfterMs, intervalMs: opts.reconcileIntervalMs }) : [],
  seed: ({ deps }) => seedCommerce(deps.prisma, demoPlan()),
});

/** Builds the commerce subgraph over its database (applies migrations); `listen` serves it. */
export const create = (opts: CommerceOptions) => commerce.create(opts);
export const SDL_FILES = commerce.sdlFiles;
export const MIGRATIONS_DIR = commerce.migrationsDir;
