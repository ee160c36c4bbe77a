// Hostile documents against our gateway (issue 12): distinct large documents, each sent once, as an attacker
// would, while the gateway's RSS is read from /proc. Before the fix, 300 distinct ~1 MiB unparsable documents
// grew it by 356 MiB (parse failures were cached by their full text); the target is < 50 MiB for 1,000.
//   node --import tsx bench/hostile/hostile.ts '{"count":1000}'   → tables on stderr, one JSON line on stdout
// Phases, each `count` distinct documents on 4 keep-alive connections to 127.0.0.1:
//   unparsable-1mib       ~1,040,000 bytes of garbage (the probe): over the document limit, refused unparsed
//   valid-near-limit      valid documents just under the byte limit (a large comment): kept until the cache budget
//   unparsable-near-limit just under the byte limit, a syntax error at the very end: parsed in full, never kept
//   too-many-tokens       over the token limit but under the byte limit: parsing stops at the limit, once
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { memMb, round, startIpcChild, stopIpcChild } from '../lib/proc.ts';

export interface HostileOptions { count: number; concurrency?: number; /** default: all four */ phases?: string[] }

export interface HostilePhase {
  phase: string;
  requests: number;
  bodyBytes: number;
  /** HTTP status → responses */
  statuses: Record<string, number>;
  /** error codes seen (first error of each response) → responses */
  codes: Record<string, number>;
  rssBeforeMb: number;
  rssAfterMb: number;
  /** RSS after the phase minus RSS before the first phase (cumulative), MiB */
  rssGrowthMb: number;
  peakRssMb: number;
  /** heap after a full GC at the end of the phase: what the gateway keeps */
  heapAfterGcMb: number;
  /** the operation caches' own estimate of what they hold, MiB */
  cachedEstimateMb: number | null;
  seconds: number;
}

const MAX_BYTES = Number(process.env.GATEWAY_MAX_DOCUMENT_BYTES ?? 64 * 1024);
const MAX_TOKENS = Number(process.env.GATEWAY_MAX_DOCUMENT_TOKENS ?? 5_000);

function documents(phase: string, count: number): (i: number) => string {
  const block = randomBytes(780 * 1024).toString('base64'); // 1,064,960 characters, sliced per document
  switch (phase) {
    case 'unparsable-1mib':
      return (i) => `{ ${i} ${block.slice(i % 1000, 1_040_000 + (i % 1000))}`;
    case 'valid-near-limit':
      return (i) => `query Q${i} { __typename }\n# ${block.slice(i % 1000, (i % 1000) + MAX_BYTES - 200)}\n`;
    case 'unparsable-near-limit':
      return (i) => `query Q${i} { __typename }\n# ${block.slice(i % 1000, (i % 1000) + MAX_BYTES - 200)}\n}`;
    case 'too-many-tokens':
      return (i) => `query Q${i} { ${'a '.repeat(MAX_TOKENS + 100)}}`;
    default:
      throw new Error(`unknown phase ${phase} (${count})`);
  }
}

function post(agent: Agent, port: number, body: string): Promise<{ status: number; code: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/graphql', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => {
        let code = 'none';
        try { code = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? 'none'; } catch { code = 'not-json'; }
        resolve({ status: res.statusCode ?? 0, code });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function runHostile(o: HostileOptions, log: (l: string) => void): Promise<{ count: number; maxDocumentBytes: number; phases: HostilePhase[]; targetMet: boolean }> {
  const concurrency = o.concurrency ?? 4;
  const nodeArgs = ['--expose-gc', ...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const gw = startIpcChild('hostile-gateway', 'bench/hostile/gateway.ts', [], { nodeArgs });
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    const { port } = await gw.next<{ port: number }>('ready');
    const pid = gw.proc.pid!;
    // Warm-up: the code paths every phase takes, so their one-time allocations are not counted as growth.
    for (let i = 0; i < 50; i++) {
      await post(agent, port, JSON.stringify({ query: `{ __typename } # warm ${i}` }));
      await post(agent, port, JSON.stringify({ query: `{ ${i}` }));
    }
    await gw.request({ type: 'stats' }, 'stats');
    const baseline = memMb(pid, 'VmRSS');
    log(`hostile: gateway pid ${pid}, RSS ${round(baseline, 1)} MiB after warm-up; ${o.count} documents per phase`);
    const phases: HostilePhase[] = [];
    for (const phase of o.phases ?? ['unparsable-1mib', 'valid-near-limit', 'unparsable-near-limit', 'too-many-tokens']) {
      const doc = documents(phase, o.count);
      const statuses: Record<string, number> = {};
      const codes: Record<string, number> = {};
      const rssBefore = memMb(pid, 'VmRSS');
      let peak = rssBefore;
      let bodyBytes = 0;
      const t0 = Date.now();
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next < o.count) {
          const body = JSON.stringify({ query: doc(next++) });
          bodyBytes = Math.max(bodyBytes, body.length);
          const r = await post(agent, port, body);
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          codes[r.code] = (codes[r.code] ?? 0) + 1;
          peak = Math.max(peak, memMb(pid, 'VmRSS'));
        }
      }));
      const seconds = (Date.now() - t0) / 1000;
      const rssAfter = memMb(pid, 'VmRSS');
      const s = await gw.request<{ heapUsedMb: number; operations: { documents: { bytes: number }; plans: { bytes: number }; failures: { bytes: number } } | null }>({ type: 'stats' }, 'stats');
      const ops = s.operations;
      phases.push({
        phase, requests: o.count, bodyBytes, statuses, codes,
        rssBeforeMb: round(rssBefore, 1), rssAfterMb: round(rssAfter, 1), rssGrowthMb: round(rssAfter - baseline, 1), peakRssMb: round(Math.max(peak, memMb(pid, 'VmHWM')), 1),
        heapAfterGcMb: s.heapUsedMb,
        cachedEstimateMb: ops ? round((ops.documents.bytes + ops.plans.bytes + ops.failures.bytes) / 2 ** 20, 1) : null,
        seconds: round(seconds, 1),
      });
      log(`hostile: ${phase} done in ${round(seconds, 1)} s, RSS ${round(rssAfter, 1)} MiB; before GC ${JSON.stringify((s as { beforeGc?: unknown }).beforeGc)}`);
    }
    const first = phases[0]!;
    return { count: o.count, maxDocumentBytes: MAX_BYTES, phases, targetMet: first.rssGrowthMb < 50 };
  } finally {
    agent.destroy();
    await stopIpcChild(gw);
  }
}

export function hostileTable(r: Awaited<ReturnType<typeof runHostile>>, table: (rows: (string | number | null)[][]) => string): string {
  const fmt = (o: Record<string, number>) => Object.entries(o).map(([k, v]) => `${k}×${v}`).join(' ');
  return `Hostile documents — ${r.count} distinct documents per phase, document limit ${r.maxDocumentBytes} bytes (target: the 1 MiB phase grows RSS < 50 MiB: ${r.targetMet ? 'met' : 'NOT met'})\n${table([
    ['phase', 'body bytes', 'statuses', 'codes', 'RSS before', 'RSS after', 'growth since start', 'peak RSS', 'heap after GC', 'cache estimate', 's'],
    ...r.phases.map((p) => [p.phase, p.bodyBytes, fmt(p.statuses), fmt(p.codes), p.rssBeforeMb, p.rssAfterMb, p.rssGrowthMb, p.peakRssMb, p.heapAfterGcMb, p.cachedEstimateMb, p.seconds]),
  ])}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runHostile(JSON.parse(process.argv[2] ?? '{"count":1000}') as HostileOptions, (l) => process.stderr.write(`${l}\n`));
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
