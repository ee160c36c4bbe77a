// Subscription fan-out: N subscribers over graphql-ws on one gateway process (or a cluster of them on one port),
// events at a fixed rate, delivery latency from publish (the time stamped in the event) to receipt by each client,
// memory per subscriber and CPU.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuWindow, memMb, ROOT, round, sleep, startIpcChild, stopIpcChild, type IpcChild } from '../lib/proc.ts';
import { histogramPercentile, mergeHistograms, table } from '../lib/stats.ts';
import { LIVE_FLEET } from './fixture.ts';

export interface SubscriptionBenchOptions {
  /** total subscribers at each step, ascending (connections are added between steps) */
  steps: number[];
  /** events published per second */
  rate: number;
  /** events per step */
  events: number;
  clientProcesses: number;
  /** gateway processes on the port (node:cluster), default 1: the issue's "one gateway process" */
  gatewayWorkers?: number;
  /** 'stack': the real platform and LiveFleet; 'fixture': two small subgraphs; default: stack when the supergraph has vehiclePositionUpdated */
  source?: 'stack' | 'fixture';
  log?: (line: string) => void;
}

export interface SubscriptionStep {
  subscribers: number;
  connectSeconds: number;
  events: number;
  delivered: number;
  expected: number;
  badMessages: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  gatewayRssMb: number;
  /** (RSS after GC − RSS with the warm-up subscribers) / added subscribers */
  memoryPerSubscriberKb: number;
  /** the same with the JS heap + external memory: steadier than RSS, which the allocator returns to the OS late */
  heapPerSubscriberKb: number;
  gatewayCpuCores: number;
  /** fixture only: the subgraph process (subscription source + entity fetches) */
  subgraphCpuCores?: number;
  clientCpuCores: number;
  machineBusyCores: number;
}

const WARM = 10;

interface Report { received: number; bad: number; closed: number; open: number; reached: number; histogram: Record<string, number>; firstBad?: string }

interface Target {
  /** the processes whose memory and CPU are the gateway's (one, or a cluster primary and its workers) */
  gatewayPids: number[];
  /** other server processes (subgraphs, publisher) whose CPU is reported apart */
  otherPids: Record<string, number>;
  wsUrl: string;
  connectionParams: Record<string, unknown>;
  query: string;
  variables: Record<string, unknown>;
  check: 'full' | 'basic';
  source: string;
  publish(count: number, rate: number): Promise<{ failed?: number }>;
  /** full GC in the gateway process; its heap + external bytes after it */
  gc(): Promise<{ heapUsed: number; external: number }>;
}

/** BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof": extra node flags for the measured server process. */
const extraNodeArgs = () => (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
/** BENCH_CLIENT_NODE_ARGS: the same for the subscriber (load generator) processes. */
const clientNodeArgs = () => (process.env.BENCH_CLIENT_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Our gateway process in front of the fixture subgraphs (which also publish). */
/**
 * The Node flags of `npm run gateway` (package.json), so the benchmark runs the gateway as it is deployed:
 * `--max-semi-space-size=32`, a young generation of 2 × 32 MiB instead of 2 × 16 MiB, halves the scavenges, which
 * otherwise land in the middle of a 10,000-socket fan-out (measured: p99 220–227 ms with it, 255–289 ms without,
 * alternating runs; +20 MiB RSS).
 */
const GATEWAY_NODE_FLAGS = (() => {
  const [, ...args] = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { gateway: string } }).scripts.gateway.split(/\s+/);
  return args.slice(0, args.indexOf('--import')); // "node <flags> --import tsx gateway/src/index.ts"
})();

/** The measured gateway: bench/subscriptions/gateway.ts in `mode`, `workers` processes on one port. */
async function startGateway(mode: 'fixture' | 'platform', workers: number, args: string[], env: NodeJS.ProcessEnv, children: IpcChild[]) {
  const gateway = startIpcChild('sub-gateway', 'bench/subscriptions/gateway.ts', [mode, String(workers), ...args], { env, nodeArgs: ['--expose-gc', ...GATEWAY_NODE_FLAGS, ...extraNodeArgs()] });
  children.push(gateway);
  const ready = await gateway.next<{ port: number; pids: number[] }>('ready', 60_000);
  return { gateway, ...ready };
}

