import type { Viewer } from '@omniroute/core';
import { tenantRowLoaders } from '@omniroute/core/kit';
import type { Customer, PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request customer loaders, tenant-scoped (anonymous: nothing). */
export function createCustomerLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const rows = tenantRowLoaders(prisma, viewer?.tenantId); // hot path: straight on the driver
  return {
    customerById: rows.byKey<Customer>('Customer', (c) => c.id),
  };
}
