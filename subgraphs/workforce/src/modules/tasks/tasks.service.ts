import {
  UserErrorCode as E, Decimal, MINOR_UNITS, authorize, badUserInput, fail, forbidden, newId, ok, pageWindow, toConnection, wireMoney,
  type Connection, type ConnectionArgs, type CurrencyCode, type Result, type Viewer,
} from '@omniroute/core';
import { enqueue } from '@omniroute/events';
import type { Bid, LedgerEntry, Prisma, PrismaClient, Task, TaskKind, TaskStatus, Worker } from '../../generated/prisma/client.ts';
import { TX_OPTIONS, isUniqueViolation } from '@omniroute/core/kit';
import type { RequestScope } from '../../context.ts';
import { emptyConnection, keysetConnection } from '@omniroute/core';
import { MAX_NOTE, isOps, isStaff } from '../workers/workers.rules.ts';
import { EarningsService } from '../earnings/earnings.service.ts';
import { TASK_PRIORITIES, canTake, isComplexity, levelFor, prioritiesBelow, prioritiesFor, xpForTask, type TaskPriority } from '../guild/guild.ts';
import { taskPolicies } from './tasks.policies.ts';

type Tx = Prisma.TransactionClient;
export const SOURCE = 'workforce';

export interface TasksArgs extends ConnectionArgs {
  filter?: { status?: TaskStatus | null; kind?: TaskKind | null } | null;
  workerId?: string | null;
}

/** Whether `worker` may see `task`: their own tasks, and unassigned tasks their guild level unlocks. */
export function visibleTo(worker: Worker, task: Task): boolean {
  return task.assigneeId === worker.id || (task.assigneeId === null && canTake(levelFor(worker.xp), task.priority as TaskPriority));
}

/**
 * Inside the caller's transaction: completes a task whose status is one of `from` (a guard against double
 * completion), awards XP by complexity, credits the assignee's earnings with their level bonus, and writes
 * `task.completed` to the outbox. Returns null when the task was not in `from`. Used by completeTask and by the
 * shipment.delivered consumer.
 */
export async function completeTaskTx(
  tx: Tx,
  task: Task,
  opts: { complexity: number; assigneeId: string | null; from: TaskStatus[]; at?: Date },
): Promise<{ task: Task; entry: LedgerEntry | null } | null> {
  const xp = xpForTask(task.kind, opts.complexity);
  const { count } = await tx.task.updateMany({
    where: { id: task.id, tenantId: task.tenantId, status: { in: opts.from } },
    data: { status: 'COMPLETED', complexity: opts.complexity, assigneeId: opts.assigneeId, xpAwarded: opts.assigneeId ? xp : null, completedAt: opts.at ?? new Date() },
  });
  if (count === 0) return null;
  let entry: LedgerEntry | null = null;
  if (opts.assigneeId) {
    const credited = await EarningsService.creditCompletedTask(tx, task, opts.assigneeId, xp);
    entry = credited.entry;
    await enqueue(tx, SOURCE, [
      {
        type: 'task.completed',
        tenantId: task.tenantId,
        aggregateId: task.id,
        payload: {
          taskId: task.id,
          // a delivery task's shipment and order: logistics records the credit against the delivery
          ...(task.shipmentId ? { shipmentId: task.shipmentId } : {}),
          ...(task.orderId ? { orderId: task.orderId } : {}),
          workerId: opts.assigneeId,
          xpAwarded: xp,
          earnings: wireMoney(entry.amount.toString(), entry.currency as CurrencyCode),
          level: levelFor(credited.worker.xp).code,
        },
      },
    ]);
  }
  return { task: await tx.task.findUniqueOrThrow({ where: { id: task.id } }), entry };
}

/** Tasks: the marketplace (listing by guild level, bids, award) and completion. */
export class TaskService {
  constructor(
    private readonly prisma: PrismaClient,
    /** Called after a commit that wrote outbox events (kicks the relay). */
    private readonly outboxWritten: () => void = () => undefined,
  ) {}

  /** The marketplace seen by a worker (riders: themselves; ops: `workerId`), or every task for ops without one. */
  async list(scope: RequestScope, args: TasksArgs): Promise<Connection<Task>> {
    const viewer = authorize(taskPolicies['Query.tasks'], scope.viewer);
    const { first, afterId } = pageWindow(args);
    const where: Prisma.TaskWhereInput = { tenantId: viewer.tenantId };
    if (args.filter?.status) where.status = args.filter.status;
    if (args.filter?.kind) where.kind = args.filter.kind;

    if (isStaff(viewer) && !args.workerId) {
      if (afterId) where.id = { gt: afterId };
      return toConnection(await this.prisma.task.findMany({ where, orderBy: { id: 'asc' }, take: first + 1 }), first, afterId);
    }
    const worker = await this.workerFor(scope, viewer, args.workerId);
    if (!worker) return emptyConnection();
    const level = levelFor(worker.xp);
    const and: Prisma.TaskWhereInput[] = [{ OR: [{ assigneeId: worker.id }, { assigneeId: null, priority: { in: prioritiesFor(level) } }] }];
    if (afterId) {
      const { priority, id } = parseTaskCursor(afterId);
      and.push({ OR: [{ priority: { in: prioritiesBelow(priority) } }, { priority, id: { gt: id } }] });
    }
    const rows = await this.prisma.task.findMany({ where: { ...where, AND: and }, orderBy: [{ priority: 'desc' }, { id: 'asc' }], take: first + 1 });
    return keysetConnection(rows, first, afterId !== null, (t) => `${t.priority}:${t.id}`);
  }

