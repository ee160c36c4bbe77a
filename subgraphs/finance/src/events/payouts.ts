import { dec, log, parseWireMoney } from '@omniroute/core';
import { handleOnce, type Consumer, type DomainEvent, type EventBus, type OutboxClient } from '@omniroute/events';
import type { PrismaClient, Tx } from '../db.ts';
import { withdrawalOf, type PayoutService } from '../modules/payouts/payouts.service.ts';

/** Workers' money: earnings into WORKER_PAYABLE, withdrawals into payouts. */
export const PAYOUTS_GROUP = 'finance.payouts';
export const PAYOUT_CONSUMED_TYPES = ['task.completed', 'worker.earnings.opened', 'worker.withdrawal.requested'];

type P = Record<string, unknown>;

/** Applies one workforce event in the transaction that records it as handled (handleOnce). Returns whether a payout was opened. */
export function payoutsHandler(payouts: PayoutService) {
  return async (e: DomainEvent, tx: Tx): Promise<boolean> => {
    const p = e.payload as P;
    switch (e.type) {
      case 'task.completed':
      case 'worker.earnings.opened': {
        const m = parseWireMoney(e.type === 'task.completed' ? p.earnings : p.balance);
        const workerId = typeof p.workerId === 'string' ? p.workerId : null;
        if (!m || !workerId) {
          log.warn('finance: skipped malformed event', { type: e.type, eventId: e.id });
          return false;
        }
        await payouts.recordEarning(tx, e.tenantId, { workerId, amount: dec(m.amount), currency: m.currencyCode as never, ref: e.type === 'task.completed' ? `task ${String(p.taskId ?? e.aggregateId)}` : 'opening balance' });
        return false;
      }
      case 'worker.withdrawal.requested': {
        const w = withdrawalOf(p);
        if (!w) {
          log.warn('finance: skipped malformed withdrawal', { eventId: e.id });
          return false;
        }
        await payouts.open(tx, e.tenantId, w);
        return true;
      }
    }
    return false;
  };
}

export function startPayoutsConsumer(opts: { bus: EventBus; prisma: PrismaClient; payouts: PayoutService; onCommitted: () => void }): Promise<Consumer> {
  const handle = payoutsHandler(opts.payouts);
  return opts.bus.consume(
    PAYOUTS_GROUP,
    async (event) => {
      let opened = false;
      const handled = await handleOnce(opts.prisma as unknown as OutboxClient, PAYOUTS_GROUP, event, async (tx: Tx) => {
        opened = await handle(event, tx);
      });
      if (handled && opened) {
        opts.onCommitted();
        // Send it now rather than at the next dispatcher tick; the dispatcher claims it, so a concurrent tick cannot send it twice.
        void opts.payouts.dispatch().catch((error) => log.error('finance: payout dispatch failed', { error: String(error) }));
      }
    },
    { types: PAYOUT_CONSUMED_TYPES },
  );
}
