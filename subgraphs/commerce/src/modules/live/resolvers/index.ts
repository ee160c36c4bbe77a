import type { Resolvers } from '../../../generated/graphql.ts';

export const liveResolvers: Resolvers = {
  Subscription: {
    orderUpdated: {
      subscribe: (_p, args, ctx) => ctx.services.live.orderUpdates(ctx, args) as never,
    },
    vanVarianceRaised: {
      subscribe: (_p, args, ctx) => ctx.services.live.vanVariances(ctx, args) as never,
    },
  },
  OrderEvent: {
    order: async (e, _a, ctx) => (await ctx.services.orders.order(ctx, e.orderId))!,
  },
};
