import { moneyField, toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const paymentResolvers: Resolvers = {
  Query: {
    payment: (_p, { id }, ctx) => ctx.services.payments.get(ctx, id),
    paymentProviders: (_p, _a, ctx) => ctx.services.providerAccounts.list(ctx),
  },
  Mutation: {
    recordPayment: (_p, { input }, ctx) => ctx.services.payments.record(ctx, input),
    initiatePayment: (_p, { input }, ctx) => ctx.services.payments.initiate(ctx, input),
    configurePaymentProvider: async (_p, { input }, ctx) => toPayload('account', await ctx.services.providerAccounts.configure(ctx, input)),
  },
  Subscription: {
    paymentUpdated: {
      subscribe: (_p, args, ctx) => ctx.services.paymentLive.paymentUpdates(ctx, args) as never,
    },
  },
  Payment: {
    amount: (p) => moneyField(p.amount, p.currency),
    invoice: (p, _a, ctx) => (p.invoiceId ? ctx.loaders.invoiceById.load(p.invoiceId) : null),
    wallet: (p, _a, ctx) => (p.walletId ? ctx.services.wallets.get(ctx, p.walletId) : null),
    refunded: (p) => moneyField(p.refunded, p.currency),
  },
  PaymentEvent: {
    payment: async (e, _a, ctx) => (await ctx.loaders.paymentById.load(e.paymentId))!,
  },
};
