import type { Viewer } from '@omniroute/core';
import { tenantRowLoaders } from '@omniroute/core/kit';
import type { Order, OrderLine, PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request order loaders, tenant-scoped (anonymous: nothing). */
export function createOrderLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const rows = tenantRowLoaders(prisma, viewer?.tenantId); // hot paths: straight on the driver
  return {
    orderById: rows.byKey<Order>('Order', (o) => o.id),
    linesByOrderId: rows.groupBy<OrderLine>('OrderLine', 'orderId', (l) => l.orderId, '"orderId", "position"'),
  };
}
