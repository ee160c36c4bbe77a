import { republishEvents, startReconciler, type OutboxClient, type Reconciler } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';

export interface OrderReconcilerOptions {
  prisma: PrismaClient;
  /** Kicks the outbox relay after rows were marked for re-sending. */
  kick: () => void;
  /** An order in the same status this long is stuck; default 5 minutes. */
  stuckAfterMs?: number;
  /** Default: half of stuckAfterMs, between 1 s and 1 minute. */
  intervalMs?: number;
  /** Stuck orders re-sent per run at most; default 500. */
  batch?: number;
}

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
  const after = opts.stuckAfterMs ?? 5 * 60_000;
  const intervalMs = opts.intervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(after / 2)));
  const batch = opts.batch ?? 500;
  const job = (name: string, status: 'PENDING' | 'CONFIRMED', type: string, unless = '') =>
    startReconciler({
      name,
      intervalMs,
      async run() {
        const before = new Date(Date.now() - after);
        // Only orders that went through the event flow (their event is still in the outbox): seeded or imported
        // orders in these states have no event to re-send and are not stuck in this sense.
        const stuck = (await opts.prisma.$queryRawUnsafe(
          `SELECT o."id" FROM "Order" o
            WHERE o."status"::text = $1 AND o."updatedAt" < $2 ${unless}
              AND EXISTS (SELECT 1 FROM "OutboxEvent" e WHERE e."aggregateId" = o."id" AND e."type" = $3)
            ORDER BY o."updatedAt" LIMIT ${batch}`,
          status, before, type,
        )) as { id: string }[];
        const repaired = await republishEvents(opts.prisma as unknown as OutboxClient, { type, aggregateIds: stuck.map((o) => o.id), publishedBefore: before });
        if (repaired > 0) opts.kick();
        return { stuck: stuck.length, repaired };
      },
    });
  return [
    job('commerce.orders-without-credit-decision', 'PENDING', 'order.placed'),
    job('commerce.confirmed-orders-not-dispatched', 'CONFIRMED', 'order.confirmed', 'AND o."shipmentCreatedAt" IS NULL'),
  ];
}
