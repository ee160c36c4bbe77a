import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of financing agreements (with their instalments), scoped to the viewer's tenant. */
export function createFinancingLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    financingAgreementById: loaderBy(
      (ids) => (viewer ? prisma.financingAgreement.findMany({ where: { id: { in: [...ids] }, tenantId: viewer.tenantId }, include: { instalments: { orderBy: { sequence: 'asc' } } } }) : Promise.resolve([])),
      (a) => a.id,
    ),
  };
}
