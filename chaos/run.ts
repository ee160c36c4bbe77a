// npm run chaos [-- --quick] [-- --seconds <n>] [-- --keep-database] [-- --from-source]
// The distributed topology on Postgres and a Redis of its own, under steady load, while processes are SIGKILLed,
// Redis restarts empty and Postgres connections are terminated; then, once settled, the invariants of issue 14.
// Prints a table, writes chaos/results/latest.json (and quick.json for --quick), exits 1 when an invariant fails.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ROOT, sleep } from '../bench/lib/proc.ts';
import { startTopology, SUBGRAPHS, type Topology } from './topology.ts';
import { ChaosClient, runLoad, type TenantLoad } from './load.ts';
import { checkInvariants, consumerGroups, stockSnapshot, type Check } from './invariants.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    seconds: { type: 'string' },
    'keep-database': { type: 'boolean', default: false },
    'from-source': { type: 'boolean', default: false },
  },
  strict: true,
});
const quick = values.quick;
const loadSeconds = Number(values.seconds ?? (quick ? 25 : 180));
const settleBudgetMs = quick ? 60_000 : 180_000;
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const log = (line: string) => process.stderr.write(`[chaos ${elapsed()}] ${line}\n`);

interface FaultRecord { at: string; fault: string; target: string; recoveryMs: number | null; detail?: string }
type Fault = { fault: string; target: string; run: (topo: Topology) => Promise<{ recoveryMs: number; detail?: string }> };

const kill = (target: string, downMs: number): Fault => ({
  fault: 'SIGKILL + restart', target,
  run: async (topo) => {
    topo.kill(target);
    await sleep(downMs);
    return { recoveryMs: downMs + (await topo.restart(target)) };
  },
});
const redisRestart: Fault = { fault: 'Redis restart (no persistence)', target: 'redis', run: async (topo) => ({ recoveryMs: await topo.restartRedis(1_500) }) };
const pgTerminate: Fault = {
  fault: 'pg_terminate_backend', target: 'postgres',
  run: async (topo) => ({ recoveryMs: 0, detail: `${await topo.terminatePostgresConnections()} connections terminated` }),
};

// Each subgraph in turn, a gateway replica, Redis and Postgres; spread evenly over the load.
// Quick (CI, ≤ 90 s in all): four distinct faults — a subgraph and a gateway replica SIGKILLed, Redis restarted
// empty, Postgres connections terminated.
const FAULTS: Fault[] = quick
  ? [kill('commerce', 1_000), redisRestart, kill('gateway-a', 500), pgTerminate]
  : [
      kill('commerce', 2_000), pgTerminate, kill('logistics', 2_000), kill('gateway-a', 1_000), kill('finance', 2_000), redisRestart,
      kill('workforce', 2_000), pgTerminate, kill('identity', 2_000), kill('gateway-b', 1_000), redisRestart, kill('commerce', 2_000),
    ];

/**
 * A setup query (before the load and the faults). On a starved machine a subgraph that is up may miss the gateway's
 * deadline (SUBGRAPH_UNAVAILABLE; a run at load average 45 failed its login so): such answers are retried for 2 min.
 */
async function gql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<any> {
  const until = Date.now() + 120_000;
  for (;;) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] };
    if (!body.errors?.length) return body.data;
    if (Date.now() > until || !body.errors.every((e) => e.extensions?.code === 'SUBGRAPH_UNAVAILABLE')) {
      throw new Error(`setup query failed: ${JSON.stringify(body.errors).slice(0, 500)}`);
    }
    log(`setup query: ${body.errors.length} SUBGRAPH_UNAVAILABLE, retrying`);
    await sleep(2_000);
  }
}

async function tenantLoad(url: string, email: string): Promise<TenantLoad> {
  const login = await gql(url, 'mutation($i: LoginInput!) { login(input: $i) { accessToken } }', { i: { email, password: 'omniroute-demo' } });
  const token = login.login.accessToken as string;
  const d = await gql(url, `{ me { tenant { id } }
    customers(first: 50) { edges { node { id } } }
    locations(first: 5) { edges { node { id } } }
    products(first: 100) { edges { node { temperatureRange { minC } variants { sku } } } }
    vehicles(first: 100) { edges { node { id coldChain currentShipment { id } } } }
    workers(first: 50, filter: { kycStatus: VERIFIED }) { edges { node { id } } } }`, {}, token);
  const nodes = (c: { edges: { node: any }[] }) => c.edges.map((e) => e.node);
  return {
    tenantId: d.me.tenant.id,
    email,
    token,
    customers: nodes(d.customers).map((c) => c.id),
    locationId: nodes(d.locations)[0].id,
    // ambient goods only: chilled ones need a refrigerated vehicle, which the dispatcher does not pick
    skus: nodes(d.products).filter((p) => !p.temperatureRange).flatMap((p) => p.variants.map((v: { sku: string }) => v.sku)),
    vehicles: nodes(d.vehicles).filter((v) => !v.currentShipment).map((v) => ({ id: v.id, coldChain: v.coldChain })),
    riders: nodes(d.workers).map((w) => w.id),
  };
}

