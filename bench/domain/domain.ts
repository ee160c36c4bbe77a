// Domain operations through our gateway, the whole platform (five subgraphs and the gateway) in this one process,
// the load generator in another:
//   node --import tsx bench/domain/domain.ts '<DomainOptions json>'   → one JSON line (DomainResult) on stdout.
// Per operation: RPS and latency under load, the SQL statements one single request costs in each subgraph (counted
// by the database adapter, reset to 0 just before that request), memory of the platform process at rest and under
// load. On Postgres (a throw-away database) the read operations also run against the floor (floor.ts: the same
// statements through `pg`, JSON by hand, its own process) in the same run; on PGlite (`db: 'pglite'`, what
// `npm start` runs: one on-disk PGlite per subgraph, in a temporary folder) there is no floor (PGlite lives inside
// the platform's process). Every response under load must be byte-identical to the one checked before the load.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Database } from '@omniroute/db';
import { startStack, type Stack, type StackOptions } from '@omniroute/platform';
import { createTestDatabase, gql, login, nodes, testSecrets } from '@omniroute/testkit';
import { cpuWindow, memMb, ROOT, round, rssSampler, runLoadChild, sleep, startChild, stopChild, waitForLine } from '../lib/proc.ts';
import { percentile } from '../lib/stats.ts';
import type { LoadOptions, LoadResult } from '../lib/load.ts';

export interface DomainOptions {
  duration: number;
  warmup: number;
  connections: number;
  /** Database of the platform: 'postgres' (default, throw-away database) or 'pglite' (the `npm start` default). */
  db?: 'postgres' | 'pglite';
  /** Run the floor rows (Postgres only; default true). */
  floor?: boolean;
  /** Operations to run (default all three; e.g. ['orderDetail'] to profile one). */
  ops?: OpName[];
  /** Events each consumer group handles at once (startStack's `consumerConcurrency`; default: its own). */
  consumerConcurrency?: number;
}

/** One row of the floor (floor.ts) — the same operation without GraphQL. */
export interface FloorRow {
  rps: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errors: number | null;
  badResponses: number | null;
  requests?: number;
  cpuCores?: number;
  cpuMsPerRequest?: number | null;
  rssRestMb?: number;
  rssPeakMb?: number;
  /** its answer deep-equals the gateway's `data` */
  sameDataAsGateway: boolean;
}

export interface DomainOperationResult {
  rps: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  errors: number | null;
  /** responses with GraphQL errors or userErrors, or missing the expected data */
  badResponses: number | null;
  requests?: number;
  /** SQL statements of one single request, per subgraph */
  statementsPerOperation: Record<string, number>;
  /** placeOrder only: statements 1.5 s after the response, when the event consumers have run (credit check…) */
  statementsWithEvents?: Record<string, number>;
  /** CPU cores of the platform process, of the load generator, and machine-wide busy cores */
  stackCpuCores?: number;
  loadCpuCores?: number;
  machineBusyCores?: number;
  /** CPU of the platform process per request (ms): steadier than RPS on a shared machine */
  cpuMsPerRequest?: number | null;
  /** RSS of the platform process (MiB): just before the load, and the peak during it */
  rssRestMb?: number;
  rssPeakMb?: number;
  correct: boolean;
  /** the same operation on the floor, measured right after (Postgres only) */
  floor?: FloorRow;
  /** ours ÷ floor, RPS */
  ratioToFloor?: number | null;
  /** placeOrder only: from an event's outbox row (occurredAt) to each consumer's handler (ProcessedEvent.processedAt), ms */
  eventLagMs?: { events: number; handled: number; p50: number; p99: number; max: number; byHandler?: Record<string, { handled: number; p50: number; p99: number; max: number }> };
}

