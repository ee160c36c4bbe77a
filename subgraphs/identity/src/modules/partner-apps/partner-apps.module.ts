import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { IdentityDeps } from '../users/users.module.ts';
import { PartnerAppService } from './partner-apps.service.ts';
import { createPartnerAppLoaders } from './partner-apps.loaders.ts';
import { partnerAppPolicies } from './partner-apps.policies.ts';
import { partnerAppResolvers } from './resolvers/index.ts';

/** Partner apps: their manifests (scopes, limits, persisted operations), announced to every gateway. */
export const partnerAppsModule: KitModule<{ partnerApps: PartnerAppService }, ReturnType<typeof createPartnerAppLoaders>> = defineModule({
  name: 'partner-apps',
  resolvers: partnerAppResolvers,
  policies: partnerAppPolicies,
  loaders: createPartnerAppLoaders,
  services: (deps: IdentityDeps) => ({ partnerApps: new PartnerAppService(deps.prisma, deps.changes) }),
});