async function reconcilerMetrics(topo: Topology): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const name of SUBGRAPHS) {
    try {
      const text = await (await fetch(topo.subgraphUrl(name).replace(/\/graphql$/, '/metrics'), { headers: { authorization: `Bearer ${topo.metricsToken}` } })).text();
      for (const m of text.matchAll(/^omniroute_reconciler_(\w+)\{subgraph="[^"]+",reconciler="([^"]+)"\} (\S+)$/gm)) {
        (out[m[2]!] ??= {})[m[1]!] = Number(m[3]);
      }
    } catch {
      // a subgraph that does not answer has no figures
    }
  }
  return out;
}

/** Settled: the outbox drained, every group caught up, no order of the run waiting for a decision. */
async function settled(topo: Topology, keyPrefix: string): Promise<string | null> {
  const c = new pg.Client({ connectionString: topo.databaseUrl });
  await c.connect();
  try {
    let unpublished = 0;
    for (const s of ['commerce', 'logistics', 'finance', 'workforce']) unpublished += (await c.query(`SELECT count(*)::int AS n FROM ${s}."OutboxEvent" WHERE "publishedAt" IS NULL`)).rows[0].n;
    const pendingOrders = (await c.query(`SELECT count(*)::int AS n FROM commerce."Order" WHERE "idempotencyKey" LIKE $1 AND "status"::text = 'PENDING'`, [`${keyPrefix}%`])).rows[0].n;
    const pendingPayments = (await c.query(`SELECT count(*)::int AS n FROM finance."Payment" WHERE "status"::text = 'PENDING'`)).rows[0].n;
    const groups = await consumerGroups(topo.redisUrl);
    const behind = groups.filter((g) => g.pending > 0 || g.lag !== 0).length;
    if (unpublished || pendingOrders || pendingPayments || behind) return `${unpublished} unpublished, ${pendingOrders} orders PENDING, ${pendingPayments} payments PENDING, ${behind} groups behind`;
    return null;
  } finally {
    await c.end();
  }
}

async function main(): Promise<number> {
  log(`${quick ? 'quick' : 'full'} run: ${loadSeconds} s of load, ${FAULTS.length} faults`);
  const topo = await startTopology({ reconcileAfterMs: quick ? 20_000 : 30_000, busIdleTimeoutMs: quick ? 3_000 : 6_000, fromSource: values['from-source'], log });
  let code = 1;
  try {
    log(`topology up: 5 subgraphs, 2 gateways, Redis ${topo.redisUrl}, database ${topo.databaseName}`);
    const [gwA] = topo.gateways;
    const tenants = await Promise.all([tenantLoad(gwA!, 'ops@lagos.demo'), tenantLoad(topo.gateways[1] ?? gwA!, 'ops@accra.demo')]);
    const runId = randomBytes(3).toString('hex');
    const keyPrefix = `chaos-${runId}-`;
    const setup = new pg.Client({ connectionString: topo.databaseUrl });
    await setup.connect();
    const initialStock = await stockSnapshot(setup);
    await setup.end();

    const client = new ChaosClient(topo.gateways);
    const loadStart = Date.now();
    const until = loadStart + loadSeconds * 1000;
    let faultsDone = false;
    const load = runLoad({ client, tenants, runId, done: () => faultsDone && Date.now() >= until, placers: quick ? 1 : 2, orderEveryMs: quick ? 400 : 600, retryGraceMs: 120_000, log });

    // faults, evenly spaced; the first after a short warm-up
    const faults: FaultRecord[] = [];
    const spacing = (loadSeconds * 1000 - 3_000) / FAULTS.length;
    for (let i = 0; i < FAULTS.length; i++) {
      const at = loadStart + 3_000 + i * spacing;
      await sleep(Math.max(0, at - Date.now()));
      const f = FAULTS[i]!;
      log(`fault ${i + 1}/${FAULTS.length}: ${f.fault} ${f.target}`);
      try {
        const r = await f.run(topo);
        faults.push({ at: elapsed(), fault: f.fault, target: f.target, recoveryMs: r.recoveryMs, detail: r.detail });
      } catch (e) {
        faults.push({ at: elapsed(), fault: f.fault, target: f.target, recoveryMs: null, detail: `did not recover: ${String(e).slice(0, 300)}` });
        log(`fault ${f.fault} ${f.target}: ${String(e).slice(0, 300)}`);
      }
    }
    faultsDone = true;
    const placed = await load;
    log(`load done: ${client.stats.ordersAccepted} orders accepted, ${client.stats.paymentsSucceeded} payments, ${client.stats.delivered} deliveries`);

    // settle: until nothing is in flight (or the budget runs out; the checks then say what is stuck)
    const settleStart = Date.now();
    let state: string | null = 'not checked';
    while (Date.now() - settleStart < settleBudgetMs) {
      state = await settled(topo, keyPrefix).catch((e) => `settle check failed: ${String(e)}`);
      if (!state) break;
      await sleep(1_000);
    }
    const settleMs = Date.now() - settleStart;
    log(state ? `not settled after ${settleMs} ms: ${state}` : `settled in ${settleMs} ms`);

    const checks: Check[] = await checkInvariants({
      databaseUrl: topo.databaseUrl, redisUrl: topo.redisUrl, keyPrefix, initialStock, clientOrders: placed,
      unknownKeys: client.stats.ordersUnknown, stackTraces: client.stats.stackTraces, paymentKeyConflicts: client.stats.paymentKeyConflicts,
    });
    const crashed = topo.unexpectedExits();
    checks.push({ name: 'no process died on its own', ok: crashed.length === 0, summary: `${crashed.length} unexpected exits`, violations: crashed.map((c) => c.slice(0, 800)) });
    const reconcilers = await reconcilerMetrics(topo);
    const ok = checks.every((c) => c.ok) && faults.every((f) => f.recoveryMs !== null) && faults.length >= (quick ? 3 : 8);

    const result = {
      mode: quick ? 'quick' : 'full',
      ok,
      at: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version },
      loadSeconds,
      totalSeconds: Math.round((Date.now() - t0) / 1000),
      settleMs,
      settled: !state,
      faults,
      load: { ...client.stats, stackTraces: client.stats.stackTraces.length, ordersUnknown: client.stats.ordersUnknown.length },
      reconcilers,
      checks,
    };
    mkdirSync(join(ROOT, 'chaos', 'results'), { recursive: true });
    writeFileSync(join(ROOT, 'chaos', 'results', quick ? 'quick.json' : 'latest.json'), JSON.stringify(result, null, 2) + '\n');
    printTable(result);
    code = ok ? 0 : 1;
  } finally {
    await topo.close(values['keep-database'] && code !== 0);
  }
  return code;
}

