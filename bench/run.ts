// npm run bench [-- options]: gateway throughput against stock @apollo/gateway and @graphql-hive/gateway, domain
// operations on Postgres, subscription fan-out. Tables on stdout, progress on stderr, JSON in bench/results/.
//
//   --smoke                 seconds-long run that checks correctness only (CI); writes results/smoke.json
//   --only a,b              sections: gateway, domain, subscriptions (default: these three), hostile (hostile documents
//                           against the gateway's memory, issue 12: only when named)
//   --skip-gateways a,b     of ours, ours-dedup, apollo, hive-nodedup, hive (e.g. hive: slow start-up)
//   --duration <s>          measured seconds per gateway (default 20; smoke 2); domain: per operation (15; smoke 2)
//   --runs <n>              rounds over the gateways, median row kept (default 1)
//   --subscribers 1000,…    subscriber counts (default 1000,5000,10000; smoke 100)
//   --sub-source stack|fixture|both   (default: both in a full run — the real LiveFleet on the whole platform, then
//                           our gateway process alone on a fixture; smoke: stack)
//   --gateway-workers 1,2   gateway processes on one port (node:cluster) for the platform source: one row set each
//                           (default 1,2 in a full run; smoke 1); the fixture runs with the first
//   --domain-db postgres,pglite   databases of the domain section (default both; smoke: postgres): Postgres with the
//                           floor rows (same statements through pg, JSON by hand), then PGlite on disk (npm start)
//   --no-floor              domain: skip the floor rows
//   --out <file>            (default bench/results/latest.json; smoke: bench/results/smoke.json)
// Exit code 1 when a response was wrong, a server failed, or a subscriber missed an event.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gatewayTables, runGatewayBench, type GatewayName, type GatewayRow } from './federation/bench.ts';
import type { DomainResult } from './domain/domain.ts';
import { runSubscriptionBench, subscriptionTable, type SubscriptionBenchResult } from './subscriptions/bench.ts';
import { hostileTable, type runHostile } from './hostile/hostile.ts';
import { ROOT, round, runJsonChild } from './lib/proc.ts';
import { table } from './lib/stats.ts';

const { values: args } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    only: { type: 'string' },
    'skip-gateways': { type: 'string' },
    duration: { type: 'string' },
    runs: { type: 'string' },
    subscribers: { type: 'string' },
    'sub-source': { type: 'string' },
    'gateway-workers': { type: 'string' },
    'domain-db': { type: 'string' },
    'no-floor': { type: 'boolean', default: false },
    out: { type: 'string' },
  },
  strict: true,
});

const smoke = args.smoke;
const sections = new Set((args.only ?? 'gateway,domain,subscriptions').split(',').map((s) => s.trim()));
const skip = new Set((args['skip-gateways'] ?? '').split(',').filter(Boolean));
const duration = args.duration ? Number(args.duration) : undefined;
const out = resolve(ROOT, args.out ?? (smoke ? 'bench/results/smoke.json' : 'bench/results/latest.json'));
const log = (l: string) => process.stderr.write(`${l}\n`);
const problems: string[] = [];

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const machine = {
  cores: cpus().length,
  cpuModel: cpus()[0]?.model ?? 'unknown',
  memoryGb: round(totalmem() / 2 ** 30, 1),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  date: new Date().toISOString(),
  loadAverageAtStart: loadavg().map((x) => round(x, 2)),
  mode: smoke ? 'smoke' : 'full',
  commit: gitCommit(),
  note: 'shared 2-core machine: absolute numbers are noisy; compare rows of the same run',
};

const result: Record<string, unknown> = { machine };
log(`OmniRoute benchmarks (${machine.mode}) — ${machine.cores} cores, Node ${machine.node}, load average ${machine.loadAverageAtStart.join(' ')}`);

if (sections.has('gateway')) {
  const all: GatewayName[] = ['ours', 'apollo', 'hive-nodedup', 'ours-dedup', 'hive'];
  const r = await runGatewayBench({
    duration: duration ?? (smoke ? 2 : 20),
    warmup: smoke ? 0.5 : 5,
    connections: 50,
    runs: Number(args.runs ?? 1),
    gateways: all.filter((g) => !skip.has(g)),
    log,
  });
  const check = (label: string, row: GatewayRow | null, name: GatewayName) => {
    if (skip.has(name)) return;
    if (!row) problems.push(`gateway ${label}: no result`);
    else if (row.failure) problems.push(`gateway ${label}: ${row.failure.split('\n')[0]}`);
    else if (!row.correct || !row.correctAfter) problems.push(`gateway ${label}: wrong response (before load ${row.correct}, after ${row.correctAfter})`);
  };
  check('ours', r.plain.ours, 'ours');
  check('apolloGateway', r.plain.apolloGateway, 'apollo');
  check('hiveGateway (no dedup)', r.plain.hiveGateway, 'hive-nodedup');
  check('ours --dedup-inbound', r.dedup.ours, 'ours-dedup');
  check('hiveGateway (dedup)', r.dedup.hiveGateway, 'hive');
  const { allRuns: _runs, ...gateway } = r;
  result.gateway = Number(args.runs ?? 1) > 1 ? r : gateway;
  process.stdout.write(`\n${gatewayTables(r)}\n\n`);
}

