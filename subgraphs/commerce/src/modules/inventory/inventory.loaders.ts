import DataLoader from 'dataloader';
import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import { Prisma, type PrismaClient, type StockLevel } from '../../generated/prisma/client.ts';

/** A page request for one location's stock: the loader batches every location asking for the same window. */
export interface StockPageKey {
  locationId: string;
  first: number;
  afterId: string | null;
}

/** Per-request inventory loaders, tenant-scoped (anonymous: nothing). */
export function createInventoryLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  return {
    locationById: loaderBy(
      (ids) => (tenantId ? prisma.location.findMany({ where: { id: { in: [...ids] }, tenantId } }) : Promise.resolve([])),
      (l) => l.id,
    ),
    stockLevelsByVariantId: groupLoaderBy(
      (ids) =>
        tenantId ? prisma.stockLevel.findMany({ where: { variantId: { in: [...ids] }, tenantId }, orderBy: { locationId: 'asc' } }) : Promise.resolve([]),
      (s) => s.variantId,
    ),
    /** `first + 1` stock levels per location after the cursor: one windowed query per distinct (first, after). */
    stockPageByLocation: new DataLoader<StockPageKey, StockLevel[], string>(
      async (keys) => {
        if (!tenantId) return keys.map(() => []);
        const windows = new Map<string, StockPageKey[]>();
        for (const k of keys) {
          const w = `${k.first}|${k.afterId ?? ''}`;
          windows.set(w, [...(windows.get(w) ?? []), k]);
        }
        const byKey = new Map<string, StockLevel[]>();
        await Promise.all(
          [...windows.values()].map(async (group) => {
            const { first, afterId } = group[0]!;
            const ids = [...new Set(group.map((k) => k.locationId))];
            const rows = await prisma.$queryRaw<StockLevel[]>`
              SELECT "id", "tenantId", "locationId", "variantId", "onHand", "reserved", "updatedAt" FROM (
                SELECT s.*, row_number() OVER (PARTITION BY s."locationId" ORDER BY s."id") AS rn
                FROM "StockLevel" s
                WHERE s."tenantId" = ${tenantId} AND s."locationId" IN (${Prisma.join(ids)}) AND s."id" > ${afterId ?? ''}
              ) t
              WHERE t.rn <= ${first + 1}::int
              ORDER BY "locationId", "id"`;
            for (const id of ids) byKey.set(`${id}|${first}|${afterId ?? ''}`, rows.filter((r) => r.locationId === id));
          }),
        );
        return keys.map((k) => byKey.get(`${k.locationId}|${k.first}|${k.afterId ?? ''}`) ?? []);
      },
      { cacheKeyFn: (k) => `${k.locationId}|${k.first}|${k.afterId ?? ''}` },
    ),
  };
}
