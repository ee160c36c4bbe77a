import {
  UserErrorCode as E, authorize, Decimal, fail, newId, ok, pageWindow, toConnection, type Connection, type ConnectionArgs, type Result,
} from '@omniroute/core';
import type { Prisma, PrismaClient, Rating, Task, Worker } from '../../generated/prisma/client.ts';
import { TX_OPTIONS, isUniqueViolation } from '@omniroute/core/kit';
import type { RequestScope } from '../../context.ts';
import { MAX_NOTE, canSeePrivate, requirePrivate } from './workers.rules.ts';
import { xpFor, xpRangeOf, type GuildLevelCode } from '../guild/guild.ts';
import { workerPolicies } from './workers.policies.ts';

export interface WorkersFilter {
  level?: GuildLevelCode | null;
  kycStatus?: 'PENDING' | 'VERIFIED' | 'REJECTED' | null;
}

/** An identity user as workforce knows it: its key. */
export interface UserRef {
  id: string;
}

/** Workers: profiles, KYC status, guild XP and ratings. */
export class WorkerService {
  constructor(private readonly prisma: PrismaClient) {}

  async list(scope: RequestScope, args: ConnectionArgs & { filter?: WorkersFilter | null }): Promise<Connection<Worker>> {
    const viewer = authorize(workerPolicies['Query.workers'], scope.viewer);
    const { first, afterId } = pageWindow(args);
    const where: Prisma.WorkerWhereInput = { tenantId: viewer.tenantId };
    if (args.filter?.kycStatus) where.kycStatus = args.filter.kycStatus;
    if (args.filter?.level) {
      const { min, max } = xpRangeOf(args.filter.level);
      where.xp = max === null ? { gte: min } : { gte: min, lte: max };
    }
    if (afterId) where.id = { gt: afterId };
    const rows = await this.prisma.worker.findMany({ where, orderBy: { id: 'asc' }, take: first + 1 });
    return toConnection(rows, first, afterId);
  }

  /** A worker by id: staff see anyone, a rider only themself; anyone else (or an unknown id) gets null. */
  async get(scope: RequestScope, id: string): Promise<Worker | null> {
    const viewer = authorize(workerPolicies['Query.worker'], scope.viewer);
    const w = await scope.loaders.workerById.load(id);
    return w && canSeePrivate(viewer, w) ? w : null;
  }

  /** Entity reference: any caller of the tenant may resolve a worker (a shipment shows its rider's name and level). */
  reference(scope: RequestScope, id: string): Promise<Worker | null> {
    return scope.loaders.workerById.load(id);
  }

  /** The worker an identity user signs in as (riders), or null; in the caller's tenant only. */
  ofUser(scope: RequestScope, userId: string): Promise<Worker | null> {
    return scope.loaders.workerByUserId.load(userId);
  }

  phoneOf(scope: RequestScope, w: Worker): string | null {
    return canSeePrivate(scope.viewer, w) ? w.phone : null;
  }

  /** Average stars to two decimals, null before the first rating. */
  ratingOf(w: Worker): Decimal | null {
    return w.ratingCount > 0 ? new Decimal(w.ratingSum.toString()).div(w.ratingCount).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN) : null;
  }

  async tasksOf(scope: RequestScope, w: Worker, args: ConnectionArgs): Promise<Connection<Task>> {
    requirePrivate(scope.viewer, w);
    const { first, afterId } = pageWindow(args);
    const rows = await scope.loaders.tasksByAssignee.load({ parentId: w.id, take: first + 1, afterId });
    return toConnection(rows, first, afterId);
  }

  /** Records a rating for a task the worker completed; five stars earn +20 XP (which may raise the level). */
  async rate(
    scope: RequestScope,
    input: { workerId: string; taskId: string; stars: number; comment?: string | null },
  ): Promise<Result<{ rating: Rating; worker: Worker }>> {
    const viewer = authorize(workerPolicies['Mutation.rateWorker'], scope.viewer);
    if (!Number.isInteger(input.stars) || input.stars < 1 || input.stars > 5) return fail(E.INVALID_INPUT, 'stars must be 1 to 5', ['input', 'stars']);
    const comment = input.comment?.trim() || null;
    if (comment && comment.length > MAX_NOTE) return fail(E.INVALID_INPUT, `comment must be at most ${MAX_NOTE} characters`, ['input', 'comment']);
    const [worker, task] = await Promise.all([scope.loaders.workerById.load(input.workerId), scope.loaders.taskById.load(input.taskId)]);
    if (!worker) return fail(E.WORKER_NOT_FOUND, 'No such worker', ['input', 'workerId']);
    if (!task) return fail(E.TASK_NOT_FOUND, 'No such task', ['input', 'taskId']);
    if (task.status !== 'COMPLETED' || task.assigneeId !== worker.id) {
      return fail(E.TASK_NOT_COMPLETED, 'Workers are rated for tasks they completed', ['input', 'taskId']);
    }
    const xp = xpFor({ kind: 'RATING', stars: input.stars });
    try {
      return ok(
        await this.prisma.$transaction(async (tx) => {
          const rating = await tx.rating.create({
            data: { id: newId('rtg'), tenantId: viewer.tenantId, workerId: worker.id, taskId: task.id, stars: input.stars, comment, xpAwarded: xp },
          });
          const updated = await tx.worker.update({
            where: { id: worker.id },
            data: { ratingSum: { increment: input.stars }, ratingCount: { increment: 1 }, xp: { increment: xp } },
          });
          return { rating, worker: updated };
        }, TX_OPTIONS),
      );
    } catch (e) {
      if (isUniqueViolation(e)) return fail(E.ALREADY_RATED, 'This task has been rated already', ['input', 'taskId']);
      throw e;
    }
  }
}
