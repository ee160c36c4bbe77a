import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { InventoryService } from './inventory.service.ts';
import { createInventoryLoaders } from './inventory.loaders.ts';
import { inventoryPolicies } from './inventory.policies.ts';
import { inventoryResolvers } from './resolvers/index.ts';

/** Locations and stock levels. */
export const inventoryModule: KitModule<{ inventory: InventoryService }, ReturnType<typeof createInventoryLoaders>> = defineModule({
  name: 'inventory',
  resolvers: inventoryResolvers,
  policies: inventoryPolicies,
  loaders: createInventoryLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ inventory: new InventoryService(deps.prisma) }),
});
