// Gateway throughput on the federation scenario (the independent yardstick's, re-created here): our subgraphs in
// one process, each gateway in its own process in turn, the same autocannon load against each.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { cpuWindow, freePort, memMb, ROOT, round, rssSampler, runJsonChild, runLoadChild, startChild, stopChild, until, waitForLine, type Started } from '../lib/proc.ts';
import { table } from '../lib/stats.ts';
import type { LoadOptions, LoadResult } from '../lib/load.ts';
import { composeSupergraph } from './subgraphs.ts';
import { BODY, expectedResult } from './reference.ts';

export type GatewayName = 'ours' | 'ours-dedup' | 'apollo' | 'hive-nodedup' | 'hive';

export interface GatewayBenchOptions {
  /** seconds of measured load per gateway */
  duration: number;
  /** seconds of unmeasured load first (JIT, caches, connection pools) */
  warmup: number;
  connections: number;
  gateways: GatewayName[];
  /** rounds over all gateways; each row is the round with the median RPS */
  runs: number;
  log?: (line: string) => void;
}

export interface GatewayRow {
  rps: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  peakRssMb: number | null;
  errors: number | null;
  /** VmHWM at the end: the largest RSS of the process's whole life, start-up included */
  hwmRssMb?: number;
  cpuCores?: number;
  cpuMsPerRequest?: number;
  subgraphCpuCores?: number;
  loadCpuCores?: number;
  machineBusyCores?: number;
  /** subgraph requests one gateway request causes when it is alone */
  subgraphFetchesPerRequest?: number;
  /** under load: gateways that merge identical in-flight fetches across concurrent requests send fewer */
  subgraphFetchesPerRequestUnderLoad?: number | null;
  subgraphRequestsPerSecond?: number;
  requests?: number;
  non2xx?: number;
  timeouts?: number;
  correct: boolean;
  correctAfter: boolean;
  startupMs?: number;
  command?: string;
  failure?: string;
}

const LABEL: Record<GatewayName, string> = {
  ours: 'ours',
  'ours-dedup': 'ours --dedup-inbound',
  apollo: 'stock @apollo/gateway',
  'hive-nodedup': '@graphql-hive/gateway, no inbound dedup',
  hive: '@graphql-hive/gateway, inbound dedup',
};

function command(name: GatewayName, supergraph: string, port: number): { cmd: string; args: string[]; env?: NodeJS.ProcessEnv } {
  const node = process.execPath;
  switch (name) {
    case 'ours':
    case 'ours-dedup':
      return { cmd: node, args: ['gateway/dist/cli.js', '--supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1', ...(name === 'ours-dedup' ? ['--dedup-inbound'] : [])] };
    case 'apollo':
      return { cmd: node, args: ['bench/federation/apollo-gateway.mjs', supergraph, String(port)] };
    case 'hive':
    case 'hive-nodedup':
      return {
        cmd: node,
        args: [
          '--import', join(ROOT, 'bench/federation/node20-polyfill.mjs'),
          'node_modules/@graphql-hive/gateway/dist/bin.js', 'supergraph', supergraph, '--jit',
          '-h', '127.0.0.1', '-p', String(port), '-c', join(ROOT, 'bench/federation/hive-gateway.config.mjs'),
        ],
        env: { HIVE_DEDUP: name === 'hive' ? '1' : '0' },
      };
  }
}

async function post(url: string): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: BODY });
  const text = await r.text();
  try {
    return { status: r.status, json: JSON.parse(text) };
  } catch {
    return { status: r.status, json: { errors: [{ message: text.slice(0, 200) }] } };
  }
}

const isCorrect = (json: any) => !json?.errors && isDeepStrictEqual({ data: json?.data }, expectedResult());

export function ensureGatewayBuilt(log: (l: string) => void = () => undefined) {
  if (existsSync(join(ROOT, 'gateway/dist/cli.js'))) return Promise.resolve();
  log('gateway/dist/cli.js missing: building it (scripts/build-gateway.ts)');
  return runJsonChild<unknown>('build-gateway', 'scripts/build-gateway.ts', null).catch((e) => {
    // build-gateway prints a line of text, not JSON: success is the file being there
    if (!existsSync(join(ROOT, 'gateway/dist/cli.js'))) throw e;
  });
}