const gatewayWords = (workers: number) => (workers > 1 ? `${workers} gateway worker processes on one port (node:cluster)` : 'one gateway process');

async function fixtureTarget(dir: string, env: NodeJS.ProcessEnv, children: IpcChild[], workers: number): Promise<Target> {
  const fixture = startIpcChild('sub-fixture', 'bench/subscriptions/fixture.ts', [], { env });
  children.push(fixture);
  const { supergraphSdl } = await fixture.next<{ supergraphSdl: string }>('ready', 60_000);
  const file = join(dir, 'supergraph.graphql');
  writeFileSync(file, supergraphSdl);
  const { gateway, port, pids } = await startGateway('fixture', workers, [file], env, children);
  return {
    gatewayPids: pids,
    otherPids: { subgraphs: fixture.proc.pid! },
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    connectionParams: {},
    query: LIVE_FLEET,
    variables: { territoryId: null },
    check: 'full',
    source: `fixture: ${gatewayWords(workers)} (createGateway) in front of two subgraphs shaped like LiveFleet (fleet owns the subscription, crew resolves orders and riders per event); events emitted in the fleet subgraph`,
    publish: (count, rate) => fixture.request({ type: 'publish', count, rate }, 'published', 600_000),
    gc: () => gateway.request({ type: 'gc' }, 'gc-done'),
  };
}

/**
 * The real platform: the five subgraphs (startStack, Postgres) in one process, and the measured gateway — the
 * distributed-mode replica — in its own process(es), as deployed; LiveFleet through it.
 */
async function stackTarget(env: NodeJS.ProcessEnv, children: IpcChild[], workers: number): Promise<Target> {
  const stack = startIpcChild('sub-stack', 'bench/subscriptions/stack-target.ts', [], { env });
  children.push(stack);
  const ready = await stack.next<{ secret: string; jwtSecret: string; subgraphUrls: Record<string, string>; connectionParams: Record<string, unknown>; query: string; vehicles: number; withShipment: number }>('ready', 180_000);
  const replicaEnv = {
    ...env,
    SUPERGRAPH: join(ROOT, 'schema/supergraph.graphql'),
    PERSISTED_DIR: join(ROOT, 'schema/persisted'),
    INTERNAL_SIGNING_SECRET: ready.secret,
    JWT_SECRET: ready.jwtSecret,
    ...Object.fromEntries(Object.entries(ready.subgraphUrls).map(([name, url]) => [`SUBGRAPH_URL_${name.toUpperCase()}`, url])),
  };
  const { gateway, port, pids } = await startGateway('platform', workers, [], replicaEnv, children);
  await stack.request({ type: 'gateway', url: `http://127.0.0.1:${port}/graphql` }, 'gateway-set');
  return {
    gatewayPids: pids,
    otherPids: { subgraphs: stack.proc.pid! },
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    connectionParams: ready.connectionParams,
    query: ready.query,
    variables: { territoryId: null },
    check: 'basic',
    source: `real platform: ${gatewayWords(workers)} (the distributed-mode replica, gateway/src/replica.ts) in front of the five subgraphs (startStack, Postgres, another process), LiveFleet (schema/operations), events = reportVehiclePosition through the gateway (${ready.withShipment} of ${ready.vehicles} vehicles carry a shipment)`,
    publish: (count, rate) => stack.request({ type: 'publish', count, rate }, 'published', 600_000),
    gc: () => gateway.request({ type: 'gc' }, 'gc-done'),
  };
}

