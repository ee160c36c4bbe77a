import { fileURLToPath } from 'node:url';
import { createSubgraph, loadTypeDefs, sdlFilesIn, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { openDatabase, TRANSACTION_OPTIONS } from '@omniroute/db';
import { outboxGauges, startOutboxRelay, type Consumer, type EventBus, type OutboxRelay, type Reconciler } from '@omniroute/events';
import { PrismaClient } from './generated/prisma/client.ts';
import { createContextFactory, createServices, type LogisticsServices } from './context.ts';
import { SOURCE, type LogisticsDeps } from './lib/deps.ts';
import { seedLogistics } from './seed.ts';
import { territoryResolvers } from './modules/territories/resolvers/index.ts';
import { vehicleResolvers } from './modules/vehicles/resolvers/index.ts';
import { shipmentResolvers } from './modules/shipments/resolvers/index.ts';
import { startShipmentConsumers } from './modules/shipments/shipments.consumers.ts';
import { startDeliveryAckConsumer, startDeliveryReconcilers } from './modules/shipments/shipments.reconcilers.ts';
import { POLICIES } from './policies.ts';
import { routingResolvers } from './modules/routing/resolvers/index.ts';
import { kpiResolvers } from './modules/kpis/resolvers/index.ts';
import type { Solver } from './modules/routing/routing.service.ts';
import { solveInWorker } from './modules/routing/solver-thread.ts';
import { haversineProvider, osrmProvider } from './lib/distance-matrix.ts';
import { beatPlanResolvers } from './modules/beat-plans/resolvers/index.ts';
import { coldChainResolvers } from './modules/cold-chain/resolvers/index.ts';
import { startVisitConsumers } from './modules/beat-plans/beat-plans.consumers.ts';
import { DEFAULT_ESCALATE_AFTER_MINUTES } from './modules/cold-chain/cold-chain.rules.ts';

export const SDL_FILES = sdlFilesIn(fileURLToPath(new URL('./modules', import.meta.url)));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/logistics/migrations', import.meta.url));

export interface LogisticsOptions extends SubgraphRuntimeOptions {
  /** Event bus: with it, the order consumers and the outbox relay run, and positions are published live. */
  bus?: EventBus;
  /** Clock for tests. */
  now?: () => Date;
  /** Outbox relay poll interval (ms); default 1 000. */
  relayIntervalMs?: number;
  /** OSRM base URL for road distances in route planning (default: env OSRM_URL; unset: great circle × road factor). */
  osrmUrl?: string;
  /** The route solver; default: in a worker thread. */
  solver?: Solver;
  /** A delivery neither invoiced nor credited to its rider this long has its event re-sent (shipments.reconcilers.ts); default 5 minutes. */
  reconcileAfterMs?: number;
  /** How often the delivery reconcilers run (default: half of reconcileAfterMs, 1 s–1 min); 0: only on demand. */
  reconcileIntervalMs?: number;
  /** Minutes a cold-chain alert may stay unacknowledged before it escalates (default: env COLD_CHAIN_ESCALATE_AFTER_MINUTES, else 15). */
  coldChainEscalateAfterMinutes?: number;
  /** How often the escalation sweep runs (ms; default: env COLD_CHAIN_SWEEP_MS, else 30 000; 0: never, tests call escalateDue). */
  coldChainSweepMs?: number;
}

export type LogisticsRuntime = SubgraphRuntime & { prisma: PrismaClient; services: LogisticsServices; reconcilers: Reconciler[] };

/** Builds the logistics subgraph over its database (applies migrations); `listen` serves it. */
export async function create(opts: LogisticsOptions): Promise<LogisticsRuntime> {
  const db = await openDatabase({ subgraph: 'logistics', migrationsDir: MIGRATIONS_DIR, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new PrismaClient({ adapter: db.adapter, transactionOptions: TRANSACTION_OPTIONS });
  let relay: OutboxRelay | null = null;
  const deps: LogisticsDeps = { prisma, bus: opts.bus ?? null, outboxWritten: () => relay?.kick(), now: opts.now ?? (() => new Date()) };
  const osrmUrl = opts.osrmUrl ?? process.env.OSRM_URL;
  const envNumber = (name: string) => (process.env[name] && Number.isFinite(Number(process.env[name])) ? Number(process.env[name]) : undefined);
  const escalateAfterMinutes = opts.coldChainEscalateAfterMinutes ?? envNumber('COLD_CHAIN_ESCALATE_AFTER_MINUTES') ?? DEFAULT_ESCALATE_AFTER_MINUTES;
  const sweepMs = opts.coldChainSweepMs ?? envNumber('COLD_CHAIN_SWEEP_MS') ?? 30_000;
  const services = createServices({ ...deps, distances: osrmUrl ? osrmProvider(osrmUrl) : haversineProvider, solver: opts.solver ?? solveInWorker, escalateAfterMinutes });
  const subgraph = createSubgraph({
    name: 'logistics',
    typeDefs: loadTypeDefs(SDL_FILES),
    resolvers: [territoryResolvers, vehicleResolvers, shipmentResolvers, routingResolvers, kpiResolvers, beatPlanResolvers, coldChainResolvers],
    policies: POLICIES,
    createContext: createContextFactory(deps, services),
    secret: opts.secret,
    gauges: outboxGauges(prisma),
    reconcilers: () => reconcilers.map((r) => r.stats()),
  });

  let consumer: Consumer | null = null;
  let acks: Consumer | null = null;
  let reconcilers: Reconciler[] = [];
  let visits: Consumer | null = null;
  if (opts.bus) {
    try {
      relay = startOutboxRelay({ prisma: prisma as never, bus: opts.bus, source: SOURCE, intervalMs: opts.relayIntervalMs });
      consumer = await startShipmentConsumers({ bus: opts.bus, prisma, shipments: services.shipments, territories: services.territories, outboxWritten: deps.outboxWritten });
      visits = await startVisitConsumers({ bus: opts.bus, prisma, beatPlans: services.beatPlans });
      acks = await startDeliveryAckConsumer(opts.bus, prisma);
      reconcilers = startDeliveryReconcilers({ prisma, kick: deps.outboxWritten, stuckAfterMs: opts.reconcileAfterMs, intervalMs: opts.reconcileIntervalMs });
    } catch (error) {
      await consumer?.stop();
      await relay?.stop();
      await prisma.$disconnect();
      await db.close();
      throw error;
    }
  }

  // cold-chain alerts nobody acknowledged escalate on a timer (a system job across tenants)
  const escalation = sweepMs > 0 ? services.coldChain.startEscalation(sweepMs) : null;

  return {
    name: 'logistics',
    listen: subgraph.listen,
    seed: () => seedLogistics(prisma, demoPlan()),
    db,
    prisma,
    services,
    reconcilers,
    async close() {
      // Reconcilers, consumers and jobs first (they write the outbox), then the relay, then the database.
      for (const r of reconcilers) await r.stop();
      await acks?.stop();
      await escalation?.stop();
      await visits?.stop();
      await consumer?.stop();
      await relay?.stop();
      await prisma.$disconnect();
      await db.close();
    },
  };
}
