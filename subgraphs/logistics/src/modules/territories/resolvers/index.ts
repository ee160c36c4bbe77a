import { pageWindow, toConnection } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const territoryResolvers: Resolvers = {
  Query: {
    territories: (_p, args, ctx) => ctx.services.territories.list(ctx.viewer, args),
  },
  Territory: {
    center: (t) => ({ lat: t.centerLat, lng: t.centerLng }),
    vehicles: async (t, args, ctx) => {
      const { first, afterId } = pageWindow(args);
      return toConnection(await ctx.loaders.vehiclesByTerritory.load({ parentId: t.id, first, afterId }), first, afterId);
    },
  },
};
