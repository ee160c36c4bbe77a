// npm run soak [-- --minutes 30] [-- --subscribers 1000]
// The embedded default (`npm start`: one process, PGlite, in-memory bus) under mixed queries, mutations and 1 000
// graphql-ws subscribers for --minutes (default 30). After the warm-up (a fifth of the run, at most 5 minutes) the
// server's heap after a full collection is sampled every 10 s and the slope fitted by least squares: it must stay
// under 1 MiB/min, with no error anywhere. Prints the figures and writes soak/results/latest.json. Not in CI.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomUUID } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import { Agent, fetch } from 'undici';
import WebSocket from 'ws';
import { ROOT, sleep, startChild, stopChild } from '../bench/lib/proc.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    subscribers: { type: 'string', default: '1000' },
    'warmup-minutes': { type: 'string' },
  },
  strict: true,
});
const minutes = Number(values.minutes);
const subscribers = Number(values.subscribers);
if (!(minutes > 0) || !(subscribers >= 0)) throw new Error('usage: npm run soak -- --minutes <n> [--subscribers <n>]');
const warmupMs = Number(values['warmup-minutes'] ?? Math.min(5, minutes / 5)) * 60_000;
const SAMPLE_MS = 10_000;
const MAX_SLOPE = 1; // MiB per minute
const t0 = Date.now();
const log = (line: string) => process.stderr.write(`[soak ${((Date.now() - t0) / 1000).toFixed(0)}s] ${line}\n`);
const op = (name: string) => readFileSync(join(ROOT, 'schema', 'operations', `${name}.graphql`), 'utf8');

interface Sample { t: number; heapUsed: number; heapTotal: number; external: number; rss: number; loopMaxMs?: number }

/** Least-squares slope of y over x (per unit of x) and R². */
export function linearFit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx, r2: syy === 0 || sxx === 0 ? 1 : (sxy * sxy) / (sxx * syy) };
}

/** A subscription's error: GraphQL errors, or the socket's CloseEvent (its fields are getters: JSON shows {}). */
function describeEnd(e: unknown): string {
  const c = e as { code?: number; reason?: string; message?: string };
  if (typeof c?.code === 'number') return `socket closed ${c.code}${c.reason ? ` ${c.reason}` : ''}`;
  return JSON.stringify(e).slice(0, 300) || String(c?.message ?? e);
}

/** Errors of the run: counted, the first 50 kept with their time since the load started. */
class ErrorLog {
  readonly samples: string[] = [];
  count = 0;
  loadStart = Date.now();

  add(what: string) {
    this.count++;
    what = `+${((Date.now() - this.loadStart) / 1000).toFixed(1)}s ${what}`;
    if (this.samples.length < 50) this.samples.push(what.slice(0, 400));
    else if (this.samples.length === 50) this.samples.push('(more)');
  }
}

type Counts = { requests: number; queries: number; mutations: number; events: number; subscribed: number; ordersPlaced: number; ordersCancelled: number; positions: number };
type Gql = (query: string, variables: Record<string, unknown>, token?: string) => Promise<any>;

/**
 * A copy of the seeded demo tenants for this run. They are seeded once into .data/soak-seed (like `npm start`'s
 * .data/, kept across runs); each run starts from a copy of it, so runs compare and the seeding (minutes on a busy
 * machine) is not part of the run.
 */
async function seededDataDir(): Promise<string> {
  const seedDir = join(ROOT, '.data', 'soak-seed');
  if (!existsSync(join(seedDir, 'identity'))) {
    log(`seeding ${seedDir} (once)`);
    rmSync(seedDir, { recursive: true, force: true });
    const prep = startChild('seed', process.execPath, ['--import', 'tsx', 'soak/stack.ts'], { env: { LOG_LEVEL: 'warn', SOAK_DATA_DIR: seedDir, SOAK_PREPARE: '1' } });
    const code = await new Promise<number | null>((r) => prep.proc.once('exit', r));
    if (code !== 0) throw new Error(`seeding failed (${code}):\n${prep.log()}`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'omniroute-soak-'));
  cpSync(seedDir, dataDir, { recursive: true });
  return dataDir;
}

