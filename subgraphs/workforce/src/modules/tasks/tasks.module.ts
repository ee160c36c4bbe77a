import { defineModule, type KitModule, type Started, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { TaskService } from './tasks.service.ts';
import { startTaskConsumers } from './tasks.consumers.ts';
import { taskPolicies } from './tasks.policies.ts';
import { taskResolvers } from './resolvers/index.ts';

/** The task marketplace: tasks made from shipments, bids, awards, completion and ratings. */
export const tasksModule: KitModule<{ tasks: TaskService }> = defineModule({
  name: 'tasks',
  resolvers: taskResolvers,
  policies: taskPolicies,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ tasks: new TaskService(deps.prisma, deps.outboxWritten) }),
});

export const taskConsumers = ({ bus, deps }: Started<unknown, SubgraphDeps<PrismaClient>, unknown>) => startTaskConsumers(bus!, deps.prisma, deps.outboxWritten);
