import type { Resolvers } from '../../../generated/graphql.ts';

export const pricingResolvers: Resolvers = {
  Query: {
    priceQuote: (_p, { input }, ctx) => ctx.services.pricing.quote(ctx, input),
  },
  PriceQuoteLine: {
    variant: async (l, _a, ctx) => (await ctx.loaders.variantById.load(l.variantId))!,
  },
};