async function stats(sgUrl: string): Promise<Record<string, number>> {
  return (await fetch(`${sgUrl}/stats?reset`)).json() as Promise<Record<string, number>>;
}

async function benchOne(name: GatewayName, supergraph: string, sg: { url: string; proc: Started }, o: GatewayBenchOptions): Promise<GatewayRow> {
  const port = await freePort();
  const c = command(name, supergraph, port);
  const url = `http://127.0.0.1:${port}/graphql`;
  const t0 = Date.now();
  const gw = startChild(name, c.cmd, c.args, { env: { NODE_ENV: 'production', ...c.env } });
  const row: GatewayRow = { rps: null, p50Ms: null, p95Ms: null, p99Ms: null, peakRssMb: null, errors: null, correct: false, correctAfter: false, command: [c.cmd === process.execPath ? 'node' : c.cmd, ...c.args].join(' ') };
  try {
    const first = await until(async () => {
      const r = await post(url);
      return r.status === 200 ? r : null;
    }, 90_000, `${name} on ${url}`, gw);
    row.startupMs = Date.now() - t0;
    row.correct = isCorrect(first.json);
    if (!row.correct) o.log?.(`  ${name}: first response differs from the expected body: ${JSON.stringify(first.json).slice(0, 300)}`);
    await stats(sg.url);
    await post(url);
    row.subgraphFetchesPerRequest = Object.values(await stats(sg.url)).reduce((a, b) => a + b, 0);
    const pid = gw.proc.pid!;
    let rss: ReturnType<typeof rssSampler> | undefined;
    let cpu: ReturnType<typeof cpuWindow> | undefined;
    const load: LoadOptions = { url, connections: o.connections, warmup: o.warmup, duration: o.duration, body: BODY };
    let statsReset: Promise<unknown> = Promise.resolve();
    const r = await runLoadChild<LoadResult>(load, () => {
      rss = rssSampler(pid);
      cpu = cpuWindow({ gateway: pid, subgraphs: sg.proc.proc.pid! });
      statsReset = stats(sg.url);
    });
    const used = cpu!.stop();
    const mem = rss!.stop();
    await statsReset;
    const subgraphRequests = Object.values(await stats(sg.url)).reduce((a, b) => a + b, 0);
    const after = await post(url);
    row.correctAfter = after.status === 200 && isCorrect(after.json);
    Object.assign(row, {
      rps: r.rps,
      p50Ms: r.p50Ms,
      p95Ms: r.p95Ms,
      p99Ms: r.p99Ms,
      peakRssMb: mem.peakMb,
      errors: r.errors + r.non2xx,
      hwmRssMb: round(memMb(pid, 'VmHWM'), 1),
      cpuCores: used.cores.gateway,
      cpuMsPerRequest: r.rps ? round((used.cores.gateway! * 1000) / r.rps, 3) : null,
      subgraphCpuCores: used.cores.subgraphs,
      loadCpuCores: r.loadCpuCores,
      machineBusyCores: used.machineBusyCores,
      subgraphRequestsPerSecond: round(subgraphRequests / used.seconds, 0),
      subgraphFetchesPerRequestUnderLoad: r.requests ? round(subgraphRequests / r.requests, 2) : null,
      requests: r.requests,
      non2xx: r.non2xx,
      timeouts: r.timeouts,
    });
  } catch (e) {
    row.failure = String((e as Error).message ?? e).slice(0, 2000);
    o.log?.(`  ${name} failed: ${row.failure.split('\n')[0]}`);
  } finally {
    await stopChild(gw);
  }
  return row;
}

