import { sqlSharedTransactionFor, sqlTransactionFor, type SqlTransaction } from '@omniroute/db';
import { driverPathBatch, handleOnceSql, payloadKey, type Consumer, type DomainEvent, type EventBus } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { BeatPlanService } from './beat-plans.service.ts';

/** Consumer group that credits visits with the orders placed during them (strike rate). */
export const VISITS_GROUP = 'logistics.visits';

/**
 * order.placed, exactly once, on the driver path: ProcessedEvent, the candidate visits, the link when one is found
 * (BeatPlanService.linkOrder). False when the event had been handled already.
 */
export function handleVisitEvent(prisma: PrismaClient, beatPlans: BeatPlanService, event: DomainEvent, transaction: SqlTransaction = sqlTransactionFor(prisma)): Promise<boolean> {
  return handleOnceSql(transaction, VISITS_GROUP, event, (sql) => beatPlans.linkOrder(sql, event));
}

/**
 * Queued order.placed events are handled together (handleManyOnceSql: one transaction, their statements pipelined),
 * never two of one customer in a batch: each may link the customer's visit it read.
 */
export function startVisitConsumers(opts: { bus: EventBus; prisma: PrismaClient; beatPlans: BeatPlanService }): Promise<Consumer> {
  const transaction = sqlTransactionFor(opts.prisma);
  const shared = sqlSharedTransactionFor(opts.prisma);
  return opts.bus.consume(
    VISITS_GROUP,
    async (event) => {
      await handleVisitEvent(opts.prisma, opts.beatPlans, event, transaction);
    },
    {
      types: ['order.placed'],
      batch: driverPathBatch(shared, VISITS_GROUP, { types: ['order.placed'], key: payloadKey('customerId'), work: (e, sql) => opts.beatPlans.linkOrder(sql, e) }),
    },
  );
}