  /** A task by id; riders only see tasks visible to them. */
  async get(scope: RequestScope, id: string): Promise<Task | null> {
    const viewer = authorize(taskPolicies['Query.task'], scope.viewer);
    const task = await scope.loaders.taskById.load(id);
    if (!task || isStaff(viewer)) return task;
    const worker = await this.workerFor(scope, viewer, null);
    return worker && visibleTo(worker, task) ? task : null;
  }

  reference(scope: RequestScope, id: string): Promise<Task | null> {
    return scope.loaders.taskById.load(id);
  }

  /** Bids on a task: staff see all, a rider only their own, anyone else none. */
  async bidsOf(scope: RequestScope, task: Task): Promise<Bid[]> {
    const viewer = scope.viewer;
    if (!viewer) return [];
    const bids = await scope.loaders.bidsByTask.load(task.id);
    if (isStaff(viewer)) return bids;
    const own = viewer.userId ? await scope.loaders.workerByUserId.load(viewer.userId) : null;
    return own ? bids.filter((b) => b.workerId === own.id) : [];
  }

  async placeBid(scope: RequestScope, input: { taskId: string; workerId: string; amount: Decimal; note?: string | null }): Promise<Result<Bid>> {
    const viewer = authorize(taskPolicies['Mutation.placeBid'], scope.viewer);
    if (!isOps(viewer)) {
      const own = await this.workerFor(scope, viewer, null);
      if (!own || own.id !== input.workerId) throw forbidden('Riders may only bid for themselves');
    }
    const amount = new Decimal(input.amount);
    if (amount.lte(0)) return fail(E.INVALID_INPUT, 'amount must be more than 0', ['input', 'amount']);
    const note = input.note?.trim() || null;
    if (note && note.length > MAX_NOTE) return fail(E.INVALID_INPUT, `note must be at most ${MAX_NOTE} characters`, ['input', 'note']);
    const [task, worker] = await Promise.all([scope.loaders.taskById.load(input.taskId), scope.loaders.workerById.load(input.workerId)]);
    if (!task) return fail(E.TASK_NOT_FOUND, 'No such task', ['input', 'taskId']);
    if (!worker) return fail(E.WORKER_NOT_FOUND, 'No such worker', ['input', 'workerId']);
    if (task.status !== 'OPEN') return fail(E.TASK_NOT_OPEN, 'Only open tasks take bids', ['input', 'taskId']);
    const eligible = this.checkEligible(worker, task, 'workerId');
    if (!eligible.ok) return eligible;
    if (amount.decimalPlaces() > MINOR_UNITS[task.currency as CurrencyCode]) {
      return fail(E.INVALID_INPUT, `amount has more decimals than ${task.currency} allows`, ['input', 'amount']);
    }
    if (amount.gt(task.reward.toString())) return fail(E.BID_ABOVE_REWARD, 'A bid may not ask more than the task pays', ['input', 'amount']);
    try {
      const bid = await this.prisma.$transaction(async (tx) => {
        // Lock the task so an award cannot slip in between the status check and the insert.
        const [row] = await tx.$queryRaw<{ status: string }[]>`SELECT "status"::text AS "status" FROM "Task" WHERE "id" = ${task.id} FOR UPDATE`;
        if (row?.status !== 'OPEN') return null;
        return tx.bid.create({
          data: { id: newId('bid'), tenantId: viewer.tenantId, taskId: task.id, workerId: worker.id, amount: amount.toString(), currency: task.currency, note },
        });
      }, TX_OPTIONS);
      return bid ? ok(bid) : fail(E.TASK_NOT_OPEN, 'Only open tasks take bids', ['input', 'taskId']);
    } catch (e) {
      if (isUniqueViolation(e)) return fail(E.DUPLICATE_BID, 'This worker has bid on the task already', ['input', 'workerId']);
      throw e;
    }
  }