function printTable(r: { ok: boolean; faults: FaultRecord[]; load: Record<string, unknown>; checks: Check[]; settleMs: number; totalSeconds: number; reconcilers: Record<string, Record<string, number>> }) {
  const out: string[] = [];
  out.push('', 'Faults injected', '  #  fault                            target      recovered');
  r.faults.forEach((f, i) => out.push(`  ${String(i + 1).padStart(2)} ${f.fault.padEnd(32)} ${f.target.padEnd(11)} ${f.recoveryMs === null ? 'NO' : `${(f.recoveryMs / 1000).toFixed(1)} s`}${f.detail ? `  (${f.detail})` : ''}`));
  const l = r.load as any;
  out.push('', `Load: ${l.requests} requests; orders ${l.ordersAccepted} accepted / ${l.ordersAttempted} (${l.orderRetries} retries, refused ${JSON.stringify(l.ordersRefused)}); payments ${l.paymentsSucceeded} / ${l.paymentsAttempted} (${l.paymentRetries} retries); ${l.dispatched} dispatched, ${l.delivered} delivered, ${l.cancelled} cancelled`);
  out.push(`      client-side errors: ${l.transportErrors} transport, ${l.http5xx} HTTP 5xx, codes ${JSON.stringify(l.errorCodes)}`);
  for (const [code, samples] of Object.entries(l.errorSamples as Record<string, string[]>)) for (const x of samples.slice(0, 3)) out.push(`        ${code}: ${x}`);
  out.push('', 'Reconcilers (from each subgraph\'s /metrics)');
  for (const [name, m] of Object.entries(r.reconcilers)) out.push(`  ${name.padEnd(44)} runs ${m.runs_total ?? 0}, found ${m.found_total ?? 0}, repaired ${m.repaired_total ?? 0}, stuck now ${m.stuck ?? 0}`);
  out.push('', `Invariants (settled in ${(r.settleMs / 1000).toFixed(1)} s)`);
  for (const c of r.checks) {
    out.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(34)} ${c.summary}`);
    if (!c.ok) for (const v of c.violations.slice(0, 5)) out.push(`          ${JSON.stringify(v).slice(0, 300)}`);
  }
  out.push('', `${r.ok ? 'PASS' : 'FAIL'} in ${r.totalSeconds} s`, '');
  process.stdout.write(out.join('\n'));
}

// bounded whatever happens (start-up on a busy machine included); the child processes die with this one
const hardLimit = setTimeout(() => {
  log('hard time limit reached; exiting');
  process.exit(2);
}, (quick ? 12 : 30) * 60_000);
hardLimit.unref();
main().then((code) => process.exit(code), (e) => {
  log(`failed: ${(e as Error)?.stack ?? e}`);
  process.exit(1);
});
