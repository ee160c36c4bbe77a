import DataLoader from 'dataloader';
import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders; a viewer only ever loads its own tenant's apps. */
export function createPartnerAppLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    partnerAppById: loaderBy(
      (ids) => (viewer ? prisma.partnerApp.findMany({ where: { id: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (a) => a.id,
    ),
    /** Registered safelist size per app (one grouped query for every app on the page). */
    operationCountByApp: new DataLoader<string, number>(async (ids) => {
      if (!viewer) return ids.map(() => 0);
      const rows = await prisma.persistedOperation.groupBy({ by: ['partnerAppId'], where: { partnerAppId: { in: [...ids] }, tenantId: viewer.tenantId }, _count: { _all: true } });
      const counts = new Map(rows.map((r) => [r.partnerAppId, r._count._all]));
      return ids.map((id) => counts.get(id) ?? 0);
    }),
  };
}
