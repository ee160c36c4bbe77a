import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders of the ledger, scoped to the viewer's tenant. */
export function createLedgerLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    postingById: loaderBy(
      (ids) => (viewer ? prisma.ledgerPosting.findMany({ where: { id: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (p) => p.id,
    ),
  };
}
