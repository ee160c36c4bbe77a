import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request order loaders, tenant-scoped (anonymous: nothing). */
export function createOrderLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  return {
    orderById: loaderBy(
      (ids) => (tenantId ? prisma.order.findMany({ where: { id: { in: [...ids] }, tenantId } }) : Promise.resolve([])),
      (o) => o.id,
    ),
    linesByOrderId: groupLoaderBy(
      (ids) =>
        tenantId
          ? prisma.orderLine.findMany({ where: { orderId: { in: [...ids] }, tenantId }, orderBy: [{ orderId: 'asc' }, { position: 'asc' }] })
          : Promise.resolve([]),
      (l) => l.orderId,
    ),
  };
}
