import { defineSubgraph, type KitOptions, type SubgraphDeps } from '@omniroute/core/kit';
import { demoPlan } from '@omniroute/demo';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedLogistics } from './seed.ts';
import { territoriesModule } from './modules/territories/territories.module.ts';
import { coldChainModule, escalateAfterMinutes, escalationJob, type ColdChainOptions } from './modules/cold-chain/cold-chain.module.ts';
import { vehiclesModule } from './modules/vehicles/vehicles.module.ts';
import { deliveryAckConsumer, deliveryReconcilers, shipmentConsumers, shipmentsModule, type ShipmentsOptions } from './modules/shipments/shipments.module.ts';
import { routingDeps, routingModule, type RoutingOptions } from './modules/routing/routing.module.ts';
import { kpisModule } from './modules/kpis/kpis.module.ts';
import { beatPlansModule, visitConsumers } from './modules/beat-plans/beat-plans.module.ts';

export type LogisticsOptions = KitOptions & RoutingOptions & ShipmentsOptions & ColdChainOptions;

export const logistics = defineSubgraph({
  name: 'logistics',
  modulesDir: new URL('./modules', import.meta.url),
  migrationsDir: new URL('../../../prisma/logistics/migrations', import.meta.url),
  client: PrismaClient,
  outbox: 'logistics',
  deps: (base: SubgraphDeps<PrismaClient>, opts: LogisticsOptions) => ({ ...base, ...routingDeps(opts), escalateAfterMinutes: escalateAfterMinutes(opts) }),
  // in the order their services are built (vehicles take cold-chain's)
  modules: [territoriesModule, coldChainModule, vehiclesModule, shipmentsModule, routingModule, kpisModule, beatPlansModule],
  consumers: [shipmentConsumers, visitConsumers, deliveryAckConsumer],
  reconcilers: deliveryReconcilers,
  jobs: [escalationJob],
  seed: ({ deps }) => seedLogistics(deps.prisma, demoPlan()),
});

/** Builds the logistics subgraph over its database (applies migrations); `listen` serves it. */
export const create = (opts: LogisticsOptions) => logistics.create(opts);
export type LogisticsRuntime = Awaited<ReturnType<typeof create>>;
export const SDL_FILES = logistics.sdlFiles;
export const MIGRATIONS_DIR = logistics.migrationsDir;
