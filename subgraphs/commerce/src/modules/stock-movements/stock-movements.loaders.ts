import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of the stock ledger, purchasing, counts and van reconciliations; tenant-scoped (anonymous: nothing). */
export function createStockLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  const none = () => Promise.resolve([] as never[]);
  return {
    supplierById: loaderBy((ids) => (tenantId ? prisma.supplier.findMany({ where: { id: { in: [...ids] }, tenantId } }) : none()), (s) => s.id),
    purchaseOrderById: loaderBy((ids) => (tenantId ? prisma.purchaseOrder.findMany({ where: { id: { in: [...ids] }, tenantId } }) : none()), (p) => p.id),
    goodsReceiptById: loaderBy((ids) => (tenantId ? prisma.goodsReceipt.findMany({ where: { id: { in: [...ids] }, tenantId } }) : none()), (r) => r.id),
    purchaseOrderLinesByPoId: groupLoaderBy(
      (ids) => (tenantId ? prisma.purchaseOrderLine.findMany({ where: { purchaseOrderId: { in: [...ids] }, tenantId }, orderBy: { position: 'asc' } }) : none()),
      (l) => l.purchaseOrderId,
    ),
    receiptsByPoId: groupLoaderBy(
      (ids) => (tenantId ? prisma.goodsReceipt.findMany({ where: { purchaseOrderId: { in: [...ids] }, tenantId }, orderBy: { receivedAt: 'asc' } }) : none()),
      (r) => r.purchaseOrderId,
    ),
    movementsByReceiptId: groupLoaderBy(
      (ids) => (tenantId ? prisma.stockMovement.findMany({ where: { goodsReceiptId: { in: [...ids] }, tenantId }, orderBy: { seq: 'asc' } }) : none()),
      (m) => m.goodsReceiptId!,
    ),
    cycleCountLinesByCountId: groupLoaderBy(
      (ids) => (tenantId ? prisma.cycleCountLine.findMany({ where: { cycleCountId: { in: [...ids] }, tenantId }, orderBy: { sku: 'asc' } }) : none()),
      (l) => l.cycleCountId,
    ),
    movementsByCycleCountId: groupLoaderBy(
      (ids) => (tenantId ? prisma.stockMovement.findMany({ where: { cycleCountId: { in: [...ids] }, tenantId }, orderBy: { seq: 'asc' } }) : none()),
      (m) => m.cycleCountId!,
    ),
    reconciliationLinesById: groupLoaderBy(
      (ids) => (tenantId ? prisma.vanReconciliationLine.findMany({ where: { reconciliationId: { in: [...ids] }, tenantId }, orderBy: { sku: 'asc' } }) : none()),
      (l) => l.reconciliationId,
    ),
    movementsByReconciliationId: groupLoaderBy(
      (ids) => (tenantId ? prisma.stockMovement.findMany({ where: { vanReconciliationId: { in: [...ids] }, tenantId }, orderBy: { seq: 'asc' } }) : none()),
      (m) => m.vanReconciliationId!,
    ),
  };
}
