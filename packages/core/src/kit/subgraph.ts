import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDatabase, sqlTransactionFor, TRANSACTION_OPTIONS, type Database } from '@omniroute/db';
import { outboxGauges, startOutboxRelay, type Consumer, type EventBus, type OutboxRelay, type Reconciler, type SqlTx, type WriteGate } from '@omniroute/events';
import type { InternalContext, Viewer } from '../context.ts';
import { mergePolicies, type PolicyTable } from '../policy.ts';
import type { SubgraphRuntime, SubgraphRuntimeOptions } from '../runtime.ts';
import { createSubgraph, loadTypeDefs, sdlFilesIn, type SubgraphRoute } from '../subgraph-server.ts';
import type { LoadersOf, ModuleDefinition, ServicesOf, SubgraphDeps } from './module.ts';
import { createScope, type KitContext } from './scope.ts';
import type { Stoppable } from './shared.ts';

/** Options every kit subgraph takes (each subgraph adds its own). */
export interface KitOptions extends SubgraphRuntimeOptions {
  /** Event bus: with it the outbox relay and the consumers run; without it, neither. */
  bus?: EventBus;
  /** Clock for tests. */
  now?: () => Date;
  /** Writes wait while events are behind (@omniroute/events createWriteGate): every Mutation of a subgraph with an outbox. */
  writeGate?: WriteGate;
}

/** What the lifecycle hooks of a subgraph see once its services are built. */
export interface Started<Opts, Deps, Services> {
  readonly opts: Opts;
  readonly deps: Deps;
  readonly services: Services;
  readonly bus: EventBus | null;
}

type Db = { $disconnect(): Promise<void> };
type Hook<Opts, Deps, Services, T> = (s: Started<Opts, Deps, Services>) => T;

export interface SubgraphDefinition<Opts extends KitOptions, Deps extends SubgraphDeps<P>, P extends Db, M extends readonly ModuleDefinition[]> {
  readonly name: string;
  /** The modules folder (`new URL('./modules', import.meta.url)`): the SDL is every `.graphql` file under it. */
  readonly modulesDir: URL;
  /** The subgraph's migrations (prisma/<name>/migrations). */
  readonly migrationsDir: URL;
  /** The generated Prisma client class of the subgraph. */
  readonly client: new (o: { adapter: Database['adapter']; transactionOptions: typeof TRANSACTION_OPTIONS }) => P;
  /** In the order their services are built (a module's service factory sees the services of the modules before it). */
  readonly modules: M;
  /** The outbox `source` of this subgraph's events: with a bus, the relay publishes them. */
  readonly outbox?: string;
  /** More shared dependencies built from the options (providers, secrets...); `onClose` registers their clean-up. */
  readonly deps?: (base: SubgraphDeps<P>, opts: Opts, onClose: (close: () => Promise<void> | void) => void) => Deps;
  /** Event consumers, started only with a bus. */
  readonly consumers?: Hook<Opts, Deps, ServicesOf<M>, Promise<Consumer>>[];
  /** Background jobs (`every(...)` of the kit); null: not started with these options. */
  readonly jobs?: Hook<Opts, Deps, ServicesOf<M>, Stoppable | null>[];
  /** Reconcilers; their stats are exported on /metrics. */
  readonly reconcilers?: Hook<Opts, Deps, ServicesOf<M>, Reconciler[]>;
  /** Plain HTTP routes beside /graphql (signed by the gateway like GraphQL requests). */
  readonly routes?: Hook<Opts, Deps, ServicesOf<M>, Record<string, SubgraphRoute>>;
  /**
   * Writes the subgraph's part of the demo plan; does nothing when already seeded. Its rows must follow from the
   * source and the day alone: an in-memory database loads them from a seeded template (`seedTemplateKey`).
   */
  readonly seed: Hook<Opts, Deps, ServicesOf<M>, Promise<void>>;
  /** The part of the demo that depends on this start's options (e.g. accounts on this run's provider sandbox), run after `seed`. */
  readonly seedLive?: Hook<Opts, Deps, ServicesOf<M>, Promise<void>>;
  /** More members of the runtime `create` returns (e.g. identity's change feed, which the gateway subscribes to). */
  readonly expose?: Hook<Opts, Deps, ServicesOf<M>, object>;
  /** When the relay and consumers start: at create (default) or at the first listen (after any seed). */
  readonly startEvents?: 'create' | 'listen';
}

