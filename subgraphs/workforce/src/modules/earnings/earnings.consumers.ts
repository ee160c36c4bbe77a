import { log } from '@omniroute/core';
import { handleOnce, type Consumer, type DomainEvent, type EventBus, type OutboxClient } from '@omniroute/events';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { EarningsService } from './earnings.service.ts';

type Tx = Prisma.TransactionClient;

/** Consumer group of payout outcomes (finance pays withdrawals out through the payment rails). */
export const PAYOUTS_GROUP = 'workforce.payouts';
export const PAYOUT_EVENT_TYPES = ['payout.failed'];

/**
 * finance's `payout.failed`: the withdrawal's money goes back into the worker's balance (WITHDRAWAL_REVERSAL), once
 * per withdrawal however often the event comes (handleOnce, and the reversal's unique idempotency key).
 */
export function startPayoutConsumers(bus: EventBus, prisma: PrismaClient): Promise<Consumer> {
  return bus.consume(
    PAYOUTS_GROUP,
    async (event) => {
      await handleOnce(prisma as unknown as OutboxClient, PAYOUTS_GROUP, event, (tx: Tx) => applyPayoutEvent(tx, event));
    },
    { types: PAYOUT_EVENT_TYPES },
  );
}

export async function applyPayoutEvent(tx: Tx, e: DomainEvent): Promise<void> {
  if (e.type !== 'payout.failed') return;
  const withdrawalId = typeof e.payload.withdrawalId === 'string' ? e.payload.withdrawalId : null;
  if (!withdrawalId) return void log.warn('workforce: payout.failed without withdrawalId; skipped', { eventId: e.id });
  const reversal = await EarningsService.reverseWithdrawal(tx, e.tenantId, withdrawalId);
  if (reversal) log.info('workforce: failed payout credited back', { withdrawalId, workerId: reversal.workerId, amount: reversal.amount.toString() });
}
