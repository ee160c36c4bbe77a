import {
  UserErrorCode as E, Decimal, MINOR_UNITS, authorize, fail, forbidden, money, newId, ok, pageWindow, toConnection, type Connection, type ConnectionArgs,
  type CurrencyCode, type Money, type Result,
} from '@omniroute/core';
import type { LedgerEntry, Prisma, PrismaClient, Task, Worker } from '../../generated/prisma/client.ts';
import { TX_OPTIONS, isUniqueViolation } from '@omniroute/core/kit';
import type { RequestScope } from '../../context.ts';
import { requirePrivate } from '../workers/workers.rules.ts';
import { earningsWithBonus, levelFor } from '../guild/guild.ts';
import { enqueue } from '@omniroute/events';
import { SOURCE } from '../tasks/tasks.service.ts';
import { earningsPolicies } from './earnings.policies.ts';

type Tx = Prisma.TransactionClient;

/** Earnings: each worker's ledger — credits for completed tasks (with the level bonus) and withdrawals out of the balance. */
export class EarningsService {
  constructor(
    private readonly prisma: PrismaClient,
    /** Called after a commit that wrote outbox events (kicks the relay). */
    private readonly outboxWritten: () => void = () => undefined,
  ) {}

  earningsOf(scope: RequestScope, w: Worker): Money {
    requirePrivate(scope.viewer, w);
    return money(w.earned, w.currency as CurrencyCode);
  }

  balanceOf(scope: RequestScope, w: Worker): Money {
    requirePrivate(scope.viewer, w);
    return money(w.balance, w.currency as CurrencyCode);
  }

  async ledgerOf(scope: RequestScope, w: Worker, args: ConnectionArgs): Promise<Connection<LedgerEntry>> {
    requirePrivate(scope.viewer, w);
    const { first, afterId } = pageWindow(args);
    const rows = await scope.loaders.ledgerByWorker.load({ parentId: w.id, take: first + 1, afterId });
    return toConnection(rows, first, afterId);
  }

  /**
   * Inside the caller's transaction: pays `task` to its worker and adds `xp`, with the bonus of the level the worker
   * held when they did the task (before this task's XP). Locks the worker row so level, XP and balance agree.
   */
  static async creditCompletedTask(tx: Tx, task: Task, workerId: string, xp: number): Promise<{ entry: LedgerEntry; worker: Worker }> {
    const [locked] = await tx.$queryRaw<{ xp: number; currency: string }[]>`
      SELECT "xp", "currency"::text AS "currency" FROM "Worker" WHERE "id" = ${workerId} AND "tenantId" = ${task.tenantId} FOR UPDATE`;
    if (!locked) throw new Error(`worker ${workerId} of task ${task.id} not found`);
    if (locked.currency !== task.currency) throw new Error(`task ${task.id} pays ${task.currency}, worker ${workerId} is paid in ${locked.currency}`);
    const pay = earningsWithBonus(money(task.reward, task.currency as CurrencyCode), levelFor(locked.xp));
    const amount = pay.total.amount.toString();
    const worker = await tx.worker.update({
      where: { id: workerId },
      data: { xp: { increment: xp }, earned: { increment: amount }, balance: { increment: amount } },
    });
    const entry = await tx.ledgerEntry.create({
      data: {
        id: newId('led'), tenantId: task.tenantId, workerId, kind: 'TASK_EARNING', amount, bonus: pay.bonus.amount.toString(),
        bonusPercent: pay.bonusPercent, currency: task.currency, balanceAfter: worker.balance, taskId: task.id,
      },
    });
    return { entry, worker };
  }

