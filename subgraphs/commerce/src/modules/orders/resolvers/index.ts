import { money as coreMoney, toPayload, type CurrencyCode } from '@omniroute/core';
import { loadJoined } from '@omniroute/core/kit';
import type { Resolvers } from '../../../generated/graphql.ts';

/** A Money field of a row (the shared Money resolver formats it). */
const money = (amount: { toString(): string }, currency: string) => coreMoney(amount, currency as CurrencyCode) as never;

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
    customer: async (o, _a, ctx) => (await loadJoined(ctx.loaders.customerById, o.customerId, o, 'customer'))!, // read with the order by id
    location: async (o, _a, ctx) => (await ctx.loaders.locationById.load(o.locationId))!,
    lines: (o, _a, ctx) => ctx.loaders.linesByOrderId.load(o.id),
    subtotal: (o) => money(o.subtotal, o.currency),
    discountTotal: (o) => money(o.discountTotal, o.currency),
    total: (o) => money(o.total, o.currency),
  },
  OrderLine: {
    variant: async (l, _a, ctx) => (await loadJoined(ctx.loaders.variantById, l.variantId, l, 'variant'))!, // read with the lines, with its product
    unitPrice: (l) => money(l.unitPrice, l.currency),
    total: (l) => money(l.total, l.currency),
  },
};
