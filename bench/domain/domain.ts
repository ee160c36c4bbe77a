// Domain operations through our gateway on a throw-away Postgres database, the whole platform (five subgraphs and
// the gateway) in this one process, the load generator in another:
//   node --import tsx bench/domain/domain.ts '<DomainOptions json>'   → one JSON line (DomainResult) on stdout.
// Per operation: RPS and latency under load, and the SQL statements one single request costs in each subgraph
// (counted by the database adapter, reset to 0 just before that request).
import { readFileSync } from 'node:fs';
import { startStack, type Stack, type StackOptions } from '@omniroute/platform';
import { createTestDatabase, gql, login, nodes, testSecrets } from '@omniroute/testkit';
import { cpuWindow, ROOT, round, rssSampler, runLoadChild, sleep } from '../lib/proc.ts';
import type { LoadOptions, LoadResult } from '../lib/load.ts';

export interface DomainOptions {
  duration: number;
  warmup: number;
  connections: number;
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
  correct: boolean;
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

function countStatements(stack: Stack): () => Record<string, number> {
  for (const s of Object.values(stack.subgraphs)) s.runtime.db.stats.statements = 0;
  return () => Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.runtime.db.stats.statements]));
}

export async function runDomain(o: DomainOptions, log: (l: string) => void) {
  const t0 = Date.now();
  const db = await createTestDatabase('omniroute_bench');
  let stack: Stack | undefined;
  try {
    // Long relay interval: no idle outbox polling between the statements we count; commits still kick the relay at
    // once, so placeOrder's events flow (credit check, invoice…) during its load as in production. The gateway's
    // per-user rate limit is off: this measures throughput, not the limiter.
    const stackOptions: StackOptions = { secrets: testSecrets(), databaseUrl: db.url, seed: true, relayIntervalMs: 3_600_000, partners: { rateLimits: false } as never };
    stack = await startStack(stackOptions);
    const startupSeconds = round((Date.now() - t0) / 1000, 1);
    log(`domain: platform started and seeded on Postgres in ${startupSeconds} s`);
    const url = stack.gatewayUrl;
    const token = await login(url, 'ops@lagos.demo');
    const headers = { authorization: `Bearer ${token}` };
    const q = async (query: string, variables: Record<string, unknown> = {}) => {
      const r = await gql(url, query, variables, token);
      if (r.errors) throw new Error(`${query.slice(0, 60)}: ${JSON.stringify(r.errors)}`);
      return r.data;
    };

    const delivered = nodes<{ id: string }>((await q('{ orders(first: 1, filter: { status: DELIVERED }) { edges { node { id } } } }')).orders)[0]!.id;
    const warehouses = nodes<{ id: string; kind: string }>((await q('{ locations(first: 20) { edges { node { id kind } } } }')).locations).filter((l) => l.kind === 'WAREHOUSE');
    const skus = nodes<{ variants: { sku: string }[] }>((await q('{ products(first: 50) { edges { node { variants { sku } } } } }')).products).flatMap((p) => p.variants.map((v) => v.sku));
    const customers = nodes<{ id: string }>((await q('{ customers(first: 100) { edges { node { id } } } }')).customers).map((c) => c.id);

    // After a load run the platform still works off the requests in flight and the events they raised: wait until
    // no subgraph runs a statement for a while, so the next single request is counted alone.
    async function settle() {
      const total = () => Object.values(stack!.subgraphs).reduce((s, x) => s + x.runtime.db.stats.statements, 0);
      let last = total();
      let quiet = 0;
      for (let i = 0; i < 120 && quiet < 3; i++) {
        await sleep(250);
        const now = total();
        quiet = now === last ? quiet + 1 : 0;
        last = now;
      }
    }

    const pid = process.pid;
    async function measure(name: string, load: Omit<LoadOptions, 'duration' | 'connections' | 'url'>, single: () => Promise<{ ok: boolean; statements: Record<string, number>; withEvents?: Record<string, number> }>): Promise<DomainOperationResult> {
      await settle();
      const first = await single();
      log(`domain: ${name}: one request → statements ${JSON.stringify(first.statements)}${first.ok ? '' : ' (WRONG RESPONSE)'}`);
      let cpu: ReturnType<typeof cpuWindow> | undefined;
      let rss: ReturnType<typeof rssSampler> | undefined;
      const r = await runLoadChild<LoadResult>({ url, connections: o.connections, warmup: o.warmup, duration: o.duration, headers, ...load } satisfies LoadOptions, () => {
        cpu = cpuWindow({ stack: pid });
        rss = rssSampler(pid);
      });
      const used = cpu!.stop();
      rss!.stop();
      await settle();
      const after = await single();
      log(`domain: ${name}: ${r.rps} RPS, p99 ${r.p99Ms} ms, errors ${r.errors + r.non2xx}, bad responses ${r.bodyFailures}`);
      return {
        rps: r.rps,
        p50Ms: r.p50Ms,
        p95Ms: r.p95Ms,
        p99Ms: r.p99Ms,
        errors: r.errors + r.non2xx,
        badResponses: r.bodyFailures,
        requests: r.requests,
        statementsPerOperation: first.statements,
        ...(first.withEvents ? { statementsWithEvents: first.withEvents } : {}),
        stackCpuCores: used.cores.stack,
        loadCpuCores: r.loadCpuCores,
        machineBusyCores: used.machineBusyCores,
        correct: first.ok && after.ok,
      };
    }

    const orderDetailBody = JSON.stringify({ query: ORDER_DETAIL, variables: { id: delivered } });
    const orderDetail = await measure('OrderDetail (1 order)', { body: orderDetailBody, rejectInBody: '"errors"', expectInBody: '"invoice"' }, async () => {
      const read = countStatements(stack!);
      const r = await gql(url, ORDER_DETAIL, { id: delivered }, token);
      const statements = read();
      const order = r.data?.order;
      return { ok: !r.errors && !!order?.number && !!order.shipment?.rider?.level?.name && !!order.invoice?.status && !!order.customer?.creditLine, statements };
    });

    const ORDERS = ordersDetail(50);
    const orders50 = await measure('orders(first: 50) with OrderDetail', { body: JSON.stringify({ query: ORDERS }), rejectInBody: '"errors"', expectInBody: '"edges"' }, async () => {
      const read = countStatements(stack!);
      const r = await gql(url, ORDERS, {}, token);
      const statements = read();
      return { ok: !r.errors && nodes(r.data?.orders).length === 50, statements };
    });

    // Every request a fresh idempotency key; customers, warehouses and SKUs in turn so stock lasts (one unit each).
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
    const placeOrder = await measure('placeOrder (unique idempotency keys)', { body: bodies[0]!, bodies, uniquePlaceholder: KEY, expectInBody: '"userErrors":[]', rejectInBody: '"errors"' }, async () => {
      const read = countStatements(stack!);
      const r = await gql(url, PLACE_ORDER, { input: input(singles++, `bench-single-${Date.now()}-${singles}`) }, token);
      const statements = read();
      await sleep(1500);
      const withEvents = read();
      return { ok: !r.errors && r.data?.placeOrder?.userErrors?.length === 0 && !!r.data.placeOrder.order?.id, statements, withEvents };
    });

    return {
      database: 'PostgreSQL (throw-away database), five subgraphs + gateway in one process',
      connections: o.connections,
      durationSeconds: o.duration,
      warmupSeconds: o.warmup,
      startupSeconds,
      orderDetail,
      orders50,
      placeOrder,
    };
  } finally {
    await stack?.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
  }
}

export type DomainResult = Awaited<ReturnType<typeof runDomain>>;

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runDomain(JSON.parse(process.argv[2]!) as DomainOptions, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}
