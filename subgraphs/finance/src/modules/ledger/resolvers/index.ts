import { moneyField } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

export const ledgerResolvers: Resolvers = {
  Query: {
    ledgerBalance: (_p, _a, ctx) => ctx.services.ledger.balance(ctx),
    trialBalance: (_p, { currencyCode }, ctx) => ctx.services.ledger.trialBalance(ctx, currencyCode),
    ledgerStatement: (_p, args, ctx) => ctx.services.ledger.statement(ctx, args),
    ledgerEntries: (_p, args, ctx) => ctx.services.ledger.entries(ctx, args),
  },
  LedgerEntry: {
    direction: (e) => (e.amount.isNegative() ? 'CREDIT' : 'DEBIT'),
    amount: (e) => moneyField(e.amount.abs(), e.currency),
    posting: async (e, _a, ctx) => (await ctx.loaders.postingById.load(e.postingId))!,
    customer: (e) => (e.customerId ? { id: e.customerId } : null),
  },
  LedgerPosting: {
    invoice: (p, _a, ctx) => (p.invoiceId ? ctx.loaders.invoiceById.load(p.invoiceId) : null),
  },
  LedgerStatement: {
    customer: (s) => (s.customerId ? { id: s.customerId } : null),
  },
  LedgerStatementLine: {
    description: async (l, _a, ctx) => (await ctx.loaders.postingById.load(l.entry.postingId))?.description ?? '',
    postedAt: (l) => l.entry.createdAt,
    debit: (l) => (l.entry.amount.isPositive() ? moneyField(l.entry.amount, l.entry.currency) : null),
    credit: (l) => (l.entry.amount.isNegative() ? moneyField(l.entry.amount.abs(), l.entry.currency) : null),
  },
};
