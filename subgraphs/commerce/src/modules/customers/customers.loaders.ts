import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request customer loaders, tenant-scoped (anonymous: nothing). */
export function createCustomerLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  const tenantId = viewer?.tenantId;
  return {
    customerById: loaderBy(
      (ids) => (tenantId ? prisma.customer.findMany({ where: { id: { in: [...ids] }, tenantId } }) : Promise.resolve([])),
      (c) => c.id,
    ),
  };
}
