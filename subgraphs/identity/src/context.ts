import type { InternalContext, Viewer } from '@omniroute/core';
import type { PrismaClient } from './generated/prisma/client.ts';
import { TenantService } from './modules/tenants/tenants.service.ts';
import { UserService } from './modules/users/users.service.ts';
import { PartnerAppService } from './modules/partner-apps/partner-apps.service.ts';
import { ApiKeyService } from './modules/api-keys/api-keys.service.ts';
import type { IdentityChanges } from './modules/api-keys/identity-changes.ts';
import type { LoginThrottle } from './modules/users/login-throttle.ts';
import { createTenantLoaders } from './modules/tenants/tenants.loaders.ts';
import { createUserLoaders } from './modules/users/users.loaders.ts';
import { createPartnerAppLoaders } from './modules/partner-apps/partner-apps.loaders.ts';

export interface IdentityDeps {
  prisma: PrismaClient;
  jwtSecret: string;
  changes: IdentityChanges;
  loginThrottle: LoginThrottle;
}

/** Read-only per-request context: who calls, the services, and this request's DataLoaders. */
export interface IdentityContext {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  /** 'gateway' when the gateway signed this request as its own internal call (API key lookups); null for clients. */
  readonly internalCaller: string | null;
  /** The client's address as the gateway saw it (signed with the context); null for calls without one. */
  readonly clientIp: string | null;
  readonly services: { tenants: TenantService; users: UserService; partnerApps: PartnerAppService; apiKeys: ApiKeyService };
  readonly loaders: ReturnType<typeof createTenantLoaders> & ReturnType<typeof createUserLoaders> & ReturnType<typeof createPartnerAppLoaders>;
}

export function createContextFactory(deps: IdentityDeps) {
  const partnerApps = new PartnerAppService(deps.prisma, deps.changes);
  const services = {
    tenants: new TenantService(deps.prisma),
    users: new UserService(deps.prisma, deps.jwtSecret, deps.loginThrottle),
    partnerApps,
    apiKeys: new ApiKeyService(deps.prisma, partnerApps, deps.changes),
  };
  return (internal: InternalContext): IdentityContext => {
    const viewer = internal.viewer;
    return Object.freeze({
      requestId: internal.requestId,
      viewer,
      // the claim is inside the HMAC-signed context: only a holder of the signing secret (the gateway) can set it
      internalCaller: internal.caller === 'gateway' ? 'gateway' : null,
      clientIp: typeof internal.clientIp === 'string' && internal.clientIp ? internal.clientIp : null,
      services,
      loaders: { ...createTenantLoaders(deps.prisma, viewer), ...createUserLoaders(deps.prisma, viewer), ...createPartnerAppLoaders(deps.prisma, viewer) },
    });
  };
}
