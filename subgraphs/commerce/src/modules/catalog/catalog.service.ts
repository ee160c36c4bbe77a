import { authorize, badUserInput, pageWindow, toConnection, type Connection, type ConnectionArgs, type Viewer } from '@omniroute/core';
import type { Prisma, PrismaClient, Product } from '../../generated/prisma/client.ts';
import { MAX_STRING } from '../orders/order-input.ts';
import type { RequestScope } from '../../context.ts';
import { catalogPolicies } from './catalog.policies.ts';

export interface ProductFilter {
  search?: string | null;
  categoryId?: string | null;
  brand?: string | null;
}

/** Catalog: products, their variants and categories, read within the viewer's tenant. */
export class CatalogService {
  constructor(private readonly prisma: PrismaClient) {}

  /** A product by id in the viewer's tenant, or null. */
  product(ctx: RequestScope, id: string): Promise<Product | null> {
    authorize(catalogPolicies['Query.product'], ctx.viewer);
    return ctx.loaders.productById.load(id);
  }

  async products(viewer: Viewer | null, args: ConnectionArgs & { filter?: ProductFilter | null }): Promise<Connection<Product>> {
    const v = authorize(catalogPolicies['Query.products'], viewer);
    const { first, afterId } = pageWindow(args);
    const f = args.filter ?? {};
    for (const [key, value] of Object.entries(f)) {
      if (typeof value === 'string' && value.length > MAX_STRING) throw badUserInput(`filter.${key} is longer than ${MAX_STRING} characters`, ['filter', key]);
    }
    const where: Prisma.ProductWhereInput = {
      tenantId: v.tenantId,
      ...(afterId ? { id: { gt: afterId } } : {}),
      ...(f.categoryId ? { categoryId: f.categoryId } : {}),
      ...(f.brand ? { brand: f.brand } : {}),
      ...(f.search?.trim()
        ? { OR: [{ name: { contains: f.search.trim(), mode: 'insensitive' } }, { brand: { contains: f.search.trim(), mode: 'insensitive' } }] }
        : {}),
    };
    const rows = await this.prisma.product.findMany({ where, orderBy: { id: 'asc' }, take: first + 1 });
    return toConnection(rows, first, afterId);
  }
}
