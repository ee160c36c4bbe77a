import { rangeOf, toPayload } from '@omniroute/core';
import { loadJoinedRef } from '@omniroute/core/kit';
import type { Resolvers } from '../../../generated/graphql.ts';

export const catalogResolvers: Resolvers = {
  Query: {
    products: (_p, args, ctx) => ctx.services.catalog.products(ctx, args),
    product: (_p, { id }, ctx) => ctx.services.catalog.product(ctx, id),
  },
  Mutation: {
    setProductTemperatureRange: async (_p, { input }, ctx) => {
      const r = await ctx.services.catalog.setTemperatureRange(ctx, input);
      if (r.ok) ctx.loaders.productById.clear(r.value.id).prime(r.value.id, r.value);
      return toPayload('product', r);
    },
  },
  Product: {
    __resolveReference: (ref, ctx) => ctx.loaders.productById.load(ref.id),
    category: async (p, _a, ctx) => (await ctx.loaders.categoryById.load(p.categoryId))!,
    variants: (p, _a, ctx) => ctx.loaders.variantsByProductId.load(p.id),
    temperatureRange: (p) => rangeOf(p),
  },
  ProductVariant: {
    // Referenced by either key: { id } or { sku }.
    __resolveReference: (ref, ctx) => ('id' in ref ? ctx.loaders.variantById.load(ref.id) : ctx.loaders.variantBySku.load(ref.sku)),
    product: (v, _a, ctx) => loadJoinedRef(ctx.loaders.productById, v.productId, v, 'product'), // read with the variant
    basePrice: (v) => ({ amount: v.basePrice, currencyCode: v.currency }),
    weightKg: (v) => v.weightKg.toNumber(),
    stockLevels: (v, _a, ctx) => ctx.loaders.stockLevelsByVariantId.load(v.id),
  },
};
