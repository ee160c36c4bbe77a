import { defineSubgraph, type KitOptions } from '@omniroute/core/kit';
import { demoPlan } from '@omniroute/demo';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedWorkforce } from './seed.ts';
import { guildModule } from './modules/guild/guild.module.ts';
import { workersModule } from './modules/workers/workers.module.ts';
import { taskConsumers, tasksModule } from './modules/tasks/tasks.module.ts';
import { earningsModule, payoutConsumers } from './modules/earnings/earnings.module.ts';

export type WorkforceOptions = KitOptions;

export const workforce = defineSubgraph({
  name: 'workforce',
  modulesDir: new URL('./modules', import.meta.url),
  migrationsDir: new URL('../../../prisma/workforce/migrations', import.meta.url),
  client: PrismaClient,
  outbox: 'workforce',
  modules: [guildModule, workersModule, tasksModule, earningsModule],
  consumers: [taskConsumers, payoutConsumers],
  // after any seed, so events never meet a tenant without its settings
  startEvents: 'listen',
  seed: ({ deps }) => seedWorkforce(deps.prisma, demoPlan()),
});

/** Builds the workforce subgraph over its database (applies migrations); the relay and consumers start when it first listens. */
export const create = (opts: WorkforceOptions) => workforce.create(opts);
export const SDL_FILES = workforce.sdlFiles;
export const MIGRATIONS_DIR = workforce.migrationsDir;
