import { moneyField, toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const collectionsResolvers: Resolvers = {
  Query: {
    collectionsAging: (_p, { currencyCode }, ctx) => ctx.services.collections.aging(ctx, currencyCode),
    collectionsWorklist: (_p, args, ctx) => ctx.services.collections.worklist(ctx, args),
    collectionsToday: (_p, { currencyCode }, ctx) => ctx.services.collections.today(ctx, currencyCode),
    promisesToPay: (_p, { filter, first, after }, ctx) => ctx.services.collections.promises(ctx, filter ?? {}, { first, after }),
    collectionNotifications: (_p, { customerId, first, after }, ctx) => ctx.services.collections.notifications(ctx, { customerId }, { first, after }),
  },
  Mutation: {
    recordPromiseToPay: async (_p, { input }, ctx) => toPayload('promise', await ctx.services.collections.recordPromise(ctx, input)),
    runCollections: async (_p, { input }, ctx) => {
      const r = await ctx.services.collections.runNow(ctx, new Date(), input.customerId);
      return r.ok ? { ...r.value, userErrors: [] } : { reminders: 0, followUps: 0, promisesKept: 0, promisesBroken: 0, held: 0, released: 0, sent: 0, userErrors: r.errors };
    },
  },
  CustomerAging: {
    customer: (c) => ({ id: c.customerId }),
  },
  CollectionsWorkItem: {
    invoice: async (w, _a, ctx) => (await ctx.loaders.invoiceById.load(w.invoiceId))!,
    customer: (w) => ({ id: w.customerId }),
  },
  PromiseToPay: {
    customer: (p) => ({ id: p.customerId }),
    invoice: (p, _a, ctx) => (p.invoiceId ? ctx.loaders.invoiceById.load(p.invoiceId) : null),
    amount: (p) => moneyField(p.amount, p.currency),
  },
  CollectionNotification: {
    customer: (n) => ({ id: n.customerId }),
    invoice: (n, _a, ctx) => (n.invoiceId ? ctx.loaders.invoiceById.load(n.invoiceId) : null),
    delivery: (n) => (n.deliveryStatus && n.deliveryReportedAt
      ? { status: n.deliveryStatus as never, failureReason: n.deliveryFailureReason, deliveredAt: n.deliveredAt, reportedAt: n.deliveryReportedAt }
      : null),
  },
};
