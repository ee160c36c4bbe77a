import { toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { pointOf } from '../../../lib/geo.ts';

export const beatPlanResolvers: Resolvers = {
  Query: {
    beatPlan: (_p, args, ctx) => ctx.services.beatPlans.get(ctx, args),
    strikeRates: (_p, args, ctx) => ctx.services.beatPlans.strikeRates(ctx, args),
  },
  Mutation: {
    planBeat: async (_p, { input }, ctx) => toPayload('beatPlan', await ctx.services.beatPlans.plan(ctx, input)),
    checkInVisit: async (_p, { input }, ctx) => toPayload('visit', await ctx.services.beatPlans.checkIn(ctx, input)),
    checkOutVisit: async (_p, { input }, ctx) => toPayload('visit', await ctx.services.beatPlans.checkOut(ctx, input)),
  },
  BeatPlan: {
    rep: (p) => ({ id: p.repUserId }),
  },
  Visit: {
    rep: (x) => ({ id: x.repUserId }),
    customer: (x) => ({ id: x.customerId }),
    territory: (x, _a, ctx) => (x.territoryId ? ctx.loaders.territoryById.load(x.territoryId) : null),
    checkInPosition: (x) => pointOf(x.checkInLat, x.checkInLng),
    checkOutPosition: (x) => pointOf(x.checkOutLat, x.checkOutLng),
    order: (x) => (x.orderId ? { id: x.orderId } : null),
  },
  RepStrikeRate: {
    rep: (r) => ({ id: r.id }),
  },
  TerritoryStrikeRate: {
    territory: async (r, _a, ctx) => (await ctx.loaders.territoryById.load(r.id))!,
  },
};
