// The distributed topology the chaos suite runs and breaks: a throw-away Postgres database (one PG schema per
// subgraph, as in production), a Redis of its own on a free port (never the machine's shared one), each subgraph in
// its own process and two gateway replicas — the same entry points as a deployment (subgraphs/*/src/index.ts,
// gateway/src/index.ts). Every process is ours: they are stopped by pid, never by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase, freePort, testSecrets } from '@omniroute/testkit';
import { cpuTicks, sleep, startChild, stopChild, until, type Started } from '../bench/lib/proc.ts';
import { bundleEntries } from './bundle.ts';
import { seededDatabase } from './seeded-database.ts';

export const SUBGRAPHS = ['identity', 'commerce', 'logistics', 'finance', 'workforce'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

export interface TopologyOptions {
  /** How long a reconciler lets work wait before repairing it (ms); short, so that repairs happen within the run. */
  reconcileAfterMs: number;
  /** How long a killed consumer's events wait before a live member takes them (ms). */
  busIdleTimeoutMs: number;
  /** Run the entry points through tsx instead of the bundles (slower start; for debugging with source positions). */
  fromSource?: boolean;
  log: (line: string) => void;
}

interface Proc {
  name: string;
  port: number;
  env: Record<string, string>;
  script: string;
  ready: () => Promise<boolean>;
  child?: Started;
  starts: number;
}

export interface Topology {
  databaseUrl: string;
  databaseName: string;
  redisUrl: string;
  metricsToken: string;
  gateways: string[];
  subgraphUrl(name: SubgraphName): string;
  /** SIGKILL (no drain, no cleanup), like a crashed node or an OOM kill. */
  kill(name: string): void;
  /** Starts a killed (or stopped) process again on its port and waits until it serves. Resolves with the time it took. */
  restart(name: string): Promise<number>;
  /** Redis killed and started again without persistence: every stream, group and key is gone. */
  restartRedis(downMs: number): Promise<number>;
  /** pg_terminate_backend on every connection to the suite's database (and only it). Resolves with how many. */
  terminatePostgresConnections(): Promise<number>;
  /** Processes that died without being killed by the suite. */
  unexpectedExits(): string[];
  /** Pids the suite started that are alive. */
  pids(): Record<string, number | undefined>;
  close(keepDatabase?: boolean): Promise<void>;
}

const ROOT_NODE_FLAGS = ['--import', 'tsx'];

async function httpOk(url: string, headers: Record<string, string> = {}): Promise<boolean> {
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

/** The entry points to run, by process name: the bundles (built when out of date), or the sources. */
function entryScripts(opts: TopologyOptions): Record<string, string> | Promise<Record<string, string>> {
  return opts.fromSource
    ? Object.fromEntries([...SUBGRAPHS.map((n) => [n, `subgraphs/${n}/src/index.ts`]), ['gateway', 'gateway/src/index.ts']])
    : bundleEntries(Object.fromEntries([...SUBGRAPHS.map((n) => [n, `subgraphs/${n}/src/index.ts`]), ['gateway', 'gateway/src/index.ts']]), opts.log);
}

/** Polls the Redis just started until it answers PING. */
async function waitForRedis(redisUrl: string, redis: Started): Promise<void> {
  const { Redis } = await import('ioredis');
  await until(async () => {
    const c = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => undefined); // not up yet: the next poll tries again
    try {
      await c.connect();
      return (await c.ping()) === 'PONG';
    } finally {
      c.disconnect();
    }
  }, 10_000, 'redis', redis);
}

/**
 * Each subgraph migrates and seeds its schema of `url` (no Redis: the seed's events wait in the outbox), then
 * stops. One at a time: on 2 busy cores seeds side by side outlast a seed transaction's 30 s.
 */
async function seedTemplate(url: string, scripts: Record<string, string>, common: Record<string, string>, auth: Record<string, string>): Promise<void> {
  for (const name of SUBGRAPHS) {
    const port = await freePort();
    const child = startChild(`seed-${name}`, process.execPath, [scripts[name]!], { env: { ...common, DATABASE_URL: url, REDIS_URL: '', SEED: '1', PORT: String(port) } });
    try {
      await until(() => httpOk(`http://127.0.0.1:${port}/metrics`, auth), 300_000, `seeding ${name}`, child);
    } finally {
      await stopChild(child, 10_000);
    }
  }
}

/** pg_terminate_backend on every connection to the database of `url` but this one; how many were terminated. */
async function terminatePostgresConnections(url: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const r = await admin.query('SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [new URL(url).pathname.slice(1)]);
    return r.rows.filter((row: { t: boolean }) => row.t).length;
  } finally {
    await admin.end();
  }
}

/** The subgraphs and the two gateway replicas, each on a free port, into `procs` (not started); the gateways' URLs. */
async function declareProcs(
  procs: Map<string, Proc>, scripts: Record<string, string>, common: Record<string, string>, auth: Record<string, string>, opts: TopologyOptions, seedInRun: boolean,
): Promise<string[]> {
  for (const name of SUBGRAPHS) {
    const port = await freePort();
    procs.set(name, {
      name, port, script: scripts[name]!, starts: 0,
      env: { ...common, ...(seedInRun ? { SEED: '1' } : {}), RECONCILE_AFTER_MS: String(opts.reconcileAfterMs), EVENT_BUS_IDLE_TIMEOUT_MS: String(opts.busIdleTimeoutMs) },
      ready: () => httpOk(`http://127.0.0.1:${port}/metrics`, auth),
    });
  }
  // The gateways need no subgraph to start (the supergraph is composed at build time): they start beside them.
  const subgraphs = [...procs.values()];
  const subgraphUrls = Object.fromEntries(subgraphs.map((p) => [`SUBGRAPH_URL_${p.name.toUpperCase()}`, `http://127.0.0.1:${p.port}/graphql`]));
  const gateways: string[] = [];
  for (const name of ['gateway-a', 'gateway-b']) {
    const port = await freePort();
    const p: Proc = {
      name, port, script: scripts.gateway!, starts: 0, env: { ...common, ...subgraphUrls, GATEWAY_WORKERS: '1' },
      // /ready: 200 once this replica reaches every subgraph (503 naming the ones down before)
      ready: () => httpOk(`http://127.0.0.1:${port}/ready`),
    };
    procs.set(name, p);
    gateways.push(`http://127.0.0.1:${port}/graphql`);
  }
  return gateways;
}

export async function startTopology(opts: TopologyOptions): Promise<Topology> {
  let db: { url: string; drop(): Promise<void> } | undefined;
  const secrets = testSecrets();
  const metricsToken = `chaos-${Math.random().toString(36).slice(2)}`;
  const redisDir = mkdtempSync(join(tmpdir(), 'omniroute-chaos-redis-'));
  const redisPort = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  let redis: Started | undefined;
  const killedBySuite = new Set<Started>();
  const unexpected: string[] = [];
  const procs = new Map<string, Proc>();

  const watch = (name: string, child: Started) => {
    child.proc.once('exit', (code, signal) => {
      if (!killedBySuite.has(child)) unexpected.push(`${name} exited (${code ?? signal})\n${child.log().slice(-1500)}`);
    });
  };

  async function startRedis(): Promise<number> {
    const t0 = Date.now();
    // --save "" --appendonly no: a restart loses everything, the worst case the bus must survive
    redis = startChild('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', redisDir]);
    watch('redis', redis);
    await waitForRedis(redisUrl, redis);
    return Date.now() - t0;
  }

  function spawnProc(p: Proc): Started {
    const args = p.script.endsWith('.ts') ? [...ROOT_NODE_FLAGS, p.script] : [p.script];
    const child = startChild(p.name, process.execPath, args, { env: { ...p.env, PORT: String(p.port) } });
    watch(p.name, child);
    p.child = child;
    p.starts++;
    return child;
  }

  // 5 min: at load average ~45 from other work, five subgraphs starting at once took more than 2 min (a full run failed so)
  async function waitReady(p: Proc, timeoutMs = 300_000): Promise<void> {
    await until(p.ready, timeoutMs, p.name, p.child);
  }

  const common = {
    DATABASE_URL: '',
    REDIS_URL: redisUrl,
    INTERNAL_SIGNING_SECRET: secrets.internalSecret,
    JWT_SECRET: secrets.jwtSecret,
    METRICS_TOKEN: metricsToken,
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.VERBOSE ? 'info' : 'warn',
    NODE_ENV: 'production',
  };
  try {
    // the bundles (seconds, or nothing when up to date) while Redis starts
    const [scripts] = await Promise.all([entryScripts(opts), startRedis()]);
    const auth = { authorization: `Bearer ${metricsToken}` };
    // a copy of the seeded template (built on the first run), or — from source — a fresh database each subgraph seeds
    let seedInRun = false;
    if (opts.fromSource) {
      db = await createTestDatabase('omniroute_chaos');
      seedInRun = true;
    } else {
      const seeded = await seededDatabase(SUBGRAPHS.map((n) => scripts[n]!), (url) => seedTemplate(url, scripts, common, auth), opts.log);
      opts.log(seeded.fromTemplate ? `database ${seeded.name} copied from the seeded template` : `database ${seeded.name} copied from a template seeded now`);
      db = seeded;
    }
    common.DATABASE_URL = db.url;
    const gateways = await declareProcs(procs, scripts, common, auth, opts, seedInRun);
    const subgraphs = SUBGRAPHS.map((n) => procs.get(n)!);
    // Every process at once (from source, each subgraph migrates and seeds its own PG schema; transactions allow
    // 30 s, enough for seeds side by side), the gateways load the supergraph meanwhile. Ready when both gateways'
    // /ready say every subgraph is up.
    const t0 = Date.now();
    for (const p of procs.values()) spawnProc(p);
    await Promise.all(subgraphs.map((p) => waitReady(p)));
    opts.log(`subgraphs up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const p of subgraphs) delete p.env.SEED; // restarts do not seed again
    // /ready probes every subgraph with a 2 s deadline: on a starved machine a few rounds fail before one passes
    await Promise.all(['gateway-a', 'gateway-b'].map((n) => waitReady(procs.get(n)!, 300_000)));
    // CPU each process used to get ready: what start-up costs whatever the machine's load
    const cpu = [...procs.values()].map((p) => `${p.name} ${(cpuTicks(p.child!.proc.pid!) / 100).toFixed(1)}`);
    opts.log(`gateways ready in ${((Date.now() - t0) / 1000).toFixed(1)} s; CPU seconds to start: ${cpu.join(', ')}`);

    const proc = (name: string) => {
      const p = procs.get(name);
      if (!p) throw new Error(`no process ${name}`);
      return p;
    };
    const runDb = db;
    return {
      databaseUrl: runDb.url,
      databaseName: new URL(runDb.url).pathname.slice(1),
      redisUrl,
      metricsToken,
      gateways,
      subgraphUrl: (name) => `http://127.0.0.1:${proc(name).port}/graphql`,
      kill(name) {
        const p = proc(name);
        if (!p.child) return;
        killedBySuite.add(p.child);
        p.child.proc.kill('SIGKILL');
      },
      async restart(name) {
        const p = proc(name);
        const t0 = Date.now();
        if (p.child && p.child.proc.exitCode === null && p.child.proc.signalCode === null) {
          await new Promise<void>((r) => p.child!.proc.once('exit', () => r()));
        }
        spawnProc(p);
        await waitReady(p);
        return Date.now() - t0;
      },
      async restartRedis(downMs) {
        const t0 = Date.now();
        if (redis) {
          killedBySuite.add(redis);
          const gone = new Promise<void>((r) => redis!.proc.once('exit', () => r()));
          redis.proc.kill('SIGKILL');
          await gone;
        }
        await sleep(downMs);
        await startRedis();
        return Date.now() - t0;
      },
      terminatePostgresConnections: () => terminatePostgresConnections(runDb.url),
      unexpectedExits: () => [...unexpected],
      pids: () => Object.fromEntries([...[...procs.values()].map((p) => [p.name, p.child?.proc.pid] as const), ['redis', redis?.proc.pid] as const]),
      async close(keepDatabase = false) {
        // gateways first (they call the subgraphs), then the subgraphs, then Redis; SIGTERM with a bound, then SIGKILL
        const all = [...procs.values()].reverse();
        for (const p of all) if (p.child) killedBySuite.add(p.child);
        await Promise.all(all.map((p) => (p.child ? stopChild(p.child, 5_000) : undefined)));
        if (redis) {
          killedBySuite.add(redis);
          await stopChild(redis, 2_000);
        }
        rmSync(redisDir, { recursive: true, force: true });
        if (!keepDatabase) await runDb.drop();
      },
    };
  } catch (error) {
    for (const p of procs.values()) if (p.child) (killedBySuite.add(p.child), p.child.proc.kill('SIGKILL'));
    if (redis) (killedBySuite.add(redis), redis.proc.kill('SIGKILL'));
    rmSync(redisDir, { recursive: true, force: true });
    await db?.drop().catch(() => undefined);
    throw error;
  }
}
