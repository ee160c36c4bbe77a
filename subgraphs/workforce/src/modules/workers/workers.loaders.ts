import DataLoader from 'dataloader';
import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import { tenantRowLoaders } from '@omniroute/core/kit';
import { Prisma, type PrismaClient, type LedgerEntry, type Task, type Worker } from '../../generated/prisma/client.ts';

/** Key of a paged one-to-many relation: the parent and the page asked for (`take` = first + 1). */
export interface PageKey {
  parentId: string;
  take: number;
  afterId: string | null;
}

/**
 * Batches pages of a one-to-many relation (Worker.tasks, Worker.earningsLedger) across parents: one query per
 * distinct page window, each parent limited in SQL (LATERAL … LIMIT), never loading a whole history.
 */
function pagedLoader<Row>(fetch: (parentIds: string[], take: number, afterId: string | null) => Promise<Row[]>, parentOf: (r: Row) => string) {
  const windowOf = (k: PageKey) => `${k.take}\u0000${k.afterId ?? ''}`;
  return new DataLoader<PageKey, Row[], string>(
    async (keys) => {
      const windows = new Map<string, { take: number; afterId: string | null; ids: Set<string> }>();
      for (const k of keys) {
        const w = windows.get(windowOf(k)) ?? { take: k.take, afterId: k.afterId, ids: new Set<string>() };
        w.ids.add(k.parentId);
        windows.set(windowOf(k), w);
      }
      const byWindow = new Map<string, Map<string, Row[]>>();
      for (const [key, w] of windows) {
        const groups = new Map<string, Row[]>();
        for (const r of await fetch([...w.ids], w.take, w.afterId)) {
          const list = groups.get(parentOf(r)) ?? [];
          list.push(r);
          groups.set(parentOf(r), list);
        }
        byWindow.set(key, groups);
      }
      return keys.map((k) => byWindow.get(windowOf(k))?.get(k.parentId) ?? []);
    },
    { cacheKeyFn: (k) => `${k.parentId}\u0000${windowOf(k)}` },
  );
}

const none = (): Promise<never[]> => Promise.resolve([]);

/** Per-request loaders, all scoped to the viewer's tenant (another tenant's ids load as null / empty). */
export function createLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  const rows = tenantRowLoaders(prisma, tenantId); // hot path: straight on the driver
  /** A page of `table`'s rows per parent (`column` = the parent's id), each parent limited in SQL. */
  const pagesOf = <Row>(table: 'Task' | 'LedgerEntry', column: 'assigneeId' | 'workerId') => (parentIds: string[], take: number, afterId: string | null) =>
    tenantId
      ? prisma.$queryRaw<Row[]>(Prisma.sql`
          SELECT c.* FROM unnest(${parentIds}::text[]) AS p(id)
          CROSS JOIN LATERAL (
            SELECT * FROM ${Prisma.raw(`"${table}"`)} WHERE "tenantId" = ${tenantId} AND ${Prisma.raw(`"${column}"`)} = p.id
              AND (${afterId}::text IS NULL OR "id" > ${afterId}::text)
            ORDER BY "id" LIMIT ${take}
          ) c`)
      : none();
  return {
    workerById: rows.byKey<Worker>('Worker', (w) => w.id),
    workerByUserId: loaderBy(
      (userIds) => (tenantId ? prisma.worker.findMany({ where: { tenantId, userId: { in: [...userIds] } } }) : none()),
      (w) => w.userId!,
    ),
    taskById: loaderBy((ids) => (tenantId ? prisma.task.findMany({ where: { tenantId, id: { in: [...ids] } } }) : none()), (t) => t.id),
    ratingById: loaderBy((ids) => (tenantId ? prisma.rating.findMany({ where: { tenantId, id: { in: [...ids] } } }) : none()), (r) => r.id),
    bidsByTask: groupLoaderBy(
      (taskIds) => (tenantId ? prisma.bid.findMany({ where: { tenantId, taskId: { in: [...taskIds] } }, orderBy: { id: 'asc' } }) : none()),
      (b) => b.taskId,
    ),
    tasksByAssignee: pagedLoader<Task>(pagesOf('Task', 'assigneeId'), (t) => t.assigneeId!),
    ledgerByWorker: pagedLoader<LedgerEntry>(pagesOf('LedgerEntry', 'workerId'), (e) => e.workerId),
  };
}

export type WorkforceLoaders = ReturnType<typeof createLoaders>;
