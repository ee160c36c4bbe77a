import { loaderBy, type Viewer } from '@omniroute/core';
import { byKeysInTenant, sqlFor } from '@omniroute/db';
import type { Invoice, PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of invoices, scoped to the viewer's tenant (another tenant's id loads null). */
export function createInvoiceLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const sql = sqlFor(prisma); // hot paths: straight on the driver (packages/db fast-sql.ts), same rows as findMany
  return {
    invoiceById: loaderBy(
      (ids) => (viewer ? byKeysInTenant<Invoice>(sql, 'Invoice', 'id', ids, viewer.tenantId) : Promise.resolve([])),
      (i) => i.id,
    ),
    invoiceByOrderId: loaderBy(
      (ids) => (viewer ? byKeysInTenant<Invoice>(sql, 'Invoice', 'orderId', ids, viewer.tenantId) : Promise.resolve([])),
      (i) => i.orderId,
    ),
  };
}
