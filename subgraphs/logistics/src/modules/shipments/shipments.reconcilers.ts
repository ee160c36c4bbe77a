import { startResendReconcilers, type ResendReconcilerOptions } from '@omniroute/core/kit';
import type { Consumer, DomainEvent, EventBus, Reconciler } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/**
 * Consumer group that records the other subgraphs' acknowledgements on the shipment: finance's and workforce's of a
 * delivery — `invoice.issued` (by order) sets invoiceIssuedAt, `task.completed` (by shipment) sets taskCreditedAt —
 * and commerce's of a dispatch: `order.dispatched` (by order) sets orderDispatchedAt, which confirmDelivery waits for.
 */
export const DELIVERY_ACKS_GROUP = 'logistics.delivery-acks';
export const DELIVERY_ACK_TYPES = ['invoice.issued', 'task.completed', 'order.dispatched'];

type P = Record<string, unknown>;
const idOf = (p: P, k: string): string | null => (typeof p[k] === 'string' && (p[k] as string).length > 0 && (p[k] as string).length <= 200 ? (p[k] as string) : null);

/**
 * Applies one acknowledgement. Idempotent by itself (sets a timestamp only while it is null), so no ProcessedEvent
 * row is written for these frequent events. Returns whether a shipment changed.
 */
export async function applyDeliveryAck(prisma: PrismaClient, e: DomainEvent): Promise<boolean> {
  const p = (e.payload ?? {}) as P;
  const at = Number.isNaN(Date.parse(e.occurredAt)) ? new Date() : new Date(e.occurredAt);
  if (e.type === 'invoice.issued') {
    const orderId = idOf(p, 'orderId');
    if (!orderId) return false;
    const { count } = await prisma.shipment.updateMany({ where: { tenantId: e.tenantId, orderId, invoiceIssuedAt: null }, data: { invoiceIssuedAt: at } });
    return count > 0;
  }
  if (e.type === 'order.dispatched') {
    const orderId = idOf(p, 'orderId');
    if (!orderId) return false;
    const { count } = await prisma.shipment.updateMany({ where: { tenantId: e.tenantId, orderId, orderDispatchedAt: null }, data: { orderDispatchedAt: at } });
    return count > 0;
  }
  if (e.type === 'task.completed') {
    const shipmentId = idOf(p, 'shipmentId'); // delivery tasks only; other tasks carry none
    if (!shipmentId) return false;
    const { count } = await prisma.shipment.updateMany({ where: { tenantId: e.tenantId, id: shipmentId, taskCreditedAt: null }, data: { taskCreditedAt: at } });
    return count > 0;
  }
  return false;
}

export function startDeliveryAckConsumer(bus: EventBus, prisma: PrismaClient): Promise<Consumer> {
  return bus.consume(DELIVERY_ACKS_GROUP, async (e) => void (await applyDeliveryAck(prisma, e)), { types: DELIVERY_ACK_TYPES });
}

export type DeliveryReconcilerOptions = ResendReconcilerOptions & { prisma: PrismaClient };

/**
 * Delivered shipments whose invoice (finance) or task credit (workforce) never showed up: the acknowledgement
 * (`invoice.issued`, `task.completed`) has not arrived stuckAfterMs after the delivery. The repair re-sends
 * `shipment.delivered` from the outbox with its original id: a consumer that never got it handles it now (issues
 * the invoice, completes the task, credits the rider); one that did skips it and re-sends its acknowledgement
 * (finance and workforce do so for a delivery they had handled), so a lost acknowledgement heals too. At most once
 * per stuckAfterMs per shipment. Only deliveries made through the event flow count (their event is in the outbox).
 */
export function startDeliveryReconcilers(opts: DeliveryReconcilerOptions): Reconciler[] {
  const stuck = (column: 'invoiceIssuedAt' | 'taskCreditedAt') => (before: Date, limit: number) =>
    opts.prisma.$queryRawUnsafe(
      `SELECT s."id" FROM "Shipment" s
        WHERE s."status"::text = 'DELIVERED' AND s."${column}" IS NULL AND s."deliveredAt" < $1
          AND EXISTS (SELECT 1 FROM "OutboxEvent" e WHERE e."aggregateId" = s."id" AND e."type" = 'shipment.delivered')
        ORDER BY s."deliveredAt" LIMIT ${limit}`,
      before,
    ) as Promise<{ id: string }[]>;
  return startResendReconcilers(opts, [
    { name: 'logistics.deliveries-without-invoice', type: 'shipment.delivered', stuck: stuck('invoiceIssuedAt') },
    { name: 'logistics.deliveries-without-task-credit', type: 'shipment.delivered', stuck: stuck('taskCreditedAt') },
  ]);
}
