import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { TerritoryService } from './territories.service.ts';
import { createTerritoryLoaders } from './territories.loaders.ts';
import { territoryPolicies } from './territories.policies.ts';
import { territoryResolvers } from './resolvers/index.ts';

/** Territories (polygons), customers' sites and territory, and which reps work which territories. */
export const territoriesModule: KitModule<{ territories: TerritoryService }, ReturnType<typeof createTerritoryLoaders>> = defineModule({
  name: 'territories',
  resolvers: territoryResolvers,
  policies: territoryPolicies,
  loaders: createTerritoryLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ territories: new TerritoryService(deps) }),
});
