import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { ColdChainService } from '../cold-chain/cold-chain.service.ts';
import { VehicleService } from './vehicles.service.ts';
import { createVehicleLoaders } from './vehicles.loaders.ts';
import { vehiclePolicies } from './vehicles.policies.ts';
import { vehicleResolvers } from './resolvers/index.ts';

/** Vehicles and their live positions (published on the bus) and cargo temperatures. */
export const vehiclesModule: KitModule<{ vehicles: VehicleService }, ReturnType<typeof createVehicleLoaders>> = defineModule({
  name: 'vehicles',
  resolvers: vehicleResolvers,
  policies: vehiclePolicies,
  loaders: createVehicleLoaders,
  services: (deps: SubgraphDeps<PrismaClient>, built: { coldChain: ColdChainService }) => ({ vehicles: new VehicleService(deps, built.coldChain) }),
});