  /** Pays out part of a worker's balance; never below zero; a retry with the same idempotency key returns the first result. */
  async requestWithdrawal(
    scope: RequestScope,
    input: { workerId: string; amount: Decimal; idempotencyKey: string; phone?: string | null },
  ): Promise<Result<{ withdrawal: LedgerEntry; worker: Worker }>> {
    const viewer = authorize(earningsPolicies['Mutation.requestWithdrawal'], scope.viewer);
    const staff = viewer.roles.some((r) => r === 'ADMIN' || r === 'FINANCE');
    if (!staff) {
      const own = viewer.userId ? await scope.loaders.workerByUserId.load(viewer.userId) : null;
      if (!own || own.id !== input.workerId) throw forbidden('Riders may only withdraw their own earnings');
    }
    const key = input.idempotencyKey.trim();
    if (key.length === 0 || key.length > 200) return fail(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', ['input', 'idempotencyKey']);
    const amount = new Decimal(input.amount);
    if (amount.lte(0)) return fail(E.INVALID_INPUT, 'amount must be more than 0', ['input', 'amount']);
    const payTo = input.phone?.trim() || null;
    if (payTo !== null && !/^\+[1-9]\d{7,14}$/.test(payTo)) return fail(E.INVALID_INPUT, 'phone must be an international number such as +254712345678', ['input', 'phone']);

    const previous = await this.prisma.ledgerEntry.findUnique({ where: { tenantId_idempotencyKey: { tenantId: viewer.tenantId, idempotencyKey: key } } });
    if (previous) return this.replay(previous, input.workerId, amount);

    const worker = await scope.loaders.workerById.load(input.workerId);
    if (!worker) return fail(E.WORKER_NOT_FOUND, 'No such worker', ['input', 'workerId']);
    if (amount.decimalPlaces() > MINOR_UNITS[worker.currency as CurrencyCode]) {
      return fail(E.INVALID_INPUT, `amount has more decimals than ${worker.currency} allows`, ['input', 'amount']);
    }
    try {
      const done = await this.prisma.$transaction(async (tx) => {
        // Conditional decrement: concurrent withdrawals can never take the balance below zero.
        const { count } = await tx.worker.updateMany({
          where: { id: worker.id, tenantId: viewer.tenantId, balance: { gte: amount.toString() } },
          data: { balance: { decrement: amount.toString() } },
        });
        if (count === 0) return null;
        const after = await tx.worker.findUniqueOrThrow({ where: { id: worker.id } });
        const withdrawal = await tx.ledgerEntry.create({
          data: {
            id: newId('led'), tenantId: viewer.tenantId, workerId: worker.id, kind: 'WITHDRAWAL', amount: amount.toString(),
            currency: worker.currency, balanceAfter: after.balance, idempotencyKey: key,
          },
        });
        // Finance pays it out to mobile money and answers payout.succeeded / payout.failed (failed: reversed below).
        await enqueue(tx, SOURCE, [{
          type: 'worker.withdrawal.requested', tenantId: viewer.tenantId, aggregateId: withdrawal.id,
          payload: {
            withdrawalId: withdrawal.id, workerId: worker.id, phone: payTo ?? worker.phone,
            amount: { amount: amount.toFixed(MINOR_UNITS[worker.currency as CurrencyCode]), currencyCode: worker.currency },
          },
        }]);
        return { withdrawal, worker: after };
      }, TX_OPTIONS);
      if (done) this.outboxWritten();
      if (!done) return fail(E.INSUFFICIENT_BALANCE, 'Amount is more than the balance', ['input', 'amount']);
      return ok(done);
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      // A concurrent request with the same key won; answer like a retry (our transaction rolled back).
      const winner = await this.prisma.ledgerEntry.findUniqueOrThrow({ where: { tenantId_idempotencyKey: { tenantId: viewer.tenantId, idempotencyKey: key } } });
      return this.replay(winner, input.workerId, amount);
    }
  }

  private async replay(entry: LedgerEntry, workerId: string, amount: Decimal): Promise<Result<{ withdrawal: LedgerEntry; worker: Worker }>> {
    if (entry.kind !== 'WITHDRAWAL' || entry.workerId !== workerId || !amount.eq(entry.amount.toString())) {
      return fail(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different withdrawal', ['input', 'idempotencyKey']);
    }
    const worker = await this.prisma.worker.findFirstOrThrow({ where: { id: entry.workerId, tenantId: entry.tenantId } });
    return ok({ withdrawal: entry, worker });
  }

  /**
   * Inside the consumer's transaction: a withdrawal whose payout failed goes back into the worker's balance, once
   * (the reversal's idempotency key names the withdrawal). Earned is untouched: the money was never paid.
   */
  static async reverseWithdrawal(tx: Tx, tenantId: string, withdrawalId: string): Promise<LedgerEntry | null> {
    const w = await tx.ledgerEntry.findFirst({ where: { id: withdrawalId, tenantId, kind: 'WITHDRAWAL' } });
    if (!w) return null;
    const key = `payout-reversal:${w.id}`;
    if (await tx.ledgerEntry.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } } })) return null;
    const worker = await tx.worker.update({ where: { id: w.workerId }, data: { balance: { increment: w.amount } } });
    return tx.ledgerEntry.create({
      data: {
        id: newId('led'), tenantId, workerId: w.workerId, kind: 'WITHDRAWAL_REVERSAL', amount: w.amount, currency: w.currency,
        balanceAfter: worker.balance, idempotencyKey: key,
      },
    });
  }

  taskOf(scope: RequestScope, e: LedgerEntry): Promise<Task | null> {
    return e.taskId ? scope.loaders.taskById.load(e.taskId) : Promise.resolve(null);
  }
}