  /** Awards an open task to one of its bids: the task is ASSIGNED at the bid's amount, the other bids rejected. */
  async award(scope: RequestScope, input: { taskId: string; bidId: string }): Promise<Result<Task>> {
    const viewer = authorize(taskPolicies['Mutation.awardTask'], scope.viewer);
    const [task, bid] = await Promise.all([
      scope.loaders.taskById.load(input.taskId),
      this.prisma.bid.findFirst({ where: { id: input.bidId, tenantId: viewer.tenantId } }),
    ]);
    if (!task) return fail(E.TASK_NOT_FOUND, 'No such task', ['input', 'taskId']);
    if (!bid || bid.taskId !== task.id) return fail(E.BID_NOT_FOUND, 'No such bid on this task', ['input', 'bidId']);
    if (task.status !== 'OPEN') return fail(E.TASK_NOT_OPEN, 'Only open tasks can be awarded', ['input', 'taskId']);
    const worker = await scope.loaders.workerById.load(bid.workerId);
    if (!worker) return fail(E.WORKER_NOT_FOUND, 'The bidding worker no longer exists', ['input', 'bidId']);
    const eligible = this.checkEligible(worker, task, 'bidId');
    if (!eligible.ok) return eligible;
    const awarded = await this.prisma.$transaction(async (tx) => {
      const { count } = await tx.task.updateMany({
        where: { id: task.id, tenantId: viewer.tenantId, status: 'OPEN' },
        data: { status: 'ASSIGNED', assigneeId: worker.id, reward: bid.amount },
      });
      if (count === 0) return null;
      await tx.bid.update({ where: { id: bid.id }, data: { status: 'ACCEPTED' } });
      await tx.bid.updateMany({ where: { taskId: task.id, id: { not: bid.id }, status: 'PENDING' }, data: { status: 'REJECTED' } });
      return tx.task.findUniqueOrThrow({ where: { id: task.id } });
    }, TX_OPTIONS);
    return awarded ? ok(awarded) : fail(E.TASK_NOT_OPEN, 'Only open tasks can be awarded', ['input', 'taskId']);
  }

  /** Completes an assigned task: XP by complexity, level recomputed, earnings credited with the level bonus, `task.completed`. */
  async complete(scope: RequestScope, input: { taskId: string; complexity?: number | null }): Promise<Result<{ task: Task; earningsEntry: LedgerEntry | null }>> {
    authorize(taskPolicies['Mutation.completeTask'], scope.viewer);
    if (input.complexity != null && !isComplexity(input.complexity)) return fail(E.INVALID_INPUT, 'complexity must be an integer 1–10', ['input', 'complexity']);
    const task = await scope.loaders.taskById.load(input.taskId);
    if (!task) return fail(E.TASK_NOT_FOUND, 'No such task', ['input', 'taskId']);
    if (task.status !== 'ASSIGNED' || !task.assigneeId) return fail(E.TASK_NOT_ASSIGNED, 'Only assigned tasks can be completed', ['input', 'taskId']);
    const done = await this.prisma.$transaction(
      (tx) => completeTaskTx(tx, task, { complexity: input.complexity ?? task.complexity, assigneeId: task.assigneeId, from: ['ASSIGNED'] }),
      TX_OPTIONS,
    );
    if (!done) return fail(E.TASK_NOT_ASSIGNED, 'Only assigned tasks can be completed', ['input', 'taskId']);
    this.outboxWritten();
    return ok({ task: done.task, earningsEntry: done.entry });
  }

  /**
   * Only VERIFIED workers whose level unlocks the task's priority may bid or be awarded. `workerField`: the input
   * field that named the worker (placeBid's `workerId`; awardTask's `bidId`, since its input has no worker).
   */
  private checkEligible(worker: Worker, task: Task, workerField: 'workerId' | 'bidId'): Result<never> | { ok: true } {
    if (worker.kycStatus !== 'VERIFIED') return fail(E.KYC_NOT_VERIFIED, 'Only KYC-verified workers can bid or be awarded tasks', ['input', workerField]);
    if (!canTake(levelFor(worker.xp), task.priority as TaskPriority)) {
      return fail(E.LEVEL_TOO_LOW, `${task.priority} tasks need a higher guild level than ${levelFor(worker.xp).name}`, ['input', 'taskId']);
    }
    return { ok: true };
  }

  /** The worker whose view to take: a rider's own (a rider may not pose as another worker), or `workerId` for staff. */
  private async workerFor(scope: RequestScope, viewer: Viewer, workerId: string | null | undefined): Promise<Worker | null> {
    if (isStaff(viewer) && workerId) return scope.loaders.workerById.load(workerId);
    const own = viewer.userId ? await scope.loaders.workerByUserId.load(viewer.userId) : null;
    if (workerId && own?.id !== workerId) throw forbidden('Riders only see the marketplace as themselves');
    return own;
  }
}

function parseTaskCursor(raw: string): { priority: TaskPriority; id: string } {
  const i = raw.indexOf(':');
  const priority = raw.slice(0, i) as TaskPriority;
  if (i < 0 || !TASK_PRIORITIES.includes(priority)) throw badUserInput('Invalid cursor', ['after']);
  return { priority, id: raw.slice(i + 1) };
}

