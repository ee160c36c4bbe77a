/// <reference path="./autocannon.d.ts" />
// Load generator, run as its own process so its CPU is neither the gateway's nor the orchestrator's:
//   node --import tsx bench/lib/load.ts '<LoadOptions json>'   → one JSON line (LoadResult) on stdout.
// autocannon drives a fixed number of keep-alive connections for a fixed time; every response time is kept so
// p50/p95/p99 are exact (autocannon's own summary has no p95).
import autocannon from 'autocannon';
import { percentile } from './stats.ts';

export interface LoadOptions {
  url: string;
  connections: number;
  /** seconds measured */
  duration: number;
  /** seconds of unmeasured load first, in the same process (main only); "MEASURING" is printed when it ends */
  warmup?: number;
  body: string;
  /** Several bodies, sent in turn (body is then ignored). */
  bodies?: string[];
  headers?: Record<string, string>;
  /** Every occurrence in `body` is replaced by a value unique to each request (idempotency keys). */
  uniquePlaceholder?: string;
  /** A response counts as correct only if its body contains this text (otherwise it is a bodyFailure). */
  expectInBody?: string;
  /** A response containing this text (e.g. `"errors"`) is a bodyFailure. */
  rejectInBody?: string;
  /** A response whose body is not exactly this text is a bodyFailure (a fast wrong answer fails). */
  expectBody?: string;
  /** With `bodies`: the exact response to each body, by position (expectBody for requests in turn). */
  expectBodies?: string[];
  /** Seconds before a request counts as a timeout (autocannon's default: 10). */
  timeout?: number;
}

export interface LoadResult {
  seconds: number;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  bodyFailures: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  /** CPU of this load generator, cores */
  loadCpuCores: number;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const headers = { 'content-type': 'application/json', ...o.headers };
  const prefix = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
  let seq = 0;
  let bodyFailures = 0;
  const bodies = o.bodies?.length ? o.bodies : [o.body];
  const request: Record<string, unknown> = { method: 'POST', path: new URL(o.url).pathname, headers, body: bodies[0] };
  if (o.uniquePlaceholder || bodies.length > 1) {
    const parts = bodies.map((b) => b.split(o.uniquePlaceholder ?? '\u0000'));
    // one request at a time per connection (pipelining 1): its context remembers which body it sent
    request.setupRequest = (req: Record<string, unknown>, context: { turn?: number }) => {
      const n = seq++;
      context.turn = n % parts.length;
      return { ...req, body: parts[context.turn]!.join(`${prefix}-${n}`) };
    };
  }
  if (o.expectInBody || o.rejectInBody || o.expectBody !== undefined || o.expectBodies) {
    const { expectInBody: want, rejectInBody: reject, expectBody, expectBodies } = o;
    request.onResponse = (status: number, raw: unknown, context: { turn?: number }) => {
      const body = String(raw);
      const exact = expectBodies ? expectBodies[context.turn ?? -1] ?? '' : expectBody;
      if (status >= 200 && status < 300 && ((want && !body.includes(want)) || (reject && body.includes(reject)) || (exact !== undefined && body !== exact))) bodyFailures++;
    };
  }
  const times: number[] = [];
  const instance = autocannon({ url: new URL(o.url).origin, connections: o.connections, duration: o.duration, pipelining: 1, ...(o.timeout ? { timeout: o.timeout } : {}), requests: [request] as never });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => void times.push(responseTime));
  const r = await instance;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  const round = (x: number) => Number(x.toFixed(2));
  return {
    seconds: round(r.duration),
    requests: r.requests.total,
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    bodyFailures,
    rps: round(r['2xx'] / r.duration),
    p50Ms: round(percentile(times, 50)),
    p95Ms: round(percentile(times, 95)),
    p99Ms: round(percentile(times, 99)),
    maxMs: round(times[times.length - 1] ?? NaN),
    meanMs: round(times.reduce((a, b) => a + b, 0) / Math.max(1, times.length)),
    loadCpuCores: round((cpu.user + cpu.system) / 1e6 / seconds),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = JSON.parse(process.argv[2]!) as LoadOptions;
  if (o.warmup) await runLoad({ ...o, duration: o.warmup });
  process.stdout.write('MEASURING\n');
  const r = await runLoad(o);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}
