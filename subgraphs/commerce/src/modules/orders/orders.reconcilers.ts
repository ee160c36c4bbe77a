import { startResendReconcilers, type ResendReconcilerOptions } from '@omniroute/core/kit';
import type { Reconciler } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';

export type OrderReconcilerOptions = ResendReconcilerOptions & { prisma: PrismaClient };

/**
 * Orders whose next step depends on another subgraph having handled commerce's event: PENDING waits for
 * finance's credit decision (order.placed), CONFIRMED for logistics' shipment (order.confirmed; logistics'
 * shipment.created sets shipmentCreatedAt). A confirmed order waiting for dispatch with its shipment made is not
 * stuck: re-sending those flooded logistics with every order awaiting dispatch, every period (found by chaos).
 * Stuck longer than stuckAfterMs, the event is re-sent from the outbox with its original id, so a consumer that
 * handled it skips it and one that never got it (an event lost to a crash or a Redis without persistence)
 * handles it now. Each order is re-sent at most once per stuckAfterMs.
 */
export function startOrderReconcilers(opts: OrderReconcilerOptions): Reconciler[] {
  // Only orders that went through the event flow (their event is still in the outbox): seeded or imported orders
  // in these states have no event to re-send and are not stuck in this sense.
  const stuck = (status: 'PENDING' | 'CONFIRMED', type: string, unless = '') => (before: Date, limit: number) =>
    opts.prisma.$queryRawUnsafe(
      `SELECT o."id" FROM "Order" o
        WHERE o."status"::text = $1 AND o."updatedAt" < $2 ${unless}
          AND EXISTS (SELECT 1 FROM "OutboxEvent" e WHERE e."aggregateId" = o."id" AND e."type" = $3)
        ORDER BY o."updatedAt" LIMIT ${limit}`,
      status, before, type,
    ) as Promise<{ id: string }[]>;
  return startResendReconcilers(opts, [
    { name: 'commerce.orders-without-credit-decision', type: 'order.placed', stuck: stuck('PENDING', 'order.placed') },
    { name: 'commerce.confirmed-orders-not-dispatched', type: 'order.confirmed', stuck: stuck('CONFIRMED', 'order.confirmed', 'AND o."shipmentCreatedAt" IS NULL') },
  ]);
}