/** The stack in a child process; `ready` resolves with the gateway's URL, its heap samples arrive in `samples`. */
function startStack(dataDir: string) {
  const server = startChild('stack', process.execPath, ['--expose-gc', '--max-semi-space-size=32', '--import', 'tsx', 'soak/stack.ts'], {
    env: { LOG_LEVEL: 'warn', SOAK_SAMPLE_MS: String(SAMPLE_MS), SIMULATOR: '0', SOAK_DATA_DIR: dataDir },
  });
  const samples: Sample[] = [];
  const ready = new Promise<string>((resolve, reject) => {
    let buf = '';
    server.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const m = JSON.parse(line) as { ready?: boolean; gatewayUrl?: string; heap?: Sample };
          if (m.ready) resolve(m.gatewayUrl!);
          if (m.heap) samples.push(m.heap);
        } catch {
          // not ours
        }
      }
    });
    server.proc.once('exit', (code) => reject(new Error(`the stack exited (${code}):\n${server.log()}`)));
    setTimeout(() => reject(new Error(`the stack did not start in 10 minutes:\n${server.log()}`)), 600_000).unref();
  });
  return { server, samples, ready };
}

/** GraphQL over HTTP to the gateway; a non-200 answer, GraphQL errors or a lost request count as errors. */
function gqlClient(gatewayUrl: string, http: Agent, counts: Counts, errors: ErrorLog): Gql {
  return async (query, variables, token) => {
    counts.requests++;
    try {
      const res = await fetch(gatewayUrl, {
        dispatcher: http,
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), 'x-request-id': `soak-${randomUUID()}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(120_000), // a slow answer is not an error; a lost one is
      });
      const body = (await res.json()) as { data?: any; errors?: unknown[] };
      if (res.status !== 200 || body.errors?.length) errors.add(`HTTP ${res.status}: ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
      return body.data;
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } })?.cause;
      errors.add(`transport: ${String(e)}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`);
      return null;
    }
  };
}

/** What the workers draw from: the tenant's customers, a location, SKUs without a cold chain, vehicles, orders. */
async function readCatalogue(gql: Gql, token: string) {
  const d = await gql(`{ customers(first: 50) { edges { node { id } } } locations(first: 2) { edges { node { id } } }
    products(first: 100) { edges { node { temperatureRange { minC } variants { sku } } } }
    vehicles(first: 50) { edges { node { id } } } orders(first: 30) { edges { node { id } } } }`, {}, token);
  const nodes = (c: { edges: { node: any }[] }) => c.edges.map((e) => e.node);
  return {
    customers: nodes(d.customers).map((c) => c.id as string),
    locationId: nodes(d.locations)[0].id as string,
    skus: nodes(d.products).filter((p) => !p.temperatureRange).flatMap((p) => p.variants.map((v: { sku: string }) => v.sku as string)),
    vehicles: nodes(d.vehicles).map((v) => v.id as string),
    orderIds: nodes(d.orders).map((o) => o.id as string),
  };
}
type Catalogue = Awaited<ReturnType<typeof readCatalogue>>;

/**
 * The subscribers, half on the fleet feed, half on the order feed. Ramped up in batches of 50, each batch
 * acknowledged (connection_ack) before the next starts: a real client population does not open 1 000 sockets in
 * one burst at a server that has just started, and on a starved machine a burst left hundreds of handshakes queued
 * behind each other. Acknowledged means the socket is open and its credentials checked; the subscribe follows at once.
 */
