// Sends subgraph requests over keep-alive undici pools, one per subgraph origin, and merges identical in-flight
// query fetches (same subgraph, headers and body) into one HTTP request whose response text every caller shares.
import { Pool } from 'undici';

export interface SubgraphClientOptions {
  /** Max sockets per subgraph origin. */
  connections?: number;
  /** Per-fetch timeout (headers and body), ms. */
  timeoutMs?: number;
  /** Called once per HTTP request sent: its URL, status (0 when the subgraph did not answer) and duration. */
  onResponse?: (url: string, status: number, durationMs: number) => void;
  /**
   * A subgraph served by this very process: its handler takes the request instead of HTTP (same body, same signed
   * headers; `@omniroute/core` in-process.ts). Undefined for a URL: HTTP, as always.
   */
  inProcess?: (url: string) => InProcessSubgraph | undefined;
  /** Tracing (OpenTelemetry, packages/core/src/telemetry.ts): each request in a span, `traceparent` sent. */
  tracing?: FetchTracing;
  /** The subgraph name of a URL (span names). */
  nameOf?: (url: string) => string;
}

/** What the client needs of a tracer: run a fetch in a span, with the propagation headers added to `headers`. */
export interface FetchTracing {
  subgraphFetch<T>(subgraph: string, headers: Record<string, string>, run: () => Promise<T & { status: number }>): Promise<T & { status: number }>;
}

/** Answers one subgraph request in this process (core's InProcessHandler, without importing core here). */
export type InProcessSubgraph = (body: string, headers: Record<string, string>) => Promise<RawSubgraphResponse>;

export interface RawSubgraphResponse {
  status: number;
  /** The response body (an in-process answer with `payload` prints it only if read). */
  readonly text: string;
  /** An in-process answer of data alone, as objects: taken instead of parsing `text` (core's lean-executor.ts). */
  readonly payload?: { data: Record<string, unknown> };
}

export class SubgraphUnavailableError extends Error {}

export class SubgraphClient {
  private readonly pools = new Map<string, Pool>();
  private readonly targets = new Map<string, { pool: Pool; path: string }>();
  private readonly inflight = new Map<string, Promise<RawSubgraphResponse>>();
  private readonly connections: number;
  private readonly timeoutMs: number;
  private readonly onResponse?: SubgraphClientOptions['onResponse'];
  private readonly tracing?: FetchTracing;
  private readonly nameOf: (url: string) => string;
  private readonly inProcess?: SubgraphClientOptions['inProcess'];
  /** Number of HTTP requests actually sent (for tests and metrics). */
  sent = 0;

  constructor(opts: SubgraphClientOptions = {}) {
    this.connections = opts.connections ?? 128;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.onResponse = opts.onResponse;
    this.tracing = opts.tracing;
    this.nameOf = opts.nameOf ?? ((url) => url);
    this.inProcess = opts.inProcess;
  }

  /**
   * POSTs `body` to `url`. With `mergeable`, an identical request already in flight is reused instead of sent
   * again: only for queries, whose results do not depend on being executed once per caller.
   */
  post(url: string, body: string, headers: Record<string, string> | undefined, mergeable: boolean): Promise<RawSubgraphResponse> {
    if (!mergeable) return this.send(url, body, headers);
    let key = url + '\n' + body;
    if (headers) for (const k in headers) key += '\n' + k + ':' + headers[k];
    const existing = this.inflight.get(key);
    if (existing) return existing;
    const p = this.send(url, body, headers);
    this.inflight.set(key, p);
    const clear = () => { this.inflight.delete(key); };
    p.then(clear, clear);
    return p;
  }

  private send(url: string, body: string, headers: Record<string, string> | undefined): Promise<RawSubgraphResponse> {
    if (!this.tracing) return this.sendNow(url, body, headers, undefined);
    const extra: Record<string, string> = {};
    return this.tracing.subgraphFetch(this.nameOf(url), extra, () => this.sendNow(url, body, headers, extra));
  }

  private async sendNow(url: string, body: string, headers: Record<string, string> | undefined, traceHeaders: Record<string, string> | undefined): Promise<RawSubgraphResponse> {
    const local = this.inProcess?.(url);
    if (local) return this.sendInProcess(local, url, body, traceHeaders ? { ...headers, ...traceHeaders } : headers);
    let target = this.targets.get(url);
    if (!target) {
      const u = new URL(url);
      let pool = this.pools.get(u.origin);
      if (!pool) {
        pool = new Pool(u.origin, { connections: this.connections, pipelining: 1, keepAliveTimeout: 30_000 });
        this.pools.set(u.origin, pool);
      }
      target = { pool, path: u.pathname + u.search };
      this.targets.set(url, target);
    }
    this.sent++;
    const reqHeaders: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (headers) for (const k in headers) reqHeaders[k.toLowerCase()] = headers[k];
    if (traceHeaders) for (const k in traceHeaders) reqHeaders[k] = traceHeaders[k]!;
    const t0 = this.onResponse ? performance.now() : 0;
    try {
      const res = await target.pool.request({
        path: target.path,
        method: 'POST',
        headers: reqHeaders,
        body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const text = await res.body.text();
      this.onResponse?.(url, res.statusCode, performance.now() - t0);
      return { status: res.statusCode, text };
    } catch (err) {
      this.onResponse?.(url, 0, performance.now() - t0);
      throw new SubgraphUnavailableError((err as Error).message);
    }
  }

  private async sendInProcess(local: InProcessSubgraph, url: string, body: string, headers: Record<string, string> | undefined): Promise<RawSubgraphResponse> {
    this.sent++;
    const reqHeaders: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (headers) for (const k in headers) reqHeaders[k.toLowerCase()] = headers[k]!;
    const t0 = this.onResponse ? performance.now() : 0;
    let timer: NodeJS.Timeout | undefined;
    try {
      const res = await Promise.race([
        local(body, reqHeaders),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      this.onResponse?.(url, res.status, performance.now() - t0);
      return res;
    } catch (err) {
      this.onResponse?.(url, 0, performance.now() - t0);
      throw new SubgraphUnavailableError((err as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.targets.clear();
    await Promise.all(pools.map((p) => p.close().catch(() => p.destroy())));
  }
}
