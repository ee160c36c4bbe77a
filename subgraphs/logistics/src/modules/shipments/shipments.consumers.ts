import { sqlSharedTransactionFor, sqlTransactionFor } from '@omniroute/db';
import { driverPathBatch, handleOnce, handleOnceSql, payloadKey, republishEvents, type Consumer, type DomainEvent, type EventBus, type WrittenOutboxRow } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { ShipmentService } from './shipments.service.ts';

/** Consumer group of logistics' shipment life cycle. One group for both types, so one order's events are handled in order. */
export const SHIPMENTS_GROUP = 'logistics.shipments';
export const CONSUMED_TYPES = ['order.confirmed', 'order.cancelled'];

/**
 * Handles one event exactly once per group (the ProcessedEvent row commits with the change). order.confirmed runs on
 * the driver path (confirmed-order.sql.ts: three statements), order.cancelled through Prisma; both pass the order's
 * gate first. `noteCustomers`: logistics' site of the customer follows its confirmed orders (the running subgraph).
 */
export async function handleOrderEvent(prisma: PrismaClient, shipments: ShipmentService, event: DomainEvent, noteCustomers = false, written: WrittenOutboxRow[] = []): Promise<boolean> {
  if (event.type === 'order.confirmed') {
    return handleOnceSql(sqlTransactionFor(prisma), SHIPMENTS_GROUP, event, (sql, last) => shipments.createForConfirmedOrder(sql, event, noteCustomers, last, written));
  }
  return handleOnce(prisma as never, SHIPMENTS_GROUP, event, async (tx) => {
    if (event.type === 'order.cancelled') await shipments.cancelForCancelledOrder(tx, event);
  });
}

/**
 * Subscribes the shipment consumers; `outboxWritten` kicks the relay after each handled event. Queued
 * order.confirmed events are applied together (handleManyOnceSql: one transaction, their statements pipelined),
 * never two of one customer in a batch: each may write the customer's site it read.
 */
export function startShipmentConsumers(opts: { bus: EventBus; prisma: PrismaClient; shipments: ShipmentService; noteCustomers: boolean; outboxWritten: (written?: readonly WrittenOutboxRow[]) => void }): Promise<Consumer> {
  const shared = sqlSharedTransactionFor(opts.prisma);
  return opts.bus.consume(
    SHIPMENTS_GROUP,
    async (event) => {
      const written: WrittenOutboxRow[] = [];
      if (await handleOrderEvent(opts.prisma, opts.shipments, event, opts.noteCustomers, written)) opts.outboxWritten(written.length > 0 ? written : undefined);
      else if (event.type === 'order.confirmed' && (await resendShipmentCreated(opts.prisma, event))) opts.outboxWritten();
    },
    {
      types: CONSUMED_TYPES,
      batch: driverPathBatch(shared, SHIPMENTS_GROUP, {
        types: ['order.confirmed'],
        key: payloadKey('customerId'),
        work: (e, sql, last, written) => opts.shipments.createForConfirmedOrder(sql, e, opts.noteCustomers, last, written),
        committed: opts.outboxWritten,
      }),
    },
  );
}

/**
 * An order.confirmed handled before came again: commerce's reconciler re-sends it when our shipment.created never
 * reached it, so that is re-sent (its outbox row, original id; at most once a minute).
 */
export async function resendShipmentCreated(prisma: PrismaClient, e: DomainEvent): Promise<boolean> {
  const orderId = (e.payload as { orderId?: unknown }).orderId;
  if (typeof orderId !== 'string') return false;
  const shipment = await prisma.shipment.findFirst({ where: { tenantId: e.tenantId, orderId }, select: { id: true } });
  if (!shipment) return false;
  return (await republishEvents(prisma as never, { type: 'shipment.created', aggregateIds: [shipment.id], publishedBefore: new Date(Date.now() - 60_000) })) > 0;
}