async function rampSubscribers(gatewayUrl: string, token: string, clients: Client[], counts: Counts, errors: ErrorLog, stopping: () => boolean) {
  const wsUrl = gatewayUrl.replace(/^http/, 'ws');
  const feeds = [op('LiveFleet'), op('OrderFeed')];
  for (let i = 0; i < subscribers; i += 50) {
    const batch: Promise<void>[] = [];
    for (let j = i; j < Math.min(subscribers, i + 50); j++) {
      let acked!: () => void;
      batch.push(new Promise<void>((r) => (acked = r)));
      const c = createClient({
        url: wsUrl, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: false, keepAlive: 20_000,
        on: { connected: () => acked(), closed: () => acked() },
      });
      c.on('error', (e) => errors.add(`socket: ${String((e as Error)?.message ?? e)}`));
      clients.push(c);
      c.subscribe({ query: feeds[j % 2]! }, {
        next: (v) => {
          counts.events++;
          if (v.errors?.length) errors.add(`event: ${JSON.stringify(v.errors).slice(0, 300)}`);
        },
        error: (e) => errors.add(`subscription: ${describeEnd(e)}`),
        complete: () => {
          if (!stopping()) errors.add('subscription completed by the server');
        },
      });
      counts.subscribed++;
    }
    await Promise.race([Promise.all(batch), sleep(120_000)]);
  }
}

