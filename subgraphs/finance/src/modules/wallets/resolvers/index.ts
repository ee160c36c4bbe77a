import { moneyField } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const walletResolvers: Resolvers = {
  Query: {
    wallet: (_p, { id }, ctx) => ctx.services.wallets.get(ctx, id),
  },
  Mutation: {
    topUpWallet: (_p, { input }, ctx) => ctx.services.payments.topUp(ctx, input),
    payInvoiceFromWallet: (_p, { input }, ctx) => ctx.services.payments.payFromWallet(ctx, input),
    refundToWallet: (_p, { input }, ctx) => ctx.services.payments.refundToWallet(ctx, input),
  },
  Wallet: {
    customer: (w) => (w.ownerType === 'CUSTOMER' ? { id: w.ownerId } : null),
    worker: (w) => (w.ownerType === 'WORKER' ? { id: w.ownerId } : null),
    balance: (w) => moneyField(w.balance, w.currency),
    movements: (w, args, ctx) => ctx.services.wallets.movements(ctx, w.id, args),
  },
  WalletMovement: {
    amount: (m) => moneyField(m.amount, m.currency),
    balance: (m) => moneyField(m.balanceAfter, m.currency),
    payment: (m, _a, ctx) => (m.paymentId ? ctx.loaders.paymentById.load(m.paymentId) : null),
    invoice: (m, _a, ctx) => (m.invoiceId ? ctx.loaders.invoiceById.load(m.invoiceId) : null),
    at: (m) => m.createdAt,
  },
  Customer: {
    wallet: (c, { currencyCode }, ctx) => ctx.services.wallets.of(ctx, { type: 'CUSTOMER', id: c.id }, currencyCode),
  },
  Worker: {
    __resolveReference: (ref, ctx) => (ctx.viewer ? { id: ref.id } : null),
    wallet: (w, { currencyCode }, ctx) => ctx.services.wallets.of(ctx, { type: 'WORKER', id: w.id }, currencyCode),
  },
};