export async function runGatewayBench(o: GatewayBenchOptions) {
  const log = o.log ?? (() => undefined);
  await ensureGatewayBuilt(log);
  const dir = mkdtempSync(join(tmpdir(), 'omniroute-bench-'));
  const sgProc = startChild('subgraphs', process.execPath, ['--import', 'tsx', 'bench/federation/subgraphs.ts']);
  try {
    const port = Number((await waitForLine(sgProc, /^READY (\d+)/))[1]);
    const sgUrl = `http://127.0.0.1:${port}`;
    const supergraph = join(dir, 'supergraph.graphql');
    writeFileSync(supergraph, composeSupergraph(sgUrl));
    const runs: Partial<Record<GatewayName, GatewayRow[]>> = {};
    for (let run = 0; run < o.runs; run++) {
      for (const name of o.gateways) {
        log(`gateway: ${LABEL[name]} (run ${run + 1}/${o.runs}, ${o.warmup} s warm-up + ${o.duration} s × ${o.connections} connections)`);
        const row = await benchOne(name, supergraph, { url: sgUrl, proc: sgProc }, o);
        log(`  → ${row.rps ?? '–'} RPS, p99 ${row.p99Ms ?? '–'} ms, peak RSS ${row.peakRssMb ?? '–'} MiB, correct ${row.correct}/${row.correctAfter}`);
        (runs[name] ??= []).push(row);
      }
    }
    const pick = (name: GatewayName): GatewayRow | undefined => {
      const rs = runs[name];
      if (!rs?.length) return undefined;
      const ok = rs.filter((r) => r.rps !== null).sort((a, b) => a.rps! - b.rps!);
      return ok.length ? ok[Math.floor((ok.length - 1) / 2)] : rs[0];
    };
    const ratio = (a?: GatewayRow, b?: GatewayRow) => (a?.rps && b?.rps ? round(a.rps / b.rps, 2) : null);
    const ours = pick('ours');
    const apolloGateway = pick('apollo');
    const hiveNoDedup = pick('hive-nodedup');
    const oursDedup = pick('ours-dedup');
    const hiveDedup = pick('hive');
    const result = {
      scenario: {
        description: 'accounts/inventory/products/reviews subgraphs (@apollo/subgraph, one node:http process), deep query, 87,599-byte response',
        connections: o.connections,
        durationSeconds: o.duration,
        warmupSeconds: o.warmup,
        runs: o.runs,
      },
      plain: {
        ours: ours ?? null,
        apolloGateway: apolloGateway ?? null,
        hiveGateway: hiveNoDedup ?? null,
        ratioRps: ratio(ours, apolloGateway),
        ratioRpsVsHive: ratio(ours, hiveNoDedup),
      },
      dedup: {
        ours: oursDedup ?? null,
        hiveGateway: hiveDedup ?? null,
        ratioRps: ratio(oursDedup, hiveDedup),
        ratioRpsVsApolloGateway: ratio(oursDedup, apolloGateway),
      },
      allRuns: runs,
    };
    return result;
  } finally {
    await stopChild(sgProc);
    rmSync(dir, { recursive: true, force: true });
  }
}

export type GatewayBenchResult = Awaited<ReturnType<typeof runGatewayBench>>;

export function gatewayTables(r: GatewayBenchResult): string {
  const head = ['gateway', 'RPS', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', 'peak RSS MiB', 'CPU cores', 'CPU ms/req', 'fetches/req alone', 'under load', 'correct', '× apollo'];
  const line = (label: string, row: GatewayRow | null, base: GatewayRow | null) => [
    label, row?.rps, row?.p50Ms, row?.p95Ms, row?.p99Ms, row?.errors, row?.peakRssMb, row?.cpuCores, row?.cpuMsPerRequest, row?.subgraphFetchesPerRequest, row?.subgraphFetchesPerRequestUnderLoad,
    row ? (row.failure ? 'FAILED' : `${row.correct && row.correctAfter}`) : 'skipped',
    row?.rps && base?.rps ? round(row.rps / base.rps, 2) : null,
  ];
  const base = r.plain.apolloGateway;
  return [
    'Gateway — plain (no inbound request deduplication)',
    table([head, line(LABEL.ours, r.plain.ours, base), line(LABEL.apollo, base, base), line(LABEL['hive-nodedup'], r.plain.hiveGateway, base)]),
    `ours / apollo: ${r.plain.ratioRps ?? '–'}×   ours / hive (no dedup): ${r.plain.ratioRpsVsHive ?? '–'}×`,
    '',
    'Gateway — dedup (identical concurrent requests answered once)',
    table([head, line(LABEL['ours-dedup'], r.dedup.ours, base), line(LABEL.hive, r.dedup.hiveGateway, base)]),
    `ours / hive (both dedup): ${r.dedup.ratioRps ?? '–'}×   ours dedup / apollo: ${r.dedup.ratioRpsVsApolloGateway ?? '–'}×`,
  ].join('\n');
}
