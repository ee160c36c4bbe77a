import DataLoader from 'dataloader';
import { groupLoaderBy, loaderBy, requireViewer, type Viewer } from '@omniroute/core';
import { byKeysInTenant, byKeysInTenantJoined, sqlFor } from '@omniroute/db';
import { Prisma, type PrismaClient, type Shipment, type ShipmentStop } from '../../generated/prisma/client.ts';
import { ACTIVE_STATUSES } from './shipment-rules.ts';

/** A shipment's vehicle, read with it where an order's shipment is loaded (OrderDetail: one statement fewer, one wait fewer). */
const VEHICLE = { relation: 'vehicle', table: 'Vehicle', on: 'vehicleId', columns: Object.values(Prisma.VehicleScalarFieldEnum) };

/** Per-request shipment loaders, scoped to the viewer's tenant (another tenant's ids load as null / empty). */
export function createShipmentLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  // Anonymous callers get UNAUTHENTICATED from any load.
  const tenantId = () => requireViewer(viewer).tenantId;
  const sql = sqlFor(prisma); // hot paths: straight on the driver (packages/db fast-sql.ts), same rows as findMany
  const shipmentById = loaderBy<Shipment>((ids) => byKeysInTenant<Shipment>(sql, 'Shipment', 'id', ids, tenantId()), (s) => s.id);
  return {
    shipmentById,
    /** Order.shipment: one shipment per order (unique per tenant), read with its vehicle (Shipment.vehicle). */
    shipmentByOrderId: loaderBy<Shipment>(async (orderIds) => {
      const rows = await byKeysInTenantJoined<Shipment>(sql, 'Shipment', 'orderId', orderIds, tenantId(), VEHICLE);
      for (const s of rows) shipmentById.prime(s.id, s);
      return rows;
    }, (s) => s.orderId),
    /** Vehicle.currentShipment: the shipment in transit, else the newest assigned one; null when free. */
    currentShipmentByVehicleId: new DataLoader<string, Shipment | null>(async (vehicleIds) => {
      const rows = await prisma.shipment.findMany({
        where: { vehicleId: { in: [...vehicleIds] }, tenantId: tenantId(), status: { in: [...ACTIVE_STATUSES] } },
        orderBy: { id: 'desc' },
      });
      const best = new Map<string, Shipment>();
      for (const s of rows) {
        const seen = best.get(s.vehicleId!);
        if (!seen || (seen.status !== 'IN_TRANSIT' && s.status === 'IN_TRANSIT')) best.set(s.vehicleId!, s);
      }
      return vehicleIds.map((id) => best.get(id) ?? null);
    }),
    /** Shipment.stops, in route order. */
    stopsByShipmentId: groupLoaderBy<ShipmentStop>(
      (ids) => prisma.shipmentStop.findMany({ where: { shipmentId: { in: [...ids] }, tenantId: tenantId() }, orderBy: [{ shipmentId: 'asc' }, { sequence: 'asc' }] }),
      (s) => s.shipmentId,
    ),
  };
}
