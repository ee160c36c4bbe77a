import { handleOnce, republishEvents, type Consumer, type DomainEvent, type EventBus } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { ShipmentService } from './shipments.service.ts';
import type { TerritoryService } from '../territories/territories.service.ts';
import { parseOrderConfirmed } from './shipment-events.ts';

/** Consumer group of logistics' shipment life cycle. One group for both types, so one order's events are handled in order. */
export const SHIPMENTS_GROUP = 'logistics.shipments';
export const CONSUMED_TYPES = ['order.confirmed', 'order.cancelled'];

/** Handles one event exactly once per group (handleOnce records it in the same transaction as the change). */
export async function handleOrderEvent(prisma: PrismaClient, shipments: ShipmentService, event: DomainEvent, territories?: TerritoryService): Promise<boolean> {
  return handleOnce(prisma as never, SHIPMENTS_GROUP, event, async (tx) => {
    if (event.type === 'order.confirmed') {
      await shipments.createForConfirmedOrder(tx, event);
      // logistics' site of the customer (coordinates, territory by point-in-polygon) follows its orders
      const p = parseOrderConfirmed(event.payload);
      if (territories && p?.customerId) await territories.noteCustomer(tx as never, event.tenantId, { customerId: p.customerId, name: p.customerName, destination: p.destination }, new Date(event.occurredAt));
    }
    else if (event.type === 'order.cancelled') await shipments.cancelForCancelledOrder(tx, event);
  });
}

/** Subscribes the shipment consumers; `outboxWritten` kicks the relay after each handled event. */
export function startShipmentConsumers(opts: { bus: EventBus; prisma: PrismaClient; shipments: ShipmentService; territories?: TerritoryService; outboxWritten: () => void }): Promise<Consumer> {
  return opts.bus.consume(
    SHIPMENTS_GROUP,
    async (event) => {
      if (await handleOrderEvent(opts.prisma, opts.shipments, event, opts.territories)) opts.outboxWritten();
      else if (event.type === 'order.confirmed' && (await resendShipmentCreated(opts.prisma, event))) opts.outboxWritten();
    },
    { types: CONSUMED_TYPES },
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