/** One worker of the mixed traffic until `end`: a loop of queries and mutations; its orders are cancelled again so stock lasts. */
async function worker(w: number, end: number, gql: Gql, token: string, cat: Catalogue, counts: Counts, errors: ErrorLog) {
  const { customers, locationId, skus, vehicles, orderIds } = cat;
  let n = 0;
  const mine: string[] = [];
  while (Date.now() < end) {
    n++;
    const kind = (n + w) % 6;
    if (kind === 0) {
      const r = await gql(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } userErrors { code message } } }`, {
        i: { customerId: customers[(n * 7 + w) % customers.length], channel: 'PORTAL', locationId, lines: [{ sku: skus[(n + w) % skus.length], quantity: 1 }], idempotencyKey: `soak-${randomUUID()}` },
      }, token);
      counts.mutations++;
      const id = r?.placeOrder?.order?.id as string | undefined;
      if (id) (counts.ordersPlaced++, mine.push(id), orderIds.push(id));
      else if (r?.placeOrder?.userErrors?.length) errors.add(`placeOrder: ${JSON.stringify(r.placeOrder.userErrors)}`);
    } else if (kind === 1 && mine.length > 0) {
      const id = mine.shift()!;
      const r = await gql(`mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } userErrors { code message } } }`, { i: { orderId: id, reason: 'soak' } }, token);
      counts.mutations++;
      if (r?.cancelOrder?.order) counts.ordersCancelled++;
      // an order rejected (credit) meanwhile cannot be cancelled: expected, not an error
      else if (r?.cancelOrder?.userErrors?.some((e: { code: string }) => e.code !== 'ORDER_NOT_CANCELLABLE')) errors.add(`cancelOrder: ${JSON.stringify(r.cancelOrder.userErrors)}`);
    } else if (kind === 2) {
      const v = vehicles[(n + w) % vehicles.length]!;
      await gql(`mutation($i: ReportVehiclePositionInput!) { reportVehiclePosition(input: $i) { userErrors { code message } } }`, {
        i: { vehicleId: v, lat: 6.5 + ((n % 100) / 1000), lng: 3.35 + ((w % 10) / 1000), speedKph: 30, heading: 90, recordedAt: new Date().toISOString() },
      }, token);
      counts.mutations++;
      counts.positions++;
    } else if (kind === 3) {
      await gql(op('OrderDetail'), { id: orderIds[(n * 13 + w) % Math.max(1, orderIds.length)] }, token);
      counts.queries++;
    } else if (kind === 4) {
      await gql(`{ products(first: 20) { edges { node { name variants { sku basePrice { amount currencyCode } } } } } }`, {}, token);
      counts.queries++;
    } else {
      await gql(`{ vehicles(first: 20) { edges { node { plate lastPosition { lat lng } currentShipment { status rider { name } } } } } me { email } }`, {}, token);
      counts.queries++;
    }
    if (mine.length > 20) mine.splice(0, mine.length - 20);
    await sleep(100);
  }
}

/** Every minute: traffic, errors, the event loop's longest hold-up, the heap and its slope so far. */
function reportEveryMinute(samples: Sample[], counts: Counts, errors: ErrorLog): NodeJS.Timeout {
  return setInterval(() => {
    const after = samples.filter((s) => s.t >= errors.loadStart + warmupMs);
    const fit = after.length >= 3 ? linearFit(after.map((s) => (s.t - after[0]!.t) / 60_000), after.map((s) => s.heapUsed / 2 ** 20)) : null;
    const loop = Math.max(0, ...samples.slice(-6).map((x) => x.loopMaxMs ?? 0));
    log(`${counts.requests} requests, ${counts.events} events, ${errors.count} errors; event loop held up ≤ ${(loop / 1000).toFixed(1)} s; heap ${((samples.at(-1)?.heapUsed ?? 0) / 2 ** 20).toFixed(1)} MiB${fit ? `, slope ${fit.slope.toFixed(3)} MiB/min` : ''}`);
  }, 60_000);
}

/** The verdict and figures of the run: soak/results/latest.json and the summary on stdout; true when it passed. */
function writeResult(samples: Sample[], counts: Counts, errors: ErrorLog, rampMs: number, serverLog: () => string): boolean {
  const loadStart = errors.loadStart;
  const errorCount = errors.count;
  const after = samples.filter((s) => s.t >= loadStart + warmupMs);
  const xs = after.map((s) => (s.t - after[0]!.t) / 60_000);
  const heap = linearFit(xs, after.map((s) => s.heapUsed / 2 ** 20));
  const rss = linearFit(xs, after.map((s) => s.rss / 2 ** 20));
  const ok = after.length >= 3 && heap.slope < MAX_SLOPE && errorCount === 0;
  const mib = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  const result = {
    ok,
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version },
    minutes,
    warmupMinutes: warmupMs / 60_000,
    subscribers: counts.subscribed,
    rampUpSeconds: Math.round(rampMs / 100) / 10,
    traffic: { ...counts, perSecond: Math.round((counts.requests / ((Date.now() - loadStart) / 1000)) * 10) / 10 },
    errors: errorCount,
    errorSamples: errors.samples.slice(0, 20),
    // what the server said around the errors (its stderr, last 8 KiB)
    ...(errorCount ? { serverLogTail: serverLog().slice(-4000) } : {}),
    heap: {
      samples: after.length,
      firstMiB: mib(after[0]?.heapUsed ?? 0),
      lastMiB: mib(after.at(-1)?.heapUsed ?? 0),
      maxMiB: mib(Math.max(...after.map((s) => s.heapUsed))),
      slopeMiBPerMin: Math.round(heap.slope * 1000) / 1000,
      r2: Math.round(heap.r2 * 100) / 100,
      limitMiBPerMin: MAX_SLOPE,
    },
    rss: { firstMiB: mib(after[0]?.rss ?? 0), lastMiB: mib(after.at(-1)?.rss ?? 0), slopeMiBPerMin: Math.round(rss.slope * 1000) / 1000 },
    // the server's event loop: longest hold-up per 10 s sample (ms), and the samples when it exceeded 10 s
    eventLoop: {
      maxMs: Math.max(0, ...samples.map((x) => x.loopMaxMs ?? 0)),
      over10s: samples.filter((x) => (x.loopMaxMs ?? 0) > 10_000).map((x) => ({ at: `+${((x.t - loadStart) / 1000).toFixed(0)}s`, ms: x.loopMaxMs })),
    },
    note: 'embedded mode: the gateway and the five subgraphs share one process, so one heap; sampled after a full GC',
  };
  mkdirSync(join(ROOT, 'soak', 'results'), { recursive: true });
  writeFileSync(join(ROOT, 'soak', 'results', 'latest.json'), JSON.stringify(result, null, 2) + '\n');
  const kept = errors.samples;
  process.stdout.write(`
