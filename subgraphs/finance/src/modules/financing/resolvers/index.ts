import { dec, money, toPayload, type CurrencyCode } from '@omniroute/core';
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
    offers: (o) => o.offers.map((x) => ({ ...x, limit: money(x.limit, o.currency), fee: money(x.fee, o.currency), repayable: money(x.repayable, o.currency) })),
  },
  FinancingAgreement: {
    __resolveReference: (ref, ctx) => ctx.loaders.financingAgreementById.load(ref.id),
    customer: (a) => ({ id: a.customerId }),
    invoice: async (a, _x, ctx) => (await ctx.loaders.invoiceById.load(a.invoiceId))!,
    payment: (a, _x, ctx) => ctx.loaders.paymentById.load(a.paymentId),
    principal: (a) => money(a.principal, a.currency as CurrencyCode),
    fee: (a) => money(a.fee, a.currency as CurrencyCode),
    lateFees: (a) => money(a.lateFees, a.currency as CurrencyCode),
    repayable: (a) => money(dec(a.principal).plus(dec(a.fee)).plus(dec(a.lateFees)), a.currency as CurrencyCode),
    repaid: (a) => money(a.repaid, a.currency as CurrencyCode),
    outstanding: (a) => money(outstandingOf(a), a.currency as CurrencyCode),
    instalments: (a) => {
      const c = a.currency as CurrencyCode;
      const now = Date.now();
      return a.instalments.map((i) => {
        const outstanding = dec(i.amount).plus(dec(i.lateFee)).minus(dec(i.paid));
        const status = i.paidAt ? 'PAID' as const : i.dueDate.getTime() + 86_400_000 <= now ? 'OVERDUE' as const : 'DUE' as const;
        return { sequence: i.sequence, dueDate: i.dueDate, amount: money(i.amount, c), lateFee: money(i.lateFee, c), paid: money(i.paid, c), outstanding: money(outstanding, c), status, paidAt: i.paidAt };
      });
    },
  },
};
