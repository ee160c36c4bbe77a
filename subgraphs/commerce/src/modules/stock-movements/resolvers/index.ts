import { toPayload } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';

const user = (id: string | null) => (id ? { id } : null);

export const stockMovementResolvers: Resolvers = {
  Query: {
    stockMovements: (_p, args, ctx) => ctx.services.stockMovements.movements(ctx, args),
    suppliers: (_p, args, ctx) => ctx.services.purchasing.suppliers(ctx, args),
    purchaseOrders: (_p, args, ctx) => ctx.services.purchasing.purchaseOrders(ctx, args),
    purchaseOrder: (_p, { id }, ctx) => ctx.services.purchasing.purchaseOrder(ctx, id),
    cycleCounts: (_p, args, ctx) => ctx.services.cycleCounts.cycleCounts(ctx, args),
    cycleCount: (_p, { id }, ctx) => ctx.services.cycleCounts.cycleCount(ctx, id),
  },
  Mutation: {
    createSupplier: async (_p, { input }, ctx) => toPayload('supplier', await ctx.services.purchasing.createSupplier(ctx, input)),
    createPurchaseOrder: async (_p, { input }, ctx) => toPayload('purchaseOrder', await ctx.services.purchasing.createPurchaseOrder(ctx, input)),
    receiveGoods: async (_p, { input }, ctx) => {
      const r = await ctx.services.purchasing.receiveGoods(ctx, input);
      return r.ok ? { ...r.value, userErrors: [] } : { goodsReceipt: null, purchaseOrder: null, userErrors: r.errors };
    },
    adjustStock: async (_p, { input }, ctx) => {
      const r = await ctx.services.stockMovements.adjustStock(ctx, input);
      return r.ok ? { ...r.value, userErrors: [] } : { movement: null, stockLevel: null, userErrors: r.errors };
    },
    transferStock: async (_p, { input }, ctx) => {
      const r = await ctx.services.stockMovements.transferStock(ctx, input);
      return r.ok ? { movements: r.value, userErrors: [] } : { movements: [], userErrors: r.errors };
    },
    recordCycleCount: async (_p, { input }, ctx) => toPayload('cycleCount', await ctx.services.cycleCounts.recordCycleCount(ctx, input)),
    approveCycleCount: async (_p, { input }, ctx) => toPayload('cycleCount', await ctx.services.cycleCounts.approveCycleCount(ctx, input)),
    rejectCycleCount: async (_p, { input }, ctx) => toPayload('cycleCount', await ctx.services.cycleCounts.rejectCycleCount(ctx, input)),
  },
  StockMovement: {
    location: async (m, _a, ctx) => (await ctx.loaders.locationById.load(m.locationId))!,
    variant: async (m, _a, ctx) => (await ctx.loaders.variantById.load(m.variantId))!,
    order: (m, _a, ctx) => (m.orderId ? ctx.loaders.orderById.load(m.orderId) : null),
    goodsReceipt: (m, _a, ctx) => (m.goodsReceiptId ? ctx.loaders.goodsReceiptById.load(m.goodsReceiptId) : null),
    actor: (m) => user(m.actorUserId),
  },
  PurchaseOrder: {
    supplier: async (p, _a, ctx) => (await ctx.loaders.supplierById.load(p.supplierId))!,
    location: async (p, _a, ctx) => (await ctx.loaders.locationById.load(p.locationId))!,
    lines: (p, _a, ctx) => ctx.loaders.purchaseOrderLinesByPoId.load(p.id),
    receipts: (p, _a, ctx) => ctx.loaders.receiptsByPoId.load(p.id),
  },
  PurchaseOrderLine: {
    variant: async (l, _a, ctx) => (await ctx.loaders.variantById.load(l.variantId))!,
    outstandingQuantity: (l) => l.orderedQuantity - l.receivedQuantity,
  },
  GoodsReceipt: {
    purchaseOrder: async (r, _a, ctx) => (await ctx.loaders.purchaseOrderById.load(r.purchaseOrderId))!,
    movements: (r, _a, ctx) => ctx.loaders.movementsByReceiptId.load(r.id),
  },
  CycleCount: {
    location: async (c, _a, ctx) => (await ctx.loaders.locationById.load(c.locationId))!,
    lines: (c, _a, ctx) => ctx.loaders.cycleCountLinesByCountId.load(c.id),
    totalVariance: async (c, _a, ctx) => (await ctx.loaders.cycleCountLinesByCountId.load(c.id)).reduce((s, l) => s + l.variance, 0),
    countedBy: (c) => user(c.countedByUserId),
    decidedBy: (c) => user(c.decidedByUserId),
    movements: (c, _a, ctx) => ctx.loaders.movementsByCycleCountId.load(c.id),
  },
  CycleCountLine: {
    variant: async (l, _a, ctx) => (await ctx.loaders.variantById.load(l.variantId))!,
  },
};
