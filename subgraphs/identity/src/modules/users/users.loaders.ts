import { loaderBy, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';

export function createUserLoaders(prisma: PrismaClient, viewer: Viewer | null) {
  return {
    userById: loaderBy(
      (ids) => (viewer ? prisma.user.findMany({ where: { id: { in: [...ids] }, tenantId: viewer.tenantId } }) : Promise.resolve([])),
      (u) => u.id,
    ),
  };
}