const ORDER_DETAIL = readFileSync(`${ROOT}/schema/operations/OrderDetail.graphql`, 'utf8');
/** The OrderDetail selection on each order of `orders(first: n)`. */
function ordersDetail(n: number): string {
  const selection = ORDER_DETAIL.slice(ORDER_DETAIL.indexOf('order(id: $id) {') + 'order(id: $id) {'.length, ORDER_DETAIL.lastIndexOf('}', ORDER_DETAIL.lastIndexOf('}') - 1));
  return `query OrdersDetail { orders(first: ${n}) { edges { node { id ${selection} } } } }`;
}
const PLACE_ORDER = `mutation PlaceOrder($input: PlaceOrderInput!) {
  placeOrder(input: $input) { order { id number status total { amount currencyCode } } userErrors { field code message } }
}`;

/** On a shared 2-core machine a request can wait well over autocannon's 10 s: count it late rather than not at all. */
const LOAD_TIMEOUT_S = 30;

function countStatements(stack: Stack): () => Record<string, number> {
  for (const s of Object.values(stack.subgraphs)) s.runtime.db.stats.statements = 0;
  return () => Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.runtime.db.stats.statements]));
}

/** One domain run: the platform, who is signed in, the floor if any, the options. */
interface Run {
  o: DomainOptions;
  kind: 'postgres' | 'pglite';
  stack: Stack;
  url: string;
  token: string;
  headers: Record<string, string>;
  tenantId: string;
  floor?: { url: string; pid: number };
  log: (l: string) => void;
}

type Single = () => Promise<{ ok: boolean; statements: Record<string, number>; withEvents?: Record<string, number> }>;
type OpName = 'orderDetail' | 'orderDetailInTurn' | 'orders50' | 'placeOrder';

/** POSTs a body and returns the raw response text (the bytes every response under load must repeat). */
async function post(to: string, body: string, extra: Record<string, string>) {
  const r = await fetch(to, { method: 'POST', headers: { 'content-type': 'application/json', ...extra }, body });
  return r.text();
}

async function query(run: Run, text: string, variables: Record<string, unknown> = {}) {
  const r = await gql(run.url, text, variables, run.token);
  if (r.errors) throw new Error(`${text.slice(0, 60)}: ${JSON.stringify(r.errors)}`);
  return r.data;
}

