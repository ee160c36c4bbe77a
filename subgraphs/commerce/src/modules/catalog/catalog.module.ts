import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { CatalogService } from './catalog.service.ts';
import { createCatalogLoaders } from './catalog.loaders.ts';
import { catalogPolicies } from './catalog.policies.ts';
import { catalogResolvers } from './resolvers/index.ts';

/** Products, variants and categories. */
export const catalogModule: KitModule<{ catalog: CatalogService }, ReturnType<typeof createCatalogLoaders>> = defineModule({
  name: 'catalog',
  resolvers: catalogResolvers,
  policies: catalogPolicies,
  loaders: createCatalogLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ catalog: new CatalogService(deps.prisma) }),
});
