import { fileURLToPath } from 'node:url';
import { createSubgraph, loadTypeDefs, sdlFilesIn, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { openDatabase, TRANSACTION_OPTIONS } from '@omniroute/db';
import { outboxGauges, startOutboxRelay, type Consumer, type EventBus, type OutboxClient, type OutboxRelay } from '@omniroute/events';
import { PrismaClient } from './generated/prisma/client.ts';
import { createContextFactory, createServices } from './context.ts';
import { seedWorkforce } from './seed.ts';
import { earningsResolvers } from './modules/earnings/resolvers/index.ts';
import { guildResolvers } from './modules/guild/resolvers/index.ts';
import { taskResolvers } from './modules/tasks/resolvers/index.ts';
import { workerResolvers } from './modules/workers/resolvers/index.ts';
import { SOURCE } from './modules/tasks/tasks.service.ts';
import { startTaskConsumers } from './modules/tasks/tasks.consumers.ts';
import { startPayoutConsumers } from './modules/earnings/earnings.consumers.ts';
import { POLICIES } from './policies.ts';

export const SDL_FILES = sdlFilesIn(fileURLToPath(new URL('./modules', import.meta.url)));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/workforce/migrations', import.meta.url));

export interface WorkforceOptions extends SubgraphRuntimeOptions {
  /** Event bus: with it the subgraph consumes shipment/order events and relays its outbox; without it, neither. */
  bus?: EventBus;
  /** Outbox relay poll interval (ms); default 1 000 (the relay is also kicked after every commit that enqueues). */
  relayIntervalMs?: number;
}

/**
 * Builds the workforce subgraph over its database (applies migrations). With a bus, the event consumers and the
 * outbox relay start when it first listens (after any seed, so events never meet a tenant without its settings).
 */
export async function create(opts: WorkforceOptions): Promise<SubgraphRuntime & { prisma: PrismaClient }> {
  const db = await openDatabase({ subgraph: 'workforce', migrationsDir: MIGRATIONS_DIR, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new PrismaClient({ adapter: db.adapter, transactionOptions: TRANSACTION_OPTIONS });
  let relay: OutboxRelay | undefined;
  let consumer: Consumer | undefined;
  let payoutConsumer: Consumer | undefined;
  const kick = () => relay?.kick();
  const services = createServices(prisma, kick);
  const subgraph = createSubgraph({
    name: 'workforce',
    typeDefs: loadTypeDefs(SDL_FILES),
    resolvers: [guildResolvers, workerResolvers, taskResolvers, earningsResolvers],
    policies: POLICIES,
    createContext: createContextFactory(prisma, services),
    secret: opts.secret,
    gauges: outboxGauges(prisma),
  });

  async function startEvents(bus: EventBus) {
    relay ??= startOutboxRelay({ prisma: prisma as unknown as OutboxClient, bus, source: SOURCE, intervalMs: opts.relayIntervalMs });
    consumer ??= await startTaskConsumers(bus, prisma, kick);
    payoutConsumer ??= await startPayoutConsumers(bus, prisma);
  }

  return {
    name: 'workforce',
    async listen(port, host) {
      const running = await subgraph.listen(port, host);
      if (opts.bus) await startEvents(opts.bus);
      return running;
    },
    seed: () => seedWorkforce(prisma, demoPlan()),
    db,
    prisma,
    async close() {
      await consumer?.stop();
      await payoutConsumer?.stop();
      await relay?.stop();
      await prisma.$disconnect();
      await db.close();
    },
  };
}