async function domainSection(): Promise<string> {
  let text = '';
  const dbs = (args['domain-db'] ?? (smoke ? 'postgres' : 'postgres,pglite')).split(',').map((s) => s.trim()) as ('postgres' | 'pglite')[];
  const results: Record<string, unknown> = {};
  for (const kind of dbs) {
    try {
      const d = await runJsonChild<DomainResult>('domain', 'bench/domain/domain.ts', { duration: duration ?? (smoke ? 2 : 15), warmup: smoke ? 0 : 3, connections: smoke ? 10 : 50, db: kind, floor: !args['no-floor'] }, {
        echo: true,
        timeoutMs: 15 * 60_000,
        nodeArgs: ['--max-semi-space-size=32'], // as `npm start` runs the platform
      });
      const ops = [['OrderDetail (1 order)', d.orderDetail], ['OrderDetail (50 orders in turn)', d.orderDetailInTurn], ['orders(first: 50) + OrderDetail', d.orders50], [`placeOrder (${d.connections} clients)`, d.placeOrder]] as const;
      for (const [name, op] of ops) {
        if (!op.correct) problems.push(`domain (${kind}) ${name}: wrong response`);
        if (op.badResponses) problems.push(`domain (${kind}) ${name}: ${op.badResponses} responses under load had errors, userErrors or differed from the checked response`);
        if (op.floor && !op.floor.sameDataAsGateway) problems.push(`domain (${kind}) ${name}: the floor's answer differs from the gateway's`);
        if (op.floor?.badResponses) problems.push(`domain (${kind}) ${name}: ${op.floor.badResponses} floor responses under load differed`);
      }
      const subgraphs = Object.keys(d.orderDetail.statementsPerOperation).filter((s) => s !== 'identity');
      text += `Domain — ${d.database}; ${d.connections} connections, ${d.durationSeconds} s per operation\n`;
      const rows: (string | number | boolean | null | undefined)[][] = [];
      for (const [name, op] of ops) {
        rows.push([name, op.rps, op.p50Ms, op.p99Ms, op.errors, op.badResponses, ...subgraphs.map((s) => op.statementsPerOperation[s]), op.stackCpuCores, op.cpuMsPerRequest, op.rssRestMb, op.rssPeakMb]);
        if (op.floor) rows.push([`  floor (pg + JSON by hand); ours ÷ floor ${op.ratioToFloor ?? '–'}`, op.floor.rps, op.floor.p50Ms, op.floor.p99Ms, op.floor.errors, op.floor.badResponses, ...subgraphs.map((s) => op.statementsPerOperation[s]), op.floor.cpuCores, op.floor.cpuMsPerRequest, op.floor.rssRestMb, op.floor.rssPeakMb]);
      }
      text += `${table([['operation', 'RPS', 'p50 ms', 'p99 ms', 'errors', 'bad', ...subgraphs.map((s) => `SQL ${s}`), 'cores', 'CPU ms/req', 'RSS rest MiB', 'RSS peak MiB'], ...rows])}\n`;
      if (d.placeOrder.statementsWithEvents) text += `placeOrder statements including the events it raises (1.5 s later): ${JSON.stringify(d.placeOrder.statementsWithEvents)}\n`;
      if (d.placeOrder.eventLagMs) text += `placeOrder events, outbox → handler lag: ${JSON.stringify(d.placeOrder.eventLagMs)}\n`;
      text += '\n';
      results[kind] = d;
    } catch (e) {
      problems.push(`domain (${kind}): ${String((e as Error).message).split('\n')[0]}`);
      log(String((e as Error).message));
      results[kind] = { failure: String((e as Error).message).slice(0, 2000) };
    }
  }
  // `domain` stays the Postgres result (as before); `domain.pglite` the embedded one
  const { postgres, ...rest } = results;
  result.domain = postgres ? { ...(postgres as object), ...rest } : rest;
  return text;
}

