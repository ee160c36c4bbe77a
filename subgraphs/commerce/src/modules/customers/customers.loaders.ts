import { loaderBy, type Viewer } from '@omniroute/core';
import { byKeysInTenant, sqlFor } from '@omniroute/db';
import type { Customer, PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request customer loaders, tenant-scoped (anonymous: nothing). */
export function createCustomerLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  const sql = sqlFor(prisma); // hot path: straight on the driver (packages/db fast-sql.ts), same rows as findMany
  return {
    customerById: loaderBy(
      (ids) => (tenantId ? byKeysInTenant<Customer>(sql, 'Customer', 'id', ids, tenantId) : Promise.resolve([])),
      (c) => c.id,
    ),
  };
}
