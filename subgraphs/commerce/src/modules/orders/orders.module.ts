import { log } from '@omniroute/core';
import { defineModule, type KitModule, type Started, type SubgraphDeps } from '@omniroute/core/kit';
import { sqlSharedTransactionFor, sqlTransactionFor } from '@omniroute/db';
import { driverPathBatch, handleOnce, handleOnceSql, type DomainEvent, type WrittenOutboxRow } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { OrderService } from './orders.service.ts';
import { createOrderLoaders } from './orders.loaders.ts';
import { orderPolicies } from './orders.policies.ts';
import { orderResolvers } from './resolvers/index.ts';

/** Orders and their life cycle (placed here, moved on by finance's and logistics' events). */
export const ordersModule: KitModule<{ orders: OrderService }, ReturnType<typeof createOrderLoaders>> = defineModule({
  name: 'orders',
  resolvers: orderResolvers,
  policies: orderPolicies,
  loaders: createOrderLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ orders: new OrderService(deps.prisma, deps.outboxWritten) }),
});

/** Consumer group that moves orders through their life cycle on finance's and logistics' events. */
export const ORDER_LIFECYCLE_GROUP = 'commerce.order-lifecycle';
export const CONSUMED_EVENTS = ['credit.approved', 'credit.rejected', 'shipment.created', 'shipment.dispatched', 'shipment.delivered'];

/** The events applied on the driver path (order-lifecycle.sql.ts, issue 17: the busiest of the group under placeOrder load). */
export const LIFECYCLE_SQL_EVENTS = new Set(['credit.approved', 'credit.rejected', 'shipment.created']);

/**
 * What the consumer does with one event, in its own transaction: true when it changed an order (outbox rows written;
 * on the driver path they are added to `written` once committed).
 */
export async function handleLifecycleEvent(prisma: PrismaClient, orders: OrderService, e: DomainEvent, written: WrittenOutboxRow[] = []): Promise<boolean> {
  let changed = false;
  if (LIFECYCLE_SQL_EVENTS.has(e.type)) {
    // rows are added after the `last` statement that committed them; the caller uses them only if this returns
    await handleOnceSql(sqlTransactionFor(prisma), ORDER_LIFECYCLE_GROUP, e, async (sql, last) => {
      changed = await orders.applyEventSql(sql, e, last, written);
    });
  } else {
    await handleOnce(prisma, ORDER_LIFECYCLE_GROUP, e, async (tx) => {
      changed = await orders.applyEvent(tx, e);
    });
  }
  return changed;
}

/**
 * The order life cycle's consumer. Queued events of the driver path are applied together (handleManyOnceSql: one
 * transaction, their statements pipelined); the bus never puts two of one order in a batch (its lanes).
 */
export const orderLifecycleConsumer = ({ bus, deps, services }: Started<unknown, SubgraphDeps<PrismaClient>, { orders: OrderService }>) => {
  const shared = sqlSharedTransactionFor(deps.prisma);
  return bus!.consume(
    ORDER_LIFECYCLE_GROUP,
    async (e) => {
      const written: WrittenOutboxRow[] = [];
      if (await handleLifecycleEvent(deps.prisma, services.orders, e, written)) deps.outboxWritten(written.length > 0 ? written : undefined);
      else log.debug('commerce: event changed nothing', { type: e.type, eventId: e.id });
    },
    {
      types: CONSUMED_EVENTS,
      batch: driverPathBatch(shared, ORDER_LIFECYCLE_GROUP, {
        types: [...LIFECYCLE_SQL_EVENTS],
        work: (e, sql, last, written) => services.orders.applyEventSql(sql, e, last, written),
        committed: (written, changed) => {
          if (changed.some(Boolean)) deps.outboxWritten(written);
        },
      }),
    },
  );
};
