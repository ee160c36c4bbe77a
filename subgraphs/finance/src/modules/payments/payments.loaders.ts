import { groupLoaderBy, loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of payments, scoped to the viewer's tenant. */
export function createPaymentLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    paymentById: loaderBy(
      (ids) => (viewer ? prisma.payment.findMany({ where: { id: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (p) => p.id,
    ),
    paymentsByInvoiceId: groupLoaderBy(
      (ids) =>
        viewer
          ? prisma.payment.findMany({ where: { invoiceId: { in: [...ids] }, tenantId: viewer.tenantId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })
          : Promise.resolve([]),
      (p) => p.invoiceId ?? '',
    ),
  };
}
