import { moneyField, toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const settlementResolvers: Resolvers = {
  Query: {
    settlementReports: (_p, { provider, first, after }, ctx) => ctx.services.settlement.list(ctx, { provider }, { first, after }),
    settlementReport: (_p, { id }, ctx) => ctx.services.settlement.get(ctx, id),
  },
  Mutation: {
    importSettlementReport: async (_p, { input }, ctx) => toPayload('report', await ctx.services.settlement.importFor(ctx, input)),
    reconcileSettlements: async (_p, { input }, ctx) => {
      const r = await ctx.services.settlement.reconcileFor(ctx, input.reportDate);
      return r.ok ? { reports: r.value, userErrors: [] } : { reports: [], userErrors: r.errors };
    },
  },
  SettlementReport: {
    provider: (r) => r.rail,
    fees: (r) => moneyField(r.feeTotal, r.currency),
    lines: (r, { status }, ctx) => ctx.services.settlement.lines(r, status),
    unmatchedPayments: async (r, _a, ctx) => (await ctx.services.settlement.unmatchedOurs(r)).payments,
    unmatchedPayouts: async (r, _a, ctx) => (await ctx.services.settlement.unmatchedOurs(r)).payouts,
  },
  SettlementLine: {
    amount: (l) => moneyField(l.amount, l.currency),
    fee: (l) => moneyField(l.fee, l.currency),
    payment: (l, _a, ctx) => (l.paymentId ? ctx.loaders.paymentById.load(l.paymentId) : null),
    payout: (l, _a, ctx) => (l.payoutId ? ctx.services.payouts.get(ctx, l.payoutId) : null),
  },
};