export type KitRuntime<Deps, P, Services> = SubgraphRuntime & { prisma: P; deps: Deps; services: Services; reconcilers: Reconciler[] };

/** A declared subgraph: its merged policy table and `create(opts)`, which opens the database and builds everything. */
export interface DefinedSubgraph<Opts extends KitOptions, Deps, P, Services, Loaders, M extends readonly ModuleDefinition[] = readonly ModuleDefinition[]> {
  readonly name: string;
  readonly modules: M;
  readonly policies: PolicyTable;
  readonly sdlFiles: string[];
  readonly migrationsDir: string;
  /** The resolver context type of this subgraph (type only). */
  readonly context: KitContext<Services, Loaders, P>;
  create(opts: Opts): Promise<KitRuntime<Deps, P, Services>>;
}

/** Declares a subgraph from its modules, consumers and jobs: the one wiring every subgraph shares. */
export function defineSubgraph<Opts extends KitOptions, P extends Db, Deps extends SubgraphDeps<P>, const M extends readonly ModuleDefinition[]>(
  def: SubgraphDefinition<Opts, Deps, P, M>,
): DefinedSubgraph<Opts, Deps, P, ServicesOf<M>, LoadersOf<M>, M> {
  const policies = mergePolicies(def.modules.flatMap((m) => (m.policies ? [m.policies] : [])));
  const sdlFiles = sdlFilesIn(fileURLToPath(def.modulesDir));
  const migrationsDir = fileURLToPath(def.migrationsDir);
  return {
    name: def.name,
    modules: def.modules,
    policies,
    sdlFiles,
    migrationsDir,
    context: undefined as never,
    create: (opts) => createRuntime(def, opts, { policies, sdlFiles, migrationsDir }),
  };
}

