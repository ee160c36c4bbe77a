import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { IdentityDeps } from '../users/users.module.ts';
import { TenantService } from './tenants.service.ts';
import { createTenantLoaders } from './tenants.loaders.ts';
import { tenantPolicies } from './tenants.policies.ts';
import { tenantResolvers } from './resolvers/index.ts';

/** Tenants (one distributor each) and their settings. */
export const tenantsModule: KitModule<{ tenants: TenantService }, ReturnType<typeof createTenantLoaders>> = defineModule({
  name: 'tenants',
  resolvers: tenantResolvers,
  policies: tenantPolicies,
  loaders: createTenantLoaders,
  services: (deps: IdentityDeps) => ({ tenants: new TenantService(deps.prisma) }),
});
