import type { CurrencyCode } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const earningsResolvers: Resolvers = {
  Mutation: {
    requestWithdrawal: async (_p, { input }, ctx) => {
      const r = await ctx.services.earnings.requestWithdrawal(ctx, input);
      return r.ok ? { ...r.value, userErrors: [] } : { withdrawal: null, worker: null, userErrors: r.errors };
    },
  },
  EarningsEntry: {
    amount: (e) => ({ amount: e.amount, currencyCode: e.currency as CurrencyCode }),
    bonus: (e) => ({ amount: e.bonus, currencyCode: e.currency as CurrencyCode }),
    balanceAfter: (e) => ({ amount: e.balanceAfter, currencyCode: e.currency as CurrencyCode }),
    task: (e, _a, ctx) => ctx.services.earnings.taskOf(ctx, e),
  },
};
