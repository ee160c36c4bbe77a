import { add, money, multiply, toPayload, type CurrencyCode, type Money } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

const movementsPayload = (r: { ok: true; value: unknown[] } | { ok: false; errors: unknown[] }) =>
  (r.ok ? { movements: r.value, userErrors: [] } : { movements: [], userErrors: r.errors }) as never;

/** A line's variance at the variant's list price. */
const lineValue = (variance: number, variant: { basePrice: { toString(): string }; currency: string } | Error | null | undefined): Money => {
  if (!variant || variant instanceof Error) throw variant ?? new Error('reconciled variant missing');
  return multiply(money(variant.basePrice, variant.currency as CurrencyCode), variance);
};

export const vanStockResolvers: Resolvers = {
  Query: {
    vanReconciliations: (_p, args, ctx) => ctx.services.vanStock.reconciliations(ctx, args),
    vanReconciliation: (_p, { id }, ctx) => ctx.services.vanStock.reconciliation(ctx, id),
  },
  Mutation: {
    loadVan: async (_p, { input }, ctx) => movementsPayload(await ctx.services.vanStock.loadVan(ctx, input)),
    returnVanStock: async (_p, { input }, ctx) => movementsPayload(await ctx.services.vanStock.returnVanStock(ctx, input)),
    recordCustomerReturn: async (_p, { input }, ctx) => movementsPayload(await ctx.services.vanStock.recordCustomerReturn(ctx, input)),
    reconcileVan: async (_p, { input }, ctx) => toPayload('reconciliation', await ctx.services.vanStock.reconcileVan(ctx, input)),
  },
  Location: {
    operator: (l) => (l.operatorUserId ? { id: l.operatorUserId } : null),
  },
  VanReconciliation: {
    van: async (r, _a, ctx) => (await ctx.loaders.locationById.load(r.vanId))!,
    lines: (r, _a, ctx) => ctx.loaders.reconciliationLinesById.load(r.id),
    hasVariance: (r) => r.absoluteVariance > 0,
    varianceValue: async (r, _a, ctx) => {
      const lines = await ctx.loaders.reconciliationLinesById.load(r.id);
      const variants = await ctx.loaders.variantById.loadMany(lines.map((l) => l.variantId));
      const values = lines.map((l, i) => lineValue(l.variance, variants[i]));
      // a reconciliation has 1 to 1000 lines (every SKU counted), all in the tenant's currency
      return values.reduce((a, b) => add(a, b));
    },
    reconciledBy: (r) => (r.reconciledByUserId ? { id: r.reconciledByUserId } : null),
    movements: (r, _a, ctx) => ctx.loaders.movementsByReconciliationId.load(r.id),
  },
  VanReconciliationLine: {
    variant: async (l, _a, ctx) => (await ctx.loaders.variantById.load(l.variantId))!,
    varianceValue: async (l, _a, ctx) => lineValue(l.variance, await ctx.loaders.variantById.load(l.variantId)),
  },
};
