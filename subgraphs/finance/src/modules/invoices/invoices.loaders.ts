import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of invoices, scoped to the viewer's tenant (another tenant's id loads null). */
export function createInvoiceLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    invoiceById: loaderBy(
      (ids) => (viewer ? prisma.invoice.findMany({ where: { id: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (i) => i.id,
    ),
    invoiceByOrderId: loaderBy(
      (ids) => (viewer ? prisma.invoice.findMany({ where: { orderId: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (i) => i.orderId,
    ),
  };
}
