// The work one read request costs the platform, counted rather than timed, so a loaded machine does not change it
// (issue 13: the domain bench's RPS swung 2× between identical runs there). The platform starts in this process as
// the domain bench starts it (Postgres, seeded); after 20 warm-up requests, `count` sequential requests of each read
// operation are measured: JS function calls (V8 precise coverage), bytes allocated (sampling heap profiler, objects
// already collected included) and SQL statements, all per request, by package/area.
//   node --import tsx bench/domain/work.ts [--root <checkout>] [--count 100] --out <file.json>
//   node --import tsx bench/domain/work.ts --compare <before.json> <after.json>
//   WORK_TOP_FUNCTIONS=40 node --import tsx bench/domain/work.ts …   also lists the functions called most per request
// `--root` measures another checkout (e.g. a `git worktree` of the commit before) with this script.
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { areaOf } from '../lib/cpuprofile.ts';
import { ROOT } from '../lib/proc.ts';

interface OperationWork {
  statements: Record<string, number>;
  responseBytes: number;
  calls: number;
  allocatedBytes: number;
  callsByArea: Record<string, number>;
  allocatedByArea: Record<string, number>;
}

interface CallFrame { url: string; functionName: string }
interface HeapNode { callFrame: CallFrame; selfSize: number; children: HeapNode[] }
interface Coverage { result: { url: string; functions: { functionName: string; ranges: { count: number }[] }[] }[] }

/** WORK_TOP_FUNCTIONS=<n>: also print the n functions called most per request (stderr). */
const TOP = Number(process.env.WORK_TOP_FUNCTIONS ?? 0);
const add = (m: Record<string, number>, k: string, v: number) => (m[k] = (m[k] ?? 0) + v);
const perRequest = (m: Record<string, number>, n: number) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / n)]));

