import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import { tenantRowLoaders } from '@omniroute/core/kit';
import { Prisma, type PrismaClient, type Product, type ProductVariant } from '../../generated/prisma/client.ts';

/** A variant's product, read with it (ProductVariant.product wants it next; an order line's variant reads it too). */
export const PRODUCT = { relation: 'product', table: 'Product', on: 'productId', columns: Object.values(Prisma.ProductScalarFieldEnum) };

/** Per-request catalog loaders; a viewer only ever loads its own tenant's rows (anonymous: nothing). */
export function createCatalogLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  const rows = tenantRowLoaders(prisma, tenantId); // hot paths: straight on the driver
  return {
    categoryById: loaderBy(
      (ids) => (tenantId ? prisma.category.findMany({ where: { id: { in: [...ids] }, tenantId } }) : Promise.resolve([])),
      (c) => c.id,
    ),
    productById: rows.byKey<Product>('Product', (p) => p.id),
    variantById: rows.byKeyJoined<ProductVariant>('ProductVariant', (v) => v.id, PRODUCT),
    variantBySku: loaderBy(
      (skus) => (tenantId ? prisma.productVariant.findMany({ where: { sku: { in: [...skus] }, tenantId } }) : Promise.resolve([])),
      (v) => v.sku,
    ),
    variantsByProductId: groupLoaderBy(
      (ids) =>
        tenantId ? prisma.productVariant.findMany({ where: { productId: { in: [...ids] }, tenantId }, orderBy: { id: 'asc' } }) : Promise.resolve([]),
      (v) => v.productId,
    ),
  };
}
