import { loaderBy, requireViewer, type Viewer } from '@omniroute/core';
import { byKeysInTenant, sqlFor } from '@omniroute/db';
import type { ColdChainAlert, PrismaClient, Vehicle, VehiclePosition } from '../../generated/prisma/client.ts';
import { pagedChildLoader, windowedRows } from '../../lib/paged-loader.ts';

/** Per-request vehicle loaders, scoped to the viewer's tenant (another tenant's id loads as null). */
export function createVehicleLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  // Anonymous callers get UNAUTHENTICATED from any load.
  const tenantId = () => requireViewer(viewer).tenantId;
  const sql = sqlFor(prisma); // hot path: straight on the driver (packages/db fast-sql.ts), same rows as findMany
  return {
    vehicleById: loaderBy<Vehicle>((ids) => byKeysInTenant<Vehicle>(sql, 'Vehicle', 'id', ids, tenantId()), (v) => v.id),
    /** Vehicle.positions: newest first (position ids sort by recordedAt). */
    positionsByVehicle: pagedChildLoader<VehiclePosition>(
      (parentIds, first, afterId) =>
        windowedRows<VehiclePosition>(prisma, { table: 'VehiclePosition', parentColumn: 'vehicleId', order: 'desc', tenantId: tenantId(), parentIds, first, afterId }),
      (p) => p.vehicleId,
    ),
    /** Vehicle.coldChainAlerts: newest first. */
    coldChainAlertsByVehicle: pagedChildLoader<ColdChainAlert>(
      (parentIds, first, afterId) =>
        windowedRows<ColdChainAlert>(prisma, { table: 'ColdChainAlert', parentColumn: 'vehicleId', order: 'desc', tenantId: tenantId(), parentIds, first, afterId }),
      (a) => a.vehicleId,
    ),
  };
}