async function measure(root: string, count: number): Promise<Record<string, OperationWork>> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('HeapProfiler.enable');
  // coverage from the start: functions compiled before it lose their counts
  await session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
  const { startStack } = (await import(`${root}/platform/src/index.ts`)) as typeof import('@omniroute/platform');
  const tk = (await import(`${root}/packages/testkit/src/index.ts`)) as typeof import('@omniroute/testkit');
  const db = await tk.createTestDatabase('omniroute_bench_work');
  const stack = await startStack({ secrets: tk.testSecrets(), databaseUrl: db.url, seed: true, relayIntervalMs: 3_600_000, partners: { rateLimits: false } as never });
  try {
    const url = stack.gatewayUrl;
    const token = await tk.login(url, 'ops@lagos.demo');
    const detail = readFileSync(`${root}/schema/operations/OrderDetail.graphql`, 'utf8');
    const orders = await tk.gql(url, '{ orders(first: 1, filter: { status: DELIVERED }) { edges { node { id } } } }', {}, token);
    const id = tk.nodes<{ id: string }>(orders.data?.orders)[0]!.id;
    const selection = detail.slice(detail.indexOf('order(id: $id) {') + 'order(id: $id) {'.length, detail.lastIndexOf('}', detail.lastIndexOf('}') - 1));
    const operations = {
      orderDetail: JSON.stringify({ query: detail, variables: { id } }),
      orders50: JSON.stringify({ query: `query OrdersDetail { orders(first: 50) { edges { node { id ${selection} } } } }` }),
    };
    const post = async (body: string) => {
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      const text = await r.text();
      if (!r.ok || text.includes('"errors"')) throw new Error(`work: ${text.slice(0, 300)}`);
      return text;
    };
    const out: Record<string, OperationWork> = {};
    for (const [name, body] of Object.entries(operations)) {
      for (let i = 0; i < 20; i++) await post(body);
      await new Promise((r) => setTimeout(r, 1000));
      await session.post('Profiler.takePreciseCoverage'); // resets the counts
      await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
      for (const s of Object.values(stack.subgraphs)) s.runtime.db.stats.statements = 0;
      let responseBytes = 0;
      for (let i = 0; i < count; i++) responseBytes = (await post(body)).length;
      const statements = Object.fromEntries(Object.entries(stack.subgraphs).map(([n, s]) => [n, s.runtime.db.stats.statements / count]));
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: HeapNode } };
      const coverage = (await session.post('Profiler.takePreciseCoverage')) as Coverage;
      const calls: Record<string, number> = {};
      for (const script of coverage.result) for (const f of script.functions) if (f.ranges[0]!.count) add(calls, areaOf(script.url.replace(/^file:\/\//, '')), f.ranges[0]!.count);
      if (TOP) {
        const fns = coverage.result.flatMap((s) => s.functions.filter((f) => f.ranges[0]!.count).map((f) => [`${f.functionName || '(anonymous)'} ${s.url.replace(/^.*node_modules\//, '').replace(`file://${root}/`, '')}`, f.ranges[0]!.count / count] as const));
        process.stderr.write(`${name}: functions called most per request\n${fns.sort((a, b) => b[1] - a[1]).slice(0, TOP).map(([f, n]) => `  ${n.toFixed(1).padStart(8)}  ${f}`).join('\n')}\n`);
      }
      const allocated: Record<string, number> = {};
      const walk = (n: HeapNode) => {
        if (n.selfSize) add(allocated, areaOf(n.callFrame.url.replace(/^file:\/\//, '')), n.selfSize);
        n.children.forEach(walk);
      };
      walk(profile.head);
      const sum = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);
      out[name] = { statements, responseBytes, calls: Math.round(sum(calls) / count), allocatedBytes: Math.round(sum(allocated) / count), callsByArea: perRequest(calls, count), allocatedByArea: perRequest(allocated, count) };
    }
    return out;
  } finally {
    await stack.close().catch(() => undefined);
    await db.drop().catch(() => undefined);
    session.disconnect();
  }
}

/** Before → after per operation, and the areas whose calls or allocation moved most. */
function compare(before: Record<string, OperationWork>, after: Record<string, OperationWork>): string {
  const pct = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(2)} %`;
  const lines: string[] = [];
  for (const op of Object.keys(before)) {
    const b = before[op]!;
    const a = after[op]!;
    lines.push(`${op}: statements ${JSON.stringify(b.statements)} → ${JSON.stringify(a.statements)}; response ${b.responseBytes} → ${a.responseBytes} bytes`);
    lines.push(`  JS calls ${b.calls} → ${a.calls} (${pct(b.calls, a.calls)}); allocated ${b.allocatedBytes} → ${a.allocatedBytes} bytes (${pct(b.allocatedBytes, a.allocatedBytes)})`);
    for (const [label, bm, am] of [['calls', b.callsByArea, a.callsByArea], ['bytes', b.allocatedByArea, a.allocatedByArea]] as const) {
      const areas = [...new Set([...Object.keys(bm), ...Object.keys(am)])].sort((x, y) => Math.abs((am[y] ?? 0) - (bm[y] ?? 0)) - Math.abs((am[x] ?? 0) - (bm[x] ?? 0)));
      for (const area of areas.slice(0, 5)) lines.push(`    ${label} ${area}: ${bm[area] ?? 0} → ${am[area] ?? 0}`);
    }
  }
  return lines.join('\n');
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { root: { type: 'string' }, count: { type: 'string' }, out: { type: 'string' }, compare: { type: 'boolean' } } });
if (values.compare) {
  const [b, a] = positionals.map((f) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, OperationWork>);
  process.stdout.write(`${compare(b!, a!)}\n`);
} else {
  const work = await measure(values.root ?? ROOT, Number(values.count ?? 100));
  if (values.out) writeFileSync(values.out, JSON.stringify(work, null, 2));
  process.stdout.write(`${JSON.stringify(work)}\n`);
  process.exit(0);
}