// After a load run the platform still works off the requests in flight and the events they raised: wait until no
// subgraph runs a statement for a while, so the next single request is counted alone.
async function settle(stack: Stack) {
  const total = () => Object.values(stack.subgraphs).reduce((s, x) => s + x.runtime.db.stats.statements, 0);
  let last = total();
  let quiet = 0;
  for (let i = 0; i < 120 && quiet < 3; i++) {
    await sleep(250);
    const now = total();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}

/** One operation under load against the platform, with one counted single request before and one check after. */
async function measure(run: Run, name: string, load: Omit<LoadOptions, 'duration' | 'connections' | 'url'>, single: Single): Promise<DomainOperationResult> {
  const { o, stack, log } = run;
  await settle(stack);
  const first = await single();
  log(`domain: ${name}: one request → statements ${JSON.stringify(first.statements)}${first.ok ? '' : ' (WRONG RESPONSE)'}`);
  let cpu: ReturnType<typeof cpuWindow> | undefined;
  let rss: ReturnType<typeof rssSampler> | undefined;
  const pid = process.pid;
  const rssRestMb = round(memMb(pid, 'VmRSS'), 1);
  const profiler = process.env.BENCH_DOMAIN_PROFILE ? windowProfiler(process.env.BENCH_DOMAIN_PROFILE, `${run.kind}-${name.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`) : undefined;
  const r = await runLoadChild<LoadResult>({ url: run.url, connections: o.connections, warmup: o.warmup, duration: o.duration, timeout: LOAD_TIMEOUT_S, headers: run.headers, ...load } satisfies LoadOptions, () => {
    cpu = cpuWindow({ stack: pid });
    rss = rssSampler(pid);
    profiler?.start();
  });
  const used = cpu!.stop();
  await profiler?.stop();
  const peak = rss!.stop();
  await settle(stack);
  const after = await single();
  log(`domain: ${name}: ${r.rps} RPS, p99 ${r.p99Ms} ms, errors ${r.errors + r.non2xx}, bad responses ${r.bodyFailures}`);
  return {
    rps: r.rps, p50Ms: r.p50Ms, p95Ms: r.p95Ms, p99Ms: r.p99Ms, errors: r.errors + r.non2xx, badResponses: r.bodyFailures, requests: r.requests,
    statementsPerOperation: first.statements,
    ...(first.withEvents ? { statementsWithEvents: first.withEvents } : {}),
    stackCpuCores: used.cores.stack, loadCpuCores: r.loadCpuCores, machineBusyCores: used.machineBusyCores,
    cpuMsPerRequest: r.rps ? round((used.cores.stack! * 1000) / r.rps, 2) : null,
    rssRestMb, rssPeakMb: peak.peakMb,
    correct: first.ok && after.ok,
  };
}

/** The same read on the floor, right after ours: its answer must carry the gateway's `data`, every time. */
async function withFloor(run: Run, row: DomainOperationResult, name: string, path: string, body: string | string[], gatewayText: string | string[]): Promise<DomainOperationResult> {
  if (!run.floor) return row;
  await settle(run.stack);
  const { o, log } = run;
  const { url, pid } = run.floor;
  const fh = { 'x-tenant-id': run.tenantId };
  // several bodies: sent in turn, each answer checked against the gateway's to the same body
  const bodies = typeof body === 'string' ? [body] : body;
  const gatewayTexts = typeof gatewayText === 'string' ? [gatewayText] : gatewayText;
  const texts: string[] = [];
  let same = true;
  for (const [i, b] of bodies.entries()) {
    const text = await post(url + path, b, fh);
    texts.push(text);
    if (isDeepStrictEqual(JSON.parse(text), { data: JSON.parse(gatewayTexts[i]!).data })) continue;
    if (same) log(`domain: floor ${name}: its answer differs from the gateway's:\n${text.slice(0, 600)}\n${gatewayTexts[i]!.slice(0, 600)}`);
    same = false;
  }
  const rssRestMb = round(memMb(pid, 'VmRSS'), 1);
  let cpu: ReturnType<typeof cpuWindow> | undefined;
  let rss: ReturnType<typeof rssSampler> | undefined;
  const exact = texts.length === 1 ? { body: bodies[0]!, expectBody: texts[0]! } : { body: bodies[0]!, bodies, expectBodies: texts };
  const r = await runLoadChild<LoadResult>({ url: url + path, connections: o.connections, warmup: o.warmup, duration: o.duration, timeout: LOAD_TIMEOUT_S, headers: fh, ...exact } satisfies LoadOptions, () => {
    cpu = cpuWindow({ floor: pid });
    rss = rssSampler(pid);
  });
  const used = cpu!.stop();
  const peak = rss!.stop();
  log(`domain: floor ${name}: ${r.rps} RPS, p99 ${r.p99Ms} ms, bad responses ${r.bodyFailures}`);
  const floor: FloorRow = { rps: r.rps, p50Ms: r.p50Ms, p95Ms: r.p95Ms, p99Ms: r.p99Ms, errors: r.errors + r.non2xx, badResponses: r.bodyFailures, requests: r.requests, cpuCores: used.cores.floor, cpuMsPerRequest: r.rps ? round((used.cores.floor! * 1000) / r.rps, 2) : null, rssRestMb, rssPeakMb: peak.peakMb, sameDataAsGateway: same };
  return { ...row, floor, ratioToFloor: row.rps && floor.rps ? round(row.rps / floor.rps, 3) : null };
}

const SKIPPED: DomainOperationResult = { rps: null, p50Ms: null, p95Ms: null, p99Ms: null, errors: null, badResponses: null, statementsPerOperation: {}, correct: true };

/** OrderDetail for one delivered order: every response under load byte-identical to the one checked first. */
async function orderDetailOp(run: Run, delivered: string): Promise<DomainOperationResult> {
  const body = JSON.stringify({ query: ORDER_DETAIL, variables: { id: delivered } });
  const text = await post(run.url, body, run.headers);
  const row = await measure(run, 'OrderDetail (1 order)', { body, rejectInBody: '"errors"', expectBody: text }, async () => {
    const read = countStatements(run.stack);
    const r = await gql(run.url, ORDER_DETAIL, { id: delivered }, run.token);
    const statements = read();
    const order = r.data?.order;
    const ok = !r.errors && !!order?.number && !!order.shipment?.rider?.level?.name && !!order.invoice?.status && !!order.customer?.creditLine && isDeepStrictEqual({ data: r.data }, { data: JSON.parse(text).data });
    return { ok, statements };
  });
  return withFloor(run, row, 'OrderDetail', '/order-detail', JSON.stringify({ id: delivered }), text);
}

/**
 * OrderDetail for each of the 50 newest orders in turn (issue 17): concurrent requests ask for different orders, as
 * real clients do, so reads merged across requests (fast-sql.ts mergeReads) carry several keys instead of one order's
 * rows many times over; every response byte-identical to the one checked first for its order.
 */
async function orderDetailInTurnOp(run: Run): Promise<DomainOperationResult> {
  const ids = nodes<{ id: string }>((await query(run, '{ orders(first: 50) { edges { node { id } } } }')).orders).map((n) => n.id);
  const bodies = ids.map((id) => JSON.stringify({ query: ORDER_DETAIL, variables: { id } }));
  const texts: string[] = [];
  for (const b of bodies) texts.push(await post(run.url, b, run.headers));
  const row = await measure(run, 'OrderDetail (50 orders in turn)', { body: bodies[0]!, bodies, rejectInBody: '"errors"', expectBodies: texts }, async () => {
    const read = countStatements(run.stack);
    const r = await gql(run.url, ORDER_DETAIL, { id: ids[0] }, run.token);
    const statements = read();
    return { ok: !r.errors && !!r.data?.order?.number && texts.every((t) => !t.includes('"errors"')) && isDeepStrictEqual({ data: r.data }, { data: JSON.parse(texts[0]!).data }), statements };
  });
  return withFloor(run, row, 'OrderDetail in turn', '/order-detail', ids.map((id) => JSON.stringify({ id })), texts);
}

/** orders(first: 50) with the OrderDetail selection on each. */
async function orders50Op(run: Run): Promise<DomainOperationResult> {
  const ORDERS = ordersDetail(50);
  const body = JSON.stringify({ query: ORDERS });
  const text = await post(run.url, body, run.headers);
  const row = await measure(run, 'orders(first: 50) with OrderDetail', { body, rejectInBody: '"errors"', expectBody: text }, async () => {
    const read = countStatements(run.stack);
    const r = await gql(run.url, ORDERS, {}, run.token);
    const statements = read();
    return { ok: !r.errors && nodes(r.data?.orders).length === 50 && isDeepStrictEqual({ data: r.data }, { data: JSON.parse(text).data }), statements };
  });
  return withFloor(run, row, 'orders(first: 50)', '/orders', JSON.stringify({ first: 50 }), text);
}

/** placeOrder, every request a fresh idempotency key; customers, warehouses and SKUs in turn so stock lasts (one unit each). */
async function placeOrderOp(run: Run): Promise<DomainOperationResult> {
  const warehouses = nodes<{ id: string; kind: string }>((await query(run, '{ locations(first: 20) { edges { node { id kind } } } }')).locations).filter((l) => l.kind === 'WAREHOUSE');
  const skus = nodes<{ variants: { sku: string }[] }>((await query(run, '{ products(first: 50) { edges { node { variants { sku } } } } }')).products).flatMap((p) => p.variants.map((v) => v.sku));
  const customers = nodes<{ id: string }>((await query(run, '{ customers(first: 100) { edges { node { id } } } }')).customers).map((c) => c.id);
  const KEY = '__IDEMPOTENCY_KEY__';
  const input = (i: number, key: string) => ({
    customerId: customers[i % customers.length],
    channel: 'SALES_REP',
    locationId: warehouses[i % warehouses.length]!.id,
    lines: [{ sku: skus[(i * 7) % skus.length], quantity: 1 }],
    idempotencyKey: key,
  });
  const bodies = Array.from({ length: 211 }, (_, i) => JSON.stringify({ query: PLACE_ORDER, variables: { input: input(i, `bench-${KEY}`) } }));
  let singles = 0;
  const since = new Date();
  const row = await measure(run, 'placeOrder (unique idempotency keys)', { body: bodies[0]!, bodies, uniquePlaceholder: KEY, expectInBody: '"userErrors":[]', rejectInBody: '"errors"' }, async () => {
    const read = countStatements(run.stack);
    const r = await gql(run.url, PLACE_ORDER, { input: input(singles++, `bench-single-${Date.now()}-${singles}`) }, run.token);
    const statements = read();
    await sleep(1500);
    const withEvents = read();
    return { ok: !r.errors && r.data?.placeOrder?.userErrors?.length === 0 && !!r.data.placeOrder.order?.id, statements, withEvents };
  });
  row.eventLagMs = await eventLag(run.stack, since);
  run.log(`domain: placeOrder events: outbox → handler lag ${JSON.stringify(row.eventLagMs)}`);
  return row;
}

export async function runDomain(o: DomainOptions, log: (l: string) => void) {
  const t0 = Date.now();
  const kind = o.db ?? 'postgres';
  const db = kind === 'postgres' ? await createTestDatabase('omniroute_bench') : undefined;
  const dataRoot = kind === 'pglite' ? mkdtempSync(join(tmpdir(), 'omniroute-bench-')) : undefined;
  let stack: Stack | undefined;
  let floorProc: ReturnType<typeof startChild> | undefined;
  try {
    // Long relay interval: no idle outbox polling between the statements we count; commits still kick the relay at
    // once, so placeOrder's events flow (credit check, invoice…) during its load as in production. The gateway's
    // per-user rate limit is off: this measures throughput, not the limiter.
    const stackOptions: StackOptions = { secrets: testSecrets(), databaseUrl: db?.url, dataRoot, seed: true, relayIntervalMs: 3_600_000, partners: { rateLimits: false } as never, consumerConcurrency: o.consumerConcurrency };
    stack = await startStack(stackOptions);
    const startupSeconds = round((Date.now() - t0) / 1000, 1);
    log(`domain: platform started and seeded on ${kind === 'postgres' ? 'Postgres' : 'PGlite (on disk)'} in ${startupSeconds} s`);
    const url = stack.gatewayUrl;
    const token = await login(url, 'ops@lagos.demo');
    const tenantId = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).tid as string;
    const run: Run = { o, kind, stack, url, token, headers: { authorization: `Bearer ${token}` }, tenantId, log };
    if (db && o.floor !== false) {
      floorProc = startChild('floor', process.execPath, ['--import', 'tsx', 'bench/domain/floor.ts', JSON.stringify({ databaseUrl: db.url })]);
      run.floor = { url: `http://127.0.0.1:${(await waitForLine(floorProc, /^FLOOR (\d+)/))[1]}`, pid: floorProc.proc.pid! };
    }
    const delivered = nodes<{ id: string }>((await query(run, '{ orders(first: 1, filter: { status: DELIVERED }) { edges { node { id } } } }')).orders)[0]!.id;
    const want = (op: OpName) => !o.ops || o.ops.includes(op);
    const orderDetail = want('orderDetail') ? await orderDetailOp(run, delivered) : { ...SKIPPED };
    const orderDetailInTurn = want('orderDetailInTurn') ? await orderDetailInTurnOp(run) : { ...SKIPPED };
    const orders50 = want('orders50') ? await orders50Op(run) : { ...SKIPPED };
    const placeOrder: DomainOperationResult = want('placeOrder') ? await placeOrderOp(run) : { ...SKIPPED };
    return {
      database: kind === 'postgres' ? 'PostgreSQL (throw-away database), five subgraphs + gateway in one process' : 'PGlite on disk (as npm start), five subgraphs + gateway in one process',
      db: kind,
      connections: o.connections,
      durationSeconds: o.duration,
      warmupSeconds: o.warmup,
      startupSeconds,
      orderDetail,
      orderDetailInTurn,
      orders50,
      placeOrder,
    };
  } finally {
    if (floorProc) await stopChild(floorProc);
    await stack?.close().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    if (dataRoot) rmSync(dataRoot, { recursive: true, force: true });
  }
}