export async function runSubscriptionBench(o: SubscriptionBenchOptions) {
  const log = o.log ?? (() => undefined);
  const liveFleetInSupergraph = readFileSync(join(ROOT, 'schema/supergraph.graphql'), 'utf8').includes('vehiclePositionUpdated');
  const useStack = o.source === 'stack' || (o.source !== 'fixture' && liveFleetInSupergraph);
  const secret = randomBytes(24).toString('hex');
  const env = { BENCH_SECRET: secret, NODE_ENV: 'production', LOG_LEVEL: 'warn' };
  const dir = mkdtempSync(join(tmpdir(), 'omniroute-subs-'));
  const children: IpcChild[] = [];
  try {
    const workers = o.gatewayWorkers ?? 1;
    const target = useStack ? await stackTarget(env, children, workers) : await fixtureTarget(dir, env, children, workers);
    log(`subscriptions: source ${useStack ? 'real platform (LiveFleet)' : 'fixture'}`);
    const url = target.wsUrl;
    const clients = Array.from({ length: o.clientProcesses }, (_, i) => startIpcChild(`sub-clients-${i}`, 'bench/subscriptions/clients.ts', [], { env, nodeArgs: clientNodeArgs() }));
    children.push(...clients);
    await Promise.all(clients.map((c) => c.next('ready', 60_000)));
    const gwPids = target.gatewayPids;

    const reports = () => Promise.all(clients.map((c) => c.request<Report>({ type: 'report' }, 'report')));
    const reset = () => Promise.all(clients.map((c) => c.request({ type: 'reset' }, 'reset-done')));
    let publishFailures = 0;
    const publish = async (count: number, rate: number) => {
      const r = await target.publish(count, rate);
      publishFailures += r.failed ?? 0;
    };
    /** RSS (MiB) and JS heap + external (MiB) of the gateway process after a full GC */
    const gcMem = async () => {
      await target.gc();
      await sleep(500);
      const m = await target.gc();
      return { rss: gwPids.reduce((sum, pid) => sum + memMb(pid, 'VmRSS'), 0), heap: (m.heapUsed + m.external) / 1048576 };
    };
    /** Resolves when every open socket has received `perSocket` events since the last reset (or after `timeoutMs`). */
    async function drained(perSocket: number, timeoutMs: number): Promise<Report[]> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const rs = await reports();
        const open = rs.reduce((s, r) => s + r.open, 0);
        const got = rs.reduce((s, r) => s + r.received + r.bad, 0);
        if (got >= open * perSocket || Date.now() > end) return rs;
        await sleep(200);
      }
    }
    async function drainedProbe(timeoutMs: number): Promise<Report[]> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const rs = await reports();
        if (rs.reduce((s, r) => s + r.reached - r.open, 0) >= 0 || Date.now() > end) return rs;
        await sleep(100);
      }
    }
    const connect = async (total: number) => {
      const per = clients.map((_, i) => Math.floor(total / clients.length) + (i < total % clients.length ? 1 : 0));
      const t0 = Date.now();
      const rs = await Promise.all(clients.map((c, i) => (per[i] ? c.request<{ open: number; failed: number }>({ type: 'connect', url, count: per[i], query: target.query, variables: target.variables, connectionParams: target.connectionParams, check: target.check }, 'connected', 600_000) : { open: 0, failed: 0 })));
      const failed = rs.reduce((s, r) => s + r.failed, 0);
      if (failed) throw new Error(`${failed} of ${total} subscribers could not connect`);
      // Every subscription is registered (at the gateway and upstream) once a probe event reaches every socket.
      // Live events are not replayed, so a probe published before the upstream subscription exists is lost: probe
      // again until all sockets have one.
      await reset();
      const deadline = Date.now() + 90_000;
      for (;;) {
        await publish(1, 1);
        const rs = await drainedProbe(1_000);
        const open = rs.reduce((s, r) => s + r.open, 0);
        const reached = rs.reduce((s, r) => s + r.reached, 0);
        if (reached >= open) break;
        if (Date.now() > deadline) throw new Error(`probe events reached ${reached} of ${open} subscribers`);
      }
      return (Date.now() - t0) / 1000;
    };

    // warm-up subscribers: the upstream subscription, plan and first entity fetches exist before the baseline
    await connect(WARM);
    await publish(5, 10);
    await drained(6, 10_000);
    const baseline = await gcMem();
    log(`subscriptions: gateway RSS with ${WARM} subscribers ${round(baseline.rss, 1)} MiB, heap ${round(baseline.heap, 1)} MiB (after GC)`);

    const steps: SubscriptionStep[] = [];
    let current = WARM;
    for (const n of o.steps) {
      const connectSeconds = n > current ? await connect(n - current) : 0;
      current = Math.max(current, n);
      const mem = await gcMem();
      await reset();
      log(`subscriptions: ${current} subscribers connected${connectSeconds ? ` in ${round(connectSeconds, 1)} s` : ''}, publishing ${o.events} events`);
      const cpu = cpuWindow({ ...Object.fromEntries(gwPids.map((pid, i) => [`gateway${i}`, pid])), ...target.otherPids, ...Object.fromEntries(clients.map((c, i) => [`client${i}`, c.proc.pid!])) });
      await publish(o.events, o.rate);
      const rs = await drained(o.events, 30_000);
      const used = cpu.stop();
      const histogram = mergeHistograms(rs.map((r) => r.histogram));
      const delivered = rs.reduce((s, r) => s + r.received, 0);
      const bad = rs.reduce((s, r) => s + r.bad, 0);
      const firstBad = rs.find((r) => r.firstBad)?.firstBad;
      if (firstBad) log(`subscriptions: unexpected message: ${firstBad}`);
      const step: SubscriptionStep = {
        subscribers: current,
        connectSeconds: round(connectSeconds, 1),
        events: o.events,
        delivered,
        expected: o.events * current,
        badMessages: bad,
        p50Ms: histogramPercentile(histogram, 50),
        p99Ms: histogramPercentile(histogram, 99),
        maxMs: Math.max(...Object.keys(histogram).map(Number)),
        gatewayRssMb: round(mem.rss, 1),
        memoryPerSubscriberKb: round(((mem.rss - baseline.rss) * 1024) / (current - WARM), 1),
        heapPerSubscriberKb: round(((mem.heap - baseline.heap) * 1024) / (current - WARM), 1),
        gatewayCpuCores: round(gwPids.reduce((sum, _, i) => sum + used.cores[`gateway${i}`]!, 0), 3),
        ...(used.cores.subgraphs !== undefined ? { subgraphCpuCores: used.cores.subgraphs } : {}),
        clientCpuCores: round(clients.reduce((s, _, i) => s + used.cores[`client${i}`]!, 0), 3),
        machineBusyCores: used.machineBusyCores,
      };
      log(`subscriptions: ${current} subscribers: p50 ${step.p50Ms} ms, p99 ${step.p99Ms} ms, delivered ${delivered}/${step.expected}, ${step.memoryPerSubscriberKb} KiB/subscriber, gateway ${step.gatewayCpuCores} cores`);
      steps.push(step);
    }
    const goal = steps.find((s) => s.subscribers === 10_000);
    return {
      source: target.source,
      liveFleetInSupergraph,
      operation: target.query,
      publishFailures,
      transport: 'graphql-transport-ws (ws), one subscription per socket, every subscriber receives every event',
      eventsPerSecond: o.rate,
      clientProcesses: o.clientProcesses,
      baselineRssMb: round(baseline.rss, 1),
      baselineHeapMb: round(baseline.heap, 1),
      steps,
      goal: {
        subscribers: 10_000,
        p99Ms: 250,
        measured: !!goal,
        met: goal ? goal.p99Ms < 250 && goal.delivered === goal.expected && goal.badMessages === 0 : null,
      },
    };
  } finally {
    for (const c of children.reverse()) await stopIpcChild(c).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SubscriptionBenchResult = Awaited<ReturnType<typeof runSubscriptionBench>>;

export function subscriptionTable(r: SubscriptionBenchResult): string {
  return [
    `Subscriptions — ${r.source}; ${r.eventsPerSecond} events/s to every subscriber, ${r.clientProcesses} client process(es)`,
    table([
      ['subscribers', 'p50 ms', 'p99 ms', 'max ms', 'delivered', 'bad', 'RSS MiB', 'RSS KiB/sub', 'heap KiB/sub', 'server cores', 'client cores', 'connect s'],
      ...r.steps.map((s) => [s.subscribers, s.p50Ms, s.p99Ms, s.maxMs, `${s.delivered}/${s.expected}`, s.badMessages, s.gatewayRssMb, s.memoryPerSubscriberKb, s.heapPerSubscriberKb, s.gatewayCpuCores, s.clientCpuCores, s.connectSeconds]),
    ]),
    r.goal.measured ? `goal (10,000 subscribers, p99 < 250 ms): ${r.goal.met ? 'MET' : 'NOT MET'}` : 'goal (10,000 subscribers, p99 < 250 ms): not measured in this run',
  ].join('\n');
}
