import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { IdentityDeps } from '../users/users.module.ts';
import type { PartnerAppService } from '../partner-apps/partner-apps.service.ts';
import { ApiKeyService } from './api-keys.service.ts';
import { apiKeyPolicies } from './api-keys.policies.ts';
import { apiKeyResolvers } from './resolvers/index.ts';

/** API keys of partner apps: issued, looked up by the gateway, revoked (revocations reach every gateway at once). */
export const apiKeysModule: KitModule<{ apiKeys: ApiKeyService }> = defineModule({
  name: 'api-keys',
  resolvers: apiKeyResolvers,
  policies: apiKeyPolicies,
  services: (deps: IdentityDeps, built: { partnerApps: PartnerAppService }) => ({ apiKeys: new ApiKeyService(deps.prisma, built.partnerApps, deps.changes) }),
});
