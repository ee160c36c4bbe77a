import { loaderBy, requireViewer, type Viewer } from '@omniroute/core';
import type { PrismaClient, Territory, Vehicle } from '../../generated/prisma/client.ts';
import { pagedChildLoader, windowedRows } from '../../lib/paged-loader.ts';

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
  };
}
