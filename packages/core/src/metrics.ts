// Prometheus metrics shared by the gateway and the subgraphs: a registry per server (never prom-client's global
// one: embedded mode runs six servers in one process, each answering /metrics on its own port), the protected
// /metrics endpoint, and label values bounded so that client-chosen names (operation names) cannot grow memory.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { log } from './logger.ts';
import { isProductionMode } from './secrets.ts';
import { poolGauges } from './pool-metrics.ts';


/** Who may read /metrics. */
export interface MetricsAccess {
  /** When set, /metrics requires `Authorization: Bearer <token>`. */
  token?: string;
  /** Without a token, production mode refuses /metrics (403) instead of serving it to anyone. */
  production: boolean;
}

/** METRICS_TOKEN, and production mode as for the secrets (DATABASE_URL or NODE_ENV=production). */
export function metricsAccessFromEnv(env: Record<string, string | undefined> = process.env): MetricsAccess {
  return { token: env.METRICS_TOKEN || undefined, production: isProductionMode(env) };
}

/** Startup note for operators: in production mode without METRICS_TOKEN every /metrics answers 403. */
export function warnIfMetricsClosed(service: string, access: MetricsAccess = metricsAccessFromEnv()): void {
  if (access.production && !access.token) log.warn(`${service}: /metrics answers 403 in production mode without METRICS_TOKEN`);
}

/** A registry with the process collectors (CPU, memory, event loop lag, GC, handles) when `defaultMetrics`. */
export function createRegistry(opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  poolGauges(registry);
  return registry;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * The `/metrics` handler: Prometheus text format. With a token, anything but the right bearer gets 401; in production
 * mode without a token, 403 (metrics reveal operation names, traffic and internals: not for the public internet).
 */
export function metricsHandler(registry: Registry, access: MetricsAccess) {
  const expected = access.token ? digest(access.token) : null;
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (expected) {
      const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      // digests have equal length, so the comparison takes the same time whatever was sent
      if (!given || !timingSafeEqual(digest(given), expected)) {
        res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' }).end('metrics: bearer token required\n');
        return;
      }
    } else if (access.production) {
      res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics: set METRICS_TOKEN to serve /metrics in production mode\n');
      return;
    }
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
  };
}

/** Maps label values to themselves until `max` distinct ones were seen, then to `__other__`. */
export function boundedLabel(max = 200): (value: string) => string {
  const seen = new Set<string>();
  return (value) => {
    if (seen.has(value)) return value;
    if (seen.size >= max) return '__other__';
    seen.add(value);
    return value;
  };
}
