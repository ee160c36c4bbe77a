import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import { tenantRowLoaders } from '@omniroute/core/kit';
import type { PrismaClient, Product, ProductVariant } from '../../generated/prisma/client.ts';

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
    variantById: rows.byKey<ProductVariant>('ProductVariant', (v) => v.id),
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
