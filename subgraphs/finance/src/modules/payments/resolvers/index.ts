import { money, type CurrencyCode } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const paymentResolvers: Resolvers = {
  Mutation: {
    recordPayment: (_p, { input }, ctx) => ctx.services.payments.record(ctx.viewer, input),
  },
  Payment: {
    amount: (p) => money(p.amount, p.currency as CurrencyCode),
    invoice: async (p, _a, ctx) => (await ctx.loaders.invoiceById.load(p.invoiceId))!,
  },
};