async function createRuntime<Opts extends KitOptions, P extends Db, Deps extends SubgraphDeps<P>, M extends readonly ModuleDefinition[]>(
  def: SubgraphDefinition<Opts, Deps, P, M>,
  opts: Opts,
  built: { policies: PolicyTable; sdlFiles: string[]; migrationsDir: string },
): Promise<KitRuntime<Deps, P, ServicesOf<M>>> {
  const db = await openDatabase({ subgraph: def.name, migrationsDir: built.migrationsDir, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new def.client({ adapter: db.adapter, transactionOptions: TRANSACTION_OPTIONS });
  const closers: (() => Promise<void> | void)[] = [];
  const stoppables: Stoppable[] = [];
  let relay: OutboxRelay | undefined;
  const base: SubgraphDeps<P> = { prisma, bus: opts.bus ?? null, outboxWritten: (written) => relay?.kick(written), now: opts.now ?? (() => new Date()) };
  const deps = def.deps ? def.deps(base, opts, (c) => closers.push(c)) : (base as Deps);
  const services = buildServices(def.modules, deps) as ServicesOf<M>;
  const started: Started<Opts, Deps, ServicesOf<M>> = { opts, deps, services, bus: opts.bus ?? null };
  let reconcilers: Reconciler[] = [];
  const close = async () => {
    // reconcilers, jobs and consumers first (they write the outbox), then the relay, then the database
    for (const r of reconcilers) await r.stop();
    for (const s of stoppables.splice(0).reverse()) await s.stop();
    await relay?.stop();
    for (const c of closers.splice(0)) await c();
    await prisma.$disconnect();
    await db.close();
  };
  let eventsStarted = false;
  const startEvents = async () => {
    if (!opts.bus || eventsStarted) return;
    eventsStarted = true;
    if (def.outbox) relay = startOutboxRelay({ prisma: prisma as never, sql: { run: db.query, transaction: sqlTransactionFor(prisma as never) as SqlTx }, bus: opts.bus, source: def.outbox, intervalMs: opts.relayIntervalMs });
    for (const consumer of def.consumers ?? []) stoppables.push(await consumer(started));
  };
  try {
    if (def.startEvents !== 'listen') await startEvents();
    reconcilers = def.reconcilers?.(started) ?? [];
    for (const job of def.jobs ?? []) {
      const s = job(started);
      if (s) stoppables.push(s);
    }
  } catch (error) {
    await close();
    throw error;
  }
  const loadersFor = lazyLoaders(def.modules, prisma);
  const subgraph = createSubgraph({
    name: def.name,
    typeDefs: loadTypeDefs(built.sdlFiles),
    resolvers: def.modules.flatMap((m) => (m.resolvers ? [m.resolvers] : [])),
    policies: built.policies,
    createContext: (internal: InternalContext) => Object.freeze({ ...createScope(internal, prisma, loadersFor(internal)), services }),
    secret: opts.secret,
    gauges: def.outbox ? outboxGauges(prisma as never) : undefined,
    routes: def.routes?.(started),
    reconcilers: () => reconcilers.map((r) => r.stats()),
    writeGate: def.outbox ? opts.writeGate : undefined,
  });
  return {
    ...def.expose?.(started),
    name: def.name,
    async listen(port, host) {
      const running = await subgraph.listen(port, host);
      await startEvents();
      return running;
    },
    async seed() {
      const key = db.seeded && seedTemplateKey(def.name, fileURLToPath(def.modulesDir), built.migrationsDir);
      if (key) await db.seeded!(key, () => def.seed(started));
      else await def.seed(started);
      await def.seedLive?.(started);
    },
    db,
    prisma,
    deps,
    services,
    get reconcilers() {
      return reconcilers;
    },
    close,
  };
}

const fingerprints = new Map<string, string>();

/**
 * What a seed's rows depend on: the subgraph's source (its seed and the services it may call), the demo plan, the
 * kit, the migrations, and the day (seeds stamp some rows with the time). Undefined where the sources are not there
 * to read (a bundle): then the seed runs every time.
 */
function seedTemplateKey(name: string, modulesDir: string, migrationsDir: string): string | undefined {
  const dirs = [dirname(modulesDir), fileURLToPath(new URL('../../../demo/src', import.meta.url)), fileURLToPath(new URL('..', import.meta.url)), migrationsDir];
  if (!dirs.every((d) => existsSync(d))) return undefined;
  const hash = createHash('sha256').update(name).update(new Date().toISOString().slice(0, 10));
  for (const dir of dirs) {
    let fp = fingerprints.get(dir);
    if (!fp) {
      const h = createHash('sha256');
      const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
        .filter((e) => e.isFile() && !e.parentPath.includes('node_modules'))
        .map((e) => join(e.parentPath, e.name))
        .sort();
      for (const f of files) h.update(relative(dir, f)).update('\0').update(readFileSync(f)).update('\0');
      fingerprints.set(dir, (fp = h.digest('hex')));
    }
    hash.update(fp);
  }
  return hash.digest('hex');
}

function buildServices(modules: readonly ModuleDefinition[], deps: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const m of modules) Object.assign(out, m.services?.(deps, out));
  return out;
}

/**
 * One set of loaders per request: every service call of the request shares their batches. A module's loaders are
 * built when the request first touches one of them (issue 17: an OrderDetail used to build every module's, 56
 * DataLoaders over four subgraphs, to use about ten). The names come from building each module's set once here,
 * without a viewer; as with merging the sets, a later module's loader of the same name wins.
 */
export function lazyLoaders(modules: readonly ModuleDefinition[], prisma: unknown): (internal: InternalContext) => object {
  const SETS = Symbol('loader sets');
  const VIEWER = Symbol('viewer');
  class RequestLoaders {
    // symbols: no loader name can shadow them
    readonly [SETS]: (Record<string, unknown> | undefined)[] = [];
    readonly [VIEWER]: Viewer | null;
    constructor(viewer: Viewer | null) {
      this[VIEWER] = viewer;
    }
  }
  modules.forEach((m, i) => {
    if (!m.loaders) return;
    for (const name of Object.keys(m.loaders(prisma as never, null))) {
      Object.defineProperty(RequestLoaders.prototype, name, {
        configurable: true,
        enumerable: true,
        get(this: RequestLoaders) {
          return (this[SETS][i] ??= m.loaders!(prisma as never, this[VIEWER]) as Record<string, unknown>)[name];
        },
      });
    }
  });
  return (internal) => new RequestLoaders(internal.viewer);
}
