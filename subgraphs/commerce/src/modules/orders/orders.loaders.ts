import type { Viewer } from '@omniroute/core';
import { tenantRowLoaders } from '@omniroute/core/kit';
import { Prisma, type Order, type OrderLine, type PrismaClient } from '../../generated/prisma/client.ts';
import { PRODUCT } from '../catalog/catalog.loaders.ts';

/** An order's customer, read with it (Order.customer: OrderDetail and every order page ask for it). */
const CUSTOMER = { relation: 'customer', table: 'Customer', on: 'customerId', columns: Object.values(Prisma.CustomerScalarFieldEnum) };

/** An order line's variant and that variant's product, read with the lines (OrderDetail and order pages ask for both). */
const VARIANT = {
  relation: 'variant', table: 'ProductVariant', on: 'variantId', columns: Object.values(Prisma.ProductVariantScalarFieldEnum),
  then: PRODUCT,
};

/** Per-request order loaders, tenant-scoped (anonymous: nothing). */
export function createOrderLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const rows = tenantRowLoaders(prisma, viewer?.tenantId); // hot paths: straight on the driver
  return {
    orderById: rows.byKeyJoined<Order>('Order', (o) => o.id, CUSTOMER),
    linesByOrderId: rows.groupByJoined<OrderLine>('OrderLine', 'orderId', (l) => l.orderId, VARIANT, '"orderId", "position"'),
  };
}
