import { moneyField } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const payoutResolvers: Resolvers = {
  Query: {
    payout: (_p, { id }, ctx) => ctx.services.payouts.get(ctx, id),
    payouts: (_p, { filter, first, after }, ctx) => ctx.services.payouts.list(ctx, filter ?? {}, { first, after }),
  },
  Worker: {
    payouts: (w, { first, after }, ctx) => ctx.services.payouts.list(ctx, { workerId: w.id }, { first, after }, 'Worker.payouts'),
  },
  Payout: {
    worker: (p) => ({ id: p.workerId }),
    amount: (p) => moneyField(p.amount, p.currency),
  },
};
