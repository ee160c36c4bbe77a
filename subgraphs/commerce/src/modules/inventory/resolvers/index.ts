import type { Resolvers } from '../../../generated/graphql.ts';
import { availableOf } from '../inventory.service.ts';

export const inventoryResolvers: Resolvers = {
  Query: {
    locations: (_p, args, ctx) => ctx.services.inventory.locations(ctx, args),
    availableToPromise: (_p, { sku, locationId }, ctx) => ctx.services.inventory.availableToPromise(ctx, sku, locationId),
  },
  Location: {
    __resolveReference: (ref, ctx) => ctx.loaders.locationById.load(ref.id),
    position: (l) => ({ lat: l.lat, lng: l.lng }),
    stockLevels: (l, args, ctx) => ctx.services.inventory.stockLevels(ctx, l.id, args),
  },
  StockLevel: {
    location: async (s, _a, ctx) => (await ctx.loaders.locationById.load(s.locationId))!,
    variant: async (s, _a, ctx) => (await ctx.loaders.variantById.load(s.variantId))!,
    available: (s) => availableOf(s),
  },
};