async function subscriptionsSection(): Promise<string> {
  let text = '';
  const steps = (args.subscribers ?? (smoke ? '100' : '1000,5000,10000')).split(',').map(Number);
  const source = (args['sub-source'] ?? (smoke ? 'stack' : 'both')) as 'stack' | 'fixture' | 'both';
  const opts = { steps, rate: smoke ? 5 : 2, events: smoke ? 5 : 20, clientProcesses: smoke ? 1 : Number(process.env.BENCH_CLIENT_PROCESSES ?? 2), log };
  const checkSubs = (label: string, r: SubscriptionBenchResult) => {
    for (const s of r.steps) {
      if (s.delivered !== s.expected) problems.push(`subscriptions (${label}) ${s.subscribers}: delivered ${s.delivered} of ${s.expected}`);
      if (s.badMessages) problems.push(`subscriptions (${label}) ${s.subscribers}: ${s.badMessages} wrong messages`);
    }
    if (r.publishFailures) problems.push(`subscriptions (${label}): ${r.publishFailures} position reports failed`);
  };
  const workerCounts = (args['gateway-workers'] ?? (smoke ? '1' : '1,2')).split(',').map(Number);
  if (workerCounts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--gateway-workers: positive integers');
  const runOne = async (src: 'stack' | 'fixture', gatewayWorkers = workerCounts[0]!) => {
    const label = gatewayWorkers > 1 ? `${src}, ${gatewayWorkers} gateway workers` : src;
    try {
      const r = await runSubscriptionBench({ ...opts, source: src, gatewayWorkers });
      checkSubs(label, r);
      text += `${subscriptionTable(r)}\n\n`;
      return r;
    } catch (e) {
      problems.push(`subscriptions (${label}): ${String((e as Error).message).split('\n')[0]}`);
      log(String((e as Error).message));
      return { failure: String((e as Error).message).slice(0, 2000) };
    }
  };
  // `subscriptions` is the platform with the first worker count; `workers<N>` the platform with the others;
  // `gatewayOnly` the fixture.
  const platform = source === 'fixture' ? undefined : await runOne('stack');
  const clustered: Record<string, unknown> = {};
  if (platform) for (const n of workerCounts.slice(1)) clustered[`workers${n}`] = await runOne('stack', n);
  const gatewayOnly = source === 'stack' ? undefined : await runOne('fixture');
  result.subscriptions = platform ? { ...platform, ...clustered, ...(gatewayOnly ? { gatewayOnly } : {}) } : gatewayOnly;
  return text;
}

async function hostileSection(): Promise<string> {
  try {
    const r = await runJsonChild<Awaited<ReturnType<typeof runHostile>>>('hostile', 'bench/hostile/hostile.ts', { count: smoke ? 100 : 1000 }, { echo: true, timeoutMs: 15 * 60_000 });
    const expected: Record<string, [number, string]> = {
      // application/json responses: a syntax error is a 200 (GraphQL over HTTP), the limits answer 413/400
      'unparsable-1mib': [413, 'QUERY_TOO_LARGE'], 'valid-near-limit': [200, 'none'], 'unparsable-near-limit': [200, 'GRAPHQL_PARSE_FAILED'], 'too-many-tokens': [400, 'QUERY_TOO_LARGE'],
    };
    for (const p of r.phases) {
      const [status, code] = expected[p.phase]!;
      if (p.statuses[status] !== p.requests || p.codes[code] !== p.requests) problems.push(`hostile ${p.phase}: expected ${p.requests}× ${status} ${code}, got ${JSON.stringify(p.statuses)} ${JSON.stringify(p.codes)}`);
    }
    result.hostile = r;
    return `${hostileTable(r, table)}

`;
  } catch (e) {
    problems.push(`hostile: ${String((e as Error).message).split('\n')[0]}`);
    log(String((e as Error).message));
    result.hostile = { failure: String((e as Error).message).slice(0, 2000) };
    return '';
  }
}

// Smoke runs check correctness only: the two platform sections run side by side to keep CI short.
for (const k of ['domain', 'subscriptions']) if (sections.has(k)) result[k] = null; // stable key order in the JSON
if (smoke) {
  const texts = await Promise.all([sections.has('domain') ? domainSection() : '', sections.has('subscriptions') ? subscriptionsSection() : '']);
  process.stdout.write(texts.join(''));
} else {
  if (sections.has('domain')) process.stdout.write(await domainSection());
  if (sections.has('subscriptions')) process.stdout.write(await subscriptionsSection());
}

if (sections.has('hostile')) process.stdout.write(await hostileSection());

result.checks = { ok: problems.length === 0, problems };
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${problems.length ? `PROBLEMS:\n- ${problems.join('\n- ')}` : 'all responses correct'}\nwrote ${join(dirname(out).replace(ROOT, ''), '')}/${out.split('/').pop()}\n`);
process.exit(problems.length ? 1 : 0);
