import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import { byKeysInTenant, sqlFor } from '@omniroute/db';
import type { PrismaClient, Product, ProductVariant } from '../../generated/prisma/client.ts';

/** Per-request catalog loaders; a viewer only ever loads its own tenant's rows (anonymous: nothing). */
export function createCatalogLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  const sql = sqlFor(prisma); // hot paths: straight on the driver (packages/db fast-sql.ts), same rows as findMany
  return {
    categoryById: loaderBy(
      (ids) => (tenantId ? prisma.category.findMany({ where: { id: { in: [...ids] }, tenantId } }) : Promise.resolve([])),
      (c) => c.id,
    ),
    productById: loaderBy(
      (ids) => (tenantId ? byKeysInTenant<Product>(sql, 'Product', 'id', ids, tenantId) : Promise.resolve([])),
      (p) => p.id,
    ),
    variantById: loaderBy(
      (ids) => (tenantId ? byKeysInTenant<ProductVariant>(sql, 'ProductVariant', 'id', ids, tenantId) : Promise.resolve([])),
      (v) => v.id,
    ),
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
