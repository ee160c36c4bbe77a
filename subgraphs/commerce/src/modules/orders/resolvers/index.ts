import { moneyField, toPayload } from '@omniroute/core';
import { loadJoinedRef } from '@omniroute/core/kit';
import type { Resolvers } from '../../../generated/graphql.ts';

export const orderResolvers: Resolvers = {
  Query: {
    orders: (_p, args, ctx) => ctx.services.orders.orders(ctx, args),
    order: (_p, { id }, ctx) => ctx.services.orders.order(ctx, id),
  },
  Mutation: {
    placeOrder: async (_p, { input }, ctx) => toPayload('order', await ctx.services.orders.placeOrder(ctx, input)),
    cancelOrder: async (_p, { input }, ctx) => toPayload('order', await ctx.services.orders.cancelOrder(ctx, input)),
  },
  Order: {
    __resolveReference: (ref, ctx) => ctx.loaders.orderById.load(ref.id),
    customer: (o, _a, ctx) => loadJoinedRef(ctx.loaders.customerById, o.customerId, o, 'customer'), // read with the order by id
    location: async (o, _a, ctx) => (await ctx.loaders.locationById.load(o.locationId))!,
    lines: (o, _a, ctx) => ctx.loaders.linesByOrderId.load(o.id),
    subtotal: (o) => moneyField(o.subtotal, o.currency),
    discountTotal: (o) => moneyField(o.discountTotal, o.currency),
    total: (o) => moneyField(o.total, o.currency),
  },
  OrderLine: {
    variant: (l, _a, ctx) => loadJoinedRef(ctx.loaders.variantById, l.variantId, l, 'variant'), // read with the lines, with its product
    unitPrice: (l) => moneyField(l.unitPrice, l.currency),
    total: (l) => moneyField(l.total, l.currency),
  },
};
