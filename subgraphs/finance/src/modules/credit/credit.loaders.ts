import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of credit lines, scoped to the viewer's tenant. */
export function createCreditLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    creditLineByCustomerId: loaderBy(
      (ids) => (viewer ? prisma.creditLine.findMany({ where: { customerId: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (l) => l.customerId,
    ),
  };
}
