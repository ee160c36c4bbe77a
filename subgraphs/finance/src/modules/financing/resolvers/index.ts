import { money } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const financingResolvers: Resolvers = {
  Query: {
    financingOffers: (_p, { customerId, invoiceId }, ctx) => ctx.services.financing.offers(ctx.viewer, customerId, invoiceId),
  },
  FinancingOffers: {
    customer: (o) => ({ id: o.customerId }),
    invoice: (o, _a, ctx) => (o.invoiceId ? ctx.loaders.invoiceById.load(o.invoiceId) : null),
    offers: (o) => o.offers.map((x) => ({ ...x, limit: money(x.limit, o.currency), fee: money(x.fee, o.currency), repayable: money(x.repayable, o.currency) })),
  },
};
