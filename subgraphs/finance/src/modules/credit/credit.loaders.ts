import { loaderBy, type Viewer } from '@omniroute/core';
import { byKeysInTenant, sqlFor } from '@omniroute/db';
import type { CreditLine, PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of credit lines, scoped to the viewer's tenant. */
export function createCreditLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const sql = sqlFor(prisma); // hot path: straight on the driver (packages/db fast-sql.ts), same rows as findMany
  return {
    creditLineByCustomerId: loaderBy(
      (ids) => (viewer ? byKeysInTenant<CreditLine>(sql, 'CreditLine', 'customerId', ids, viewer.tenantId) : Promise.resolve([])),
      (l) => l.customerId,
    ),
  };
}
