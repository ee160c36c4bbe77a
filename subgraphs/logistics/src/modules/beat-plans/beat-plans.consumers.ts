import { handleOnce, type Consumer, type EventBus } from '@omniroute/events';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { BeatPlanService } from './beat-plans.service.ts';

/** Consumer group that credits visits with the orders placed during them (strike rate). */
export const VISITS_GROUP = 'logistics.visits';

export function startVisitConsumers(opts: { bus: EventBus; prisma: PrismaClient; beatPlans: BeatPlanService }): Promise<Consumer> {
  return opts.bus.consume(
    VISITS_GROUP,
    async (event) => {
      await handleOnce(opts.prisma as never, VISITS_GROUP, event, (tx) => opts.beatPlans.linkOrder(tx as never, event));
    },
    { types: ['order.placed'] },
  );
}
