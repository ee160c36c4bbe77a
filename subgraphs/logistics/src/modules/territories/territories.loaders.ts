import DataLoader from 'dataloader';
import { loaderBy, requireViewer, type Viewer } from '@omniroute/core';
import type { CustomerSite, PrismaClient, Territory, Vehicle } from '../../generated/prisma/client.ts';
import { pagedChildLoader, windowedRows } from '../../lib/paged-loader.ts';

/** Groups rows under the keys asked for, in their order (empty lists for keys without rows). */
function groupedBy<T>(keys: readonly string[], rows: T[], keyOf: (r: T) => string): T[][] {
  const by = new Map<string, T[]>();
  for (const r of rows) (by.get(keyOf(r)) ?? by.set(keyOf(r), []).get(keyOf(r))!).push(r);
  return keys.map((k) => by.get(k) ?? []);
}

/** Per-request territory loaders, scoped to the viewer's tenant (another tenant's id loads as null). */
export function createTerritoryLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  // Anonymous callers get UNAUTHENTICATED from any load.
  const tenantId = () => requireViewer(viewer).tenantId;
  return {
    territoryById: loaderBy<Territory>((ids) => prisma.territory.findMany({ where: { id: { in: [...ids] }, tenantId: tenantId() } }), (t) => t.id),
    /** Territory.vehicles: a page of each territory's vehicles by id. */
    vehiclesByTerritory: pagedChildLoader<Vehicle>(
      (parentIds, first, afterId) =>
        windowedRows<Vehicle>(prisma, { table: 'Vehicle', parentColumn: 'territoryId', order: 'asc', tenantId: tenantId(), parentIds, first, afterId }),
      (v) => v.territoryId,
    ),
    /** Territory.children. */
    territoriesByParent: new DataLoader<string, Territory[]>(async (ids) =>
      groupedBy(ids, await prisma.territory.findMany({ where: { tenantId: tenantId(), parentId: { in: [...ids] } }, orderBy: { id: 'asc' } }), (t) => t.parentId!),
    ),
    /** Territory.salesReps: user ids by territory. */
    repsByTerritory: new DataLoader<string, string[]>(async (ids) =>
      groupedBy(ids, await prisma.repTerritory.findMany({ where: { tenantId: tenantId(), territoryId: { in: [...ids] } }, orderBy: { userId: 'asc' } }), (r) => r.territoryId).map((rs) => rs.map((r) => r.userId)),
    ),
    /** User.salesTerritories: territory ids by rep. */
    territoriesByRep: new DataLoader<string, string[]>(async (ids) =>
      groupedBy(ids, await prisma.repTerritory.findMany({ where: { tenantId: tenantId(), userId: { in: [...ids] } }, orderBy: { territoryId: 'asc' } }), (r) => r.userId).map((rs) => rs.map((r) => r.territoryId)),
    ),
    /** Territory.customerCount. */
    customerCountByTerritory: new DataLoader<string, number>(async (ids) => {
      const counts = await prisma.customerSite.groupBy({ by: ['territoryId'], where: { tenantId: tenantId(), territoryId: { in: [...ids] } }, _count: { _all: true } });
      const by = new Map(counts.map((c) => [c.territoryId, c._count._all]));
      return ids.map((id) => by.get(id) ?? 0);
    }),
    /** Customer fields of logistics: the customer's site (coordinates, tier, window, territory). */
    customerSiteById: loaderBy<CustomerSite>((ids) => prisma.customerSite.findMany({ where: { customerId: { in: [...ids] }, tenantId: tenantId() } }), (c) => c.customerId),
  };
}
