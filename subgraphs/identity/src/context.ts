import type { InternalContext, Viewer } from '@omniroute/core';
import type { PrismaClient } from './generated/prisma/client.ts';
import { TenantService } from './modules/tenants/tenants.service.ts';
import { UserService } from './modules/users/users.service.ts';
import { createTenantLoaders } from './modules/tenants/tenants.loaders.ts';
import { createUserLoaders } from './modules/users/users.loaders.ts';

export interface IdentityDeps {
  prisma: PrismaClient;
  jwtSecret: string;
}

/** Read-only per-request context: who calls, the services, and this request's DataLoaders. */
export interface IdentityContext {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  readonly services: { tenants: TenantService; users: UserService };
  readonly loaders: ReturnType<typeof createTenantLoaders> & ReturnType<typeof createUserLoaders>;
}

export function createContextFactory(deps: IdentityDeps) {
  const services = { tenants: new TenantService(deps.prisma), users: new UserService(deps.prisma, deps.jwtSecret) };
  return (internal: InternalContext): IdentityContext => {
    const viewer = internal.viewer;
    return Object.freeze({
      requestId: internal.requestId,
      viewer,
      services,
      loaders: { ...createTenantLoaders(deps.prisma, viewer), ...createUserLoaders(deps.prisma, viewer) },
    });
  };
}
