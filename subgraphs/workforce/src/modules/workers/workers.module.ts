import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { WorkerService } from './workers.service.ts';
import { createLoaders } from './workers.loaders.ts';
import { workerPolicies } from './workers.policies.ts';
import { workerResolvers } from './resolvers/index.ts';

/** Workers (riders and field staff): KYC, levels, and the per-request loaders of their tasks and ledger. */
export const workersModule: KitModule<{ workers: WorkerService }, ReturnType<typeof createLoaders>> = defineModule({
  name: 'workers',
  resolvers: workerResolvers,
  policies: workerPolicies,
  loaders: createLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ workers: new WorkerService(deps.prisma) }),
});
