import { moneyField, toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { availableCredit, creditLineStatus } from '../credit.rules.ts';

export const creditResolvers: Resolvers = {
  Mutation: {
    setCreditLimit: async (_p, { input }, ctx) => toPayload('creditLine', await ctx.services.credit.setCreditLimit(ctx, input)),
  },
  Customer: {
    __resolveReference: (ref, ctx) => ctx.services.credit.customerRef(ctx, ref.id),
    creditLine: (c, _a, ctx) => ctx.services.credit.lineOf(ctx, c.id),
  },
  CreditLine: {
    customer: (l) => ({ id: l.customerId }),
    limit: (l) => moneyField(l.limit, l.currency),
    utilized: (l) => moneyField(l.utilized, l.currency),
    available: (l) => moneyField(availableCredit(l.limit, l.utilized), l.currency),
    currencyCode: (l) => l.currency,
    status: (l) => creditLineStatus(l.limit, l.utilized, l.heldAt),
    hold: (l) => (l.heldAt ? { since: l.heldAt, reason: l.holdReason ?? 'collections hold' } : null),
  },
};
