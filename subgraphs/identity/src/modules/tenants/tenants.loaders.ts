import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/** Per-request loaders; a viewer only ever loads its own tenant. */
export function createTenantLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    tenantById: loaderBy(
      (ids) => (viewer ? prisma.tenant.findMany({ where: { id: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (t) => t.id,
    ),
    /** The tenant of a row the caller already holds (e.g. the user who just logged in): keyed by that row's own tenantId. */
    tenantOfRow: loaderBy((ids) => prisma.tenant.findMany({ where: { id: { in: [...ids] } } }), (t) => t.id),
  };
}
