import { UserErrorCode, authorize, badUserInput, fail, ok, pageWindow, rangeProblem, toConnection, type Connection, type ConnectionArgs, type Result, type TemperatureRange } from '@omniroute/core';
import type { Prisma, PrismaClient, Product } from '../../generated/prisma/client.ts';
import { MAX_STRING } from '../orders/order-input.ts';
import type { RequestScope } from '../../context.ts';
import { catalogPolicies } from './catalog.policies.ts';

export interface ProductFilter {
  search?: string | null;
  categoryId?: string | null;
  brand?: string | null;
}

/** Catalog: products, their variants and categories, read within the viewer's tenant; products' cold-chain ranges. */
export class CatalogService {
  constructor(private readonly prisma: PrismaClient) {}

  /** Sets (or, with null, clears) the temperature range a product's goods must stay in. OPERATIONS (ADMIN). */
  async setTemperatureRange({ viewer }: RequestScope, input: { productId: string; range?: TemperatureRange | null }): Promise<Result<Product>> {
    const v = authorize(catalogPolicies['Mutation.setProductTemperatureRange'], viewer);
    const productId = typeof input.productId === 'string' ? input.productId.trim() : '';
    if (!productId || productId.length > MAX_STRING) return fail(UserErrorCode.INVALID_INPUT, 'productId is required', ['input', 'productId']);
    const range = input.range ?? null;
    const problem = range && rangeProblem(range);
    if (problem) return fail(UserErrorCode.INVALID_INPUT, problem, ['input', 'range']);
    const data = { tempMinC: range?.minC ?? null, tempMaxC: range?.maxC ?? null };
    const { count } = await this.prisma.product.updateMany({ where: { id: productId, tenantId: v.tenantId }, data });
    if (count !== 1) return fail(UserErrorCode.PRODUCT_NOT_FOUND, 'No such product', ['input', 'productId']);
    return ok((await this.prisma.product.findFirst({ where: { id: productId, tenantId: v.tenantId } }))!);
  }

  /** A product by id in the viewer's tenant, or null. */
  product(scope: RequestScope, id: string): Promise<Product | null> {
    authorize(catalogPolicies['Query.product'], scope.viewer);
    return scope.loaders.productById.load(id);
  }

  async products({ viewer }: RequestScope, args: ConnectionArgs & { filter?: ProductFilter | null }): Promise<Connection<Product>> {
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
