import { toPayload, type CurrencyCode } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const taskResolvers: Resolvers = {
  Query: {
    tasks: (_p, args, ctx) => ctx.services.tasks.list(ctx, args),
    task: (_p, { id }, ctx) => ctx.services.tasks.get(ctx, id),
  },
  Mutation: {
    placeBid: async (_p, { input }, ctx) => toPayload('bid', await ctx.services.tasks.placeBid(ctx, input)),
    awardTask: async (_p, { input }, ctx) => toPayload('task', await ctx.services.tasks.award(ctx, input)),
    completeTask: async (_p, { input }, ctx) => {
      const r = await ctx.services.tasks.complete(ctx, input);
      return r.ok ? { ...r.value, userErrors: [] } : { task: null, earningsEntry: null, userErrors: r.errors };
    },
  },
  Task: {
    __resolveReference: (ref, ctx) => ctx.services.tasks.reference(ctx, ref.id),
    reward: (t) => ({ amount: t.reward, currencyCode: t.currency as CurrencyCode }),
    assignee: (t, _a, ctx) => (t.assigneeId ? ctx.loaders.workerById.load(t.assigneeId) : null),
    bids: (t, _a, ctx) => ctx.services.tasks.bidsOf(ctx, t),
    shipment: (t) => (t.shipmentId ? { id: t.shipmentId } : null),
  },
  Bid: {
    worker: async (b, _a, ctx) => (await ctx.loaders.workerById.load(b.workerId))!,
    amount: (b) => ({ amount: b.amount, currencyCode: b.currency as CurrencyCode }),
  },
};
