import DataLoader from 'dataloader';
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';

/** One page of one parent's children: `first` rows after `afterId` (a keyset cursor on id). */
export interface PageKey {
  parentId: string;
  first: number;
  afterId: string | null;
}

/**
 * Per-request loader of child pages (a vehicle's positions, a territory's vehicles) for many parents at once:
 * one statement per distinct (first, after) window, whatever the number of parents. Each parent gets up to
 * first + 1 rows, as `toConnection` expects.
 */
export function pagedChildLoader<Row>(
  fetch: (parentIds: string[], first: number, afterId: string | null) => Promise<Row[]>,
  parentOf: (row: Row) => string,
): DataLoader<PageKey, Row[], string> {
  return new DataLoader<PageKey, Row[], string>(
    async (keys) => {
      const windows = new Map<string, { first: number; afterId: string | null; parents: Set<string> }>();
      for (const k of keys) {
        const w = `${k.first}:${k.afterId ?? ''}`;
        if (!windows.has(w)) windows.set(w, { first: k.first, afterId: k.afterId, parents: new Set() });
        windows.get(w)!.parents.add(k.parentId);
      }
      const results = new Map<string, Map<string, Row[]>>();
      await Promise.all(
        [...windows].map(async ([w, { first, afterId, parents }]) => {
          const rows = await fetch([...parents], first, afterId);
          const byParent = new Map<string, Row[]>();
          for (const r of rows) {
            const p = parentOf(r);
            if (!byParent.has(p)) byParent.set(p, []);
            byParent.get(p)!.push(r);
          }
          results.set(w, byParent);
        }),
      );
      return keys.map((k) => results.get(`${k.first}:${k.afterId ?? ''}`)?.get(k.parentId) ?? []);
    },
    { cacheKeyFn: (k) => `${k.parentId}\u0000${k.first}\u0000${k.afterId ?? ''}` },
  );
}

type PagedTable = 'Vehicle' | 'VehiclePosition' | 'ColdChainAlert';

/**
 * Up to first + 1 rows per parent of a tenant's table, ordered by id (keyset after `afterId`), in one statement:
 * ROW_NUMBER() over each parent. Prisma cannot limit per group, hence raw SQL (unqualified names: the
 * connection's search_path points at the subgraph's schema).
 */
export async function windowedRows<Row>(
  prisma: PrismaClient,
  q: { table: PagedTable; parentColumn: 'territoryId' | 'vehicleId'; order: 'asc' | 'desc'; tenantId: string; parentIds: string[]; first: number; afterId: string | null },
): Promise<Row[]> {
  if (q.parentIds.length === 0) return [];
  const table = Prisma.raw(`"${q.table}"`);
  const parent = Prisma.raw(`"${q.parentColumn}"`);
  const dir = Prisma.raw(q.order === 'asc' ? 'ASC' : 'DESC');
  const after = q.afterId === null ? Prisma.empty : q.order === 'asc' ? Prisma.sql`AND t."id" > ${q.afterId}` : Prisma.sql`AND t."id" < ${q.afterId}`;
  const rows = await prisma.$queryRaw<(Row & { _rn: unknown })[]>(Prisma.sql`
    SELECT * FROM (
      SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.${parent} ORDER BY t."id" ${dir}) AS "_rn"
      FROM ${table} t
      WHERE t."tenantId" = ${q.tenantId} AND t.${parent} IN (${Prisma.join(q.parentIds)}) ${after}
    ) w
    WHERE w."_rn" <= ${q.first + 1}
    ORDER BY w."id" ${dir}`);
  return rows.map(({ _rn, ...row }) => row as Row);
}
