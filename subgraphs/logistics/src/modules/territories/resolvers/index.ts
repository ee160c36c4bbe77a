import { pageWindow, requireViewer, toConnection, toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { boundaryOf, hhmmOf } from '../territory.rules.ts';

export const territoryResolvers: Resolvers = {
  Query: {
    territories: (_p, args, ctx) => ctx.services.territories.list(ctx, args),
    territory: (_p, { id }, ctx) => ctx.services.territories.get(ctx, id),
  },
  Mutation: {
    createTerritory: async (_p, { input }, ctx) => {
      const r = await ctx.services.territories.create(ctx, input);
      return r.ok ? { ...r.value, userErrors: [] } : { territory: null, reassignedCustomers: 0, userErrors: r.errors };
    },
    assignCustomerTerritory: async (_p, { input }, ctx) => {
      const r = await ctx.services.territories.assignCustomer(ctx, input);
      return r.ok ? { customer: { id: r.value.customerId }, userErrors: [] } : { customer: null, userErrors: r.errors };
    },
    assignSalesRepTerritories: async (_p, { input }, ctx) => toPayload('rep', await ctx.services.territories.assignReps(ctx, input)),
  },
  Territory: {
    center: (t) => ({ lat: t.centerLat, lng: t.centerLng }),
    parent: (t, _a, ctx) => (t.parentId ? ctx.loaders.territoryById.load(t.parentId) : null),
    children: (t, _a, ctx) => ctx.loaders.territoriesByParent.load(t.id),
    boundary: (t) => boundaryOf(t.boundary),
    salesReps: async (t, _a, ctx) => (await ctx.loaders.repsByTerritory.load(t.id)).map((id) => ({ id })),
    customerCount: (t, _a, ctx) => ctx.loaders.customerCountByTerritory.load(t.id),
    vehicles: async (t, args, ctx) => {
      const { first, afterId } = pageWindow(args);
      return toConnection(await ctx.loaders.vehiclesByTerritory.load({ parentId: t.id, first, afterId }), first, afterId);
    },
  },
  Customer: {
    // Commerce owns customers: any id is a fine key, the fields below load through tenant-scoped loaders.
    __resolveReference: (ref, ctx) => {
      requireViewer(ctx.viewer);
      return { id: ref.id };
    },
    territory: async (c, _a, ctx) => {
      const site = await ctx.loaders.customerSiteById.load(c.id);
      return site?.territoryId ? ctx.loaders.territoryById.load(site.territoryId) : null;
    },
    territoryOverridden: async (c, _a, ctx) => (await ctx.loaders.customerSiteById.load(c.id))?.territoryOverride ?? false,
    deliveryWindow: async (c, _a, ctx) => {
      const site = await ctx.loaders.customerSiteById.load(c.id);
      return site?.windowStartMin != null && site.windowEndMin != null ? { start: hhmmOf(site.windowStartMin), end: hhmmOf(site.windowEndMin) } : null;
    },
  },
  User: {
    __resolveReference: (ref, ctx) => {
      requireViewer(ctx.viewer);
      return { id: ref.id };
    },
    salesTerritories: async (u, _a, ctx) => {
      const ids = await ctx.loaders.territoriesByRep.load(u.id);
      return (await Promise.all(ids.map((id) => ctx.loaders.territoryById.load(id)))).filter((t) => t !== null);
    },
  },
};