/**
 * BENCH_DOMAIN_PROFILE=<dir>: a V8 CPU profile of the platform process over each measured window only (no start-up,
 * no seeding), written to <dir>/<db>-<operation>.cpuprofile; `node --import tsx bench/lib/cpuprofile.ts <file>`
 * summarises it.
 */
function windowProfiler(dir: string, name: string) {
  const session = new Session();
  const heap = process.env.BENCH_DOMAIN_PROFILE_HEAP === '1';
  let started: Promise<unknown> | undefined;
  return {
    start() {
      session.connect();
      started = session.post('Profiler.enable').then(() => session.post('Profiler.setSamplingInterval', { interval: 1000 })).then(() => session.post('Profiler.start'));
      if (heap) started = started.then(() => session.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }));
    },
    async stop() {
      if (!started) return;
      await started;
      const { profile } = (await session.post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dir, { recursive: true });
      if (heap) writeFileSync(join(dir, `${name}.heapprofile`), JSON.stringify(((await session.post('HeapProfiler.stopSampling')) as { profile: unknown }).profile));
      writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

/**
 * How long events waited between their outbox row (occurredAt, in the emitting subgraph's transaction) and each
 * consumer's handler (ProcessedEvent.processedAt: its transaction's start), over the events since `since`. Read
 * through each subgraph's own database, so it works on PGlite too. Both clocks are the database's.
 */
async function eventLag(stack: Stack, since: Date) {
  const occurred = new Map<string, { at: number; type: string }>();
  const handled: { eventId: string; consumer: string; at: number }[] = [];
  for (const s of Object.values(stack.subgraphs)) {
    const q = (s.runtime.db as unknown as Database).query; // every subgraph's db is packages/db's Database
    try {
      const from = since.toISOString().slice(0, -1); // timestamp(3) columns hold UTC
      for (const r of await q<{ id: string; type: string; occurredAt: Date }>('SELECT "id", "type", "occurredAt" FROM "OutboxEvent" WHERE "occurredAt" >= $1', [from])) occurred.set(r.id, { at: r.occurredAt.getTime(), type: r.type });
      for (const r of await q<{ eventId: string; consumer: string; processedAt: Date }>('SELECT "eventId", "consumer", "processedAt" FROM "ProcessedEvent" WHERE "processedAt" >= $1', [from])) handled.push({ eventId: r.eventId, consumer: r.consumer, at: r.processedAt.getTime() });
    } catch {
      // a subgraph without an outbox or consumers
    }
  }
  const byHandler = new Map<string, number[]>();
  const lags: number[] = [];
  for (const h of handled) {
    const o = occurred.get(h.eventId);
    if (!o) continue;
    const lag = Math.max(0, h.at - o.at);
    lags.push(lag);
    const k = `${h.consumer} ← ${o.type}`;
    (byHandler.get(k) ?? byHandler.set(k, []).get(k)!).push(lag);
  }
  const stats = (a: number[]) => (a.sort((x, y) => x - y), { handled: a.length, p50: round(percentile(a, 50), 1), p99: round(percentile(a, 99), 1), max: a[a.length - 1] ?? 0 });
  const all = stats(lags);
  return { events: occurred.size, ...all, byHandler: Object.fromEntries([...byHandler].sort(([a], [b]) => a.localeCompare(b)).map(([k, a]) => [k, stats(a)])) };
}

export type DomainResult = Awaited<ReturnType<typeof runDomain>>;

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runDomain(JSON.parse(process.argv[2]!) as DomainOptions, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}