Soak: ${minutes} min (warm-up ${(warmupMs / 60_000).toFixed(1)}), ${counts.subscribed} subscribers, ${counts.requests} requests (${result.traffic.perSecond}/s: ${counts.queries} queries, ${counts.mutations} mutations), ${counts.events} subscription events
  heap after GC   ${result.heap.firstMiB} → ${result.heap.lastMiB} MiB (max ${result.heap.maxMiB}), slope ${result.heap.slopeMiBPerMin} MiB/min over ${after.length} samples (limit ${MAX_SLOPE})
  rss             ${result.rss.firstMiB} → ${result.rss.lastMiB} MiB, slope ${result.rss.slopeMiBPerMin} MiB/min
  errors          ${errorCount}${kept.length ? `\n    ${kept.slice(0, 5).join('\n    ')}` : ''}
${ok ? 'PASS' : 'FAIL'}
`);
  return ok;
}

async function main(): Promise<number> {
  log(`${minutes} min, ${subscribers} subscribers, warm-up ${(warmupMs / 60_000).toFixed(1)} min`);
  const dataDir = await seededDataDir();
  const { server, samples, ready } = startStack(dataDir);
  process.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const errors = new ErrorLog();
  const clients: Client[] = [];
  // The server closes an idle keep-alive connection after 65 s (gateway keepAliveTimeout); a client that reuses one
  // at that moment gets a reset. Clients keep idle connections for less (10 s), as a client in front of a server must.
  const http = new Agent({ keepAliveTimeout: 10_000, keepAliveMaxTimeout: 10_000 });
  let stopping = false;
  const counts: Counts = { requests: 0, queries: 0, mutations: 0, events: 0, subscribed: 0, ordersPlaced: 0, ordersCancelled: 0, positions: 0 };
  try {
    const gatewayUrl = await ready;
    log(`stack up at ${gatewayUrl} (pid ${server.proc.pid})`);
    const gql = gqlClient(gatewayUrl, http, counts, errors);
    const token = (await gql('mutation($i: LoginInput!) { login(input: $i) { accessToken } }', { i: { email: 'ops@lagos.demo', password: 'omniroute-demo' } }))?.login?.accessToken as string;
    if (!token) throw new Error(`login failed: ${errors.samples.join('\n')}`);
    const catalogue = await readCatalogue(gql, token);

    // the run's minutes (and its warm-up) count from here: the stack's start-up is not part of them
    errors.loadStart = Date.now();
    const rampStart = Date.now();
    await rampSubscribers(gatewayUrl, token, clients, counts, errors, () => stopping);
    const rampMs = Date.now() - rampStart;
    log(`${counts.subscribed} subscribers in ${(rampMs / 1000).toFixed(1)} s`);

    const end = errors.loadStart + minutes * 60_000;
    const reporter = reportEveryMinute(samples, counts, errors);
    await Promise.all([0, 1, 2, 3].map((w) => worker(w, end, gql, token, catalogue, counts, errors)));
    clearInterval(reporter);
    stopping = true;
    await sleep(SAMPLE_MS + 1_000); // one more sample after the last request
    return writeResult(samples, counts, errors, rampMs, server.log) ? 0 : 1;
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
    await http.close();
    await stopChild(server, 35_000);
  }
}

const hardLimit = setTimeout(() => {
  log('hard time limit reached; exiting');
  process.exit(2);
}, (minutes + 30) * 60_000);
hardLimit.unref();
main().then((code) => process.exit(code), (e) => {
  log(`failed: ${(e as Error)?.stack ?? e}`);
  process.exit(1);
});
