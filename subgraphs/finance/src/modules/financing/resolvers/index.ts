import { dec, moneyField, toPayload, type CurrencyCode } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { outstandingOf } from '../financing.service.ts';

export const financingResolvers: Resolvers = {
  Query: {
    financingOffers: (_p, { customerId, invoiceId }, ctx) => ctx.services.financing.offers(ctx, customerId, invoiceId),
    financingAgreement: (_p, { id }, ctx) => ctx.services.financing.get(ctx, id),
    financingAgreements: (_p, { customerId, status, first, after }, ctx) => ctx.services.financing.list(ctx, { customerId, status, first, after }),
  },
  Mutation: {
    acceptFinancingOffer: async (_p, { input }, ctx) => toPayload('agreement', await ctx.services.financing.accept(ctx, { ...input, amount: String(input.amount) })),
    recordInstalmentPayment: async (_p, { input }, ctx) => toPayload('agreement', await ctx.services.financing.recordInstalment(ctx, { ...input, amount: String(input.amount) })),
    runFinancingCycle: async (_p, { input }, ctx) => {
      const r = await ctx.services.financing.runFor(ctx, input.agreementId);
      return r.ok ? { ...r.value, userErrors: [] } : { lateFees: 0, defaulted: 0, userErrors: r.errors };
    },
  },
  FinancingOffers: {
    customer: (o) => ({ id: o.customerId }),
    invoice: (o, _a, ctx) => (o.invoiceId ? ctx.loaders.invoiceById.load(o.invoiceId) : null),
    offers: (o) => o.offers.map((x) => ({ ...x, limit: moneyField(x.limit, o.currency), fee: moneyField(x.fee, o.currency), repayable: moneyField(x.repayable, o.currency) })),
  },
  FinancingAgreement: {
    __resolveReference: (ref, ctx) => ctx.loaders.financingAgreementById.load(ref.id),
    customer: (a) => ({ id: a.customerId }),
    invoice: async (a, _x, ctx) => (await ctx.loaders.invoiceById.load(a.invoiceId))!,
    payment: (a, _x, ctx) => ctx.loaders.paymentById.load(a.paymentId),
    principal: (a) => moneyField(a.principal, a.currency),
    fee: (a) => moneyField(a.fee, a.currency),
    lateFees: (a) => moneyField(a.lateFees, a.currency),
    repayable: (a) => moneyField(dec(a.principal).plus(dec(a.fee)).plus(dec(a.lateFees)), a.currency),
    repaid: (a) => moneyField(a.repaid, a.currency),
    outstanding: (a) => moneyField(outstandingOf(a), a.currency),
    instalments: (a) => {
      const c = a.currency as CurrencyCode;
      const now = Date.now();
      return a.instalments.map((i) => {
        const outstanding = dec(i.amount).plus(dec(i.lateFee)).minus(dec(i.paid));
        const status = i.paidAt ? 'PAID' as const : i.dueDate.getTime() + 86_400_000 <= now ? 'OVERDUE' as const : 'DUE' as const;
        return { sequence: i.sequence, dueDate: i.dueDate, amount: moneyField(i.amount, c), lateFee: moneyField(i.lateFee, c), paid: moneyField(i.paid, c), outstanding: moneyField(outstanding, c), status, paidAt: i.paidAt };
      });
    },
  },
};
