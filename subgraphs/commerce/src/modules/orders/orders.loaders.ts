import type { Viewer } from '@omniroute/core';
import { tenantRowLoaders } from '@omniroute/core/kit';
import { Prisma, type Order, type OrderLine, type PrismaClient } from '../../generated/prisma/client.ts';

/** An order's customer, read with it (Order.customer: OrderDetail and every order page ask for it). */
const CUSTOMER = { relation: 'customer', table: 'Customer', on: 'customerId', columns: Object.values(Prisma.CustomerScalarFieldEnum) };

/** Per-request order loaders, tenant-scoped (anonymous: nothing). */
export function createOrderLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const rows = tenantRowLoaders(prisma, viewer?.tenantId); // hot paths: straight on the driver
  return {
    orderById: rows.byKeyJoined<Order>('Order', (o) => o.id, CUSTOMER),
    linesByOrderId: rows.groupBy<OrderLine>('OrderLine', 'orderId', (l) => l.orderId, '"orderId", "position"'),
  };
}
