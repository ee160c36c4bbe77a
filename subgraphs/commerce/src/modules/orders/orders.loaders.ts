import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import { byKeysInTenant, sqlFor } from '@omniroute/db';
import type { Order, OrderLine, PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request order loaders, tenant-scoped (anonymous: nothing). */
export function createOrderLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  const sql = sqlFor(prisma); // hot path: straight on the driver (packages/db fast-sql.ts), same rows as findMany
  return {
    orderById: loaderBy(
      (ids) => (tenantId ? byKeysInTenant<Order>(sql, 'Order', 'id', ids, tenantId) : Promise.resolve([])),
      (o) => o.id,
    ),
    linesByOrderId: groupLoaderBy(
      (ids) =>
        tenantId
          ? byKeysInTenant<OrderLine>(sql, 'OrderLine', 'orderId', ids, tenantId, '"orderId", "position"')
          : Promise.resolve([]),
      (l) => l.orderId,
    ),
  };
}
