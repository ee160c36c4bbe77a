import { handleOnce, type Consumer, type EventBus, type OutboxClient } from '@omniroute/events';
import type { PrismaClient, Tx } from '../db.ts';
import type { CollectionsService } from '../modules/collections/collections.service.ts';

/** Collections react to money received: a held credit line is released once nothing is more than 60 days overdue. */
export const COLLECTIONS_GROUP = 'finance.collections';

export function startCollectionsConsumer(opts: { bus: EventBus; prisma: PrismaClient; collections: CollectionsService }): Promise<Consumer> {
  return opts.bus.consume(
    COLLECTIONS_GROUP,
    async (event) => {
      const customerId = typeof event.payload.customerId === 'string' ? event.payload.customerId : null;
      if (!customerId) return;
      await handleOnce(opts.prisma as unknown as OutboxClient, COLLECTIONS_GROUP, event, async (tx: Tx) => {
        await opts.collections.releaseHold(tx, event.tenantId, customerId);
      });
    },
    { types: ['payment.recorded'] },
  );
}
