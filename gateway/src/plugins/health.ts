import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '@omniroute/core';

export interface HealthPluginOptions {
  /** Subgraph names → URLs (after overrides). */
  subgraphUrls: () => Record<string, string>;
  /**
   * Headers of the probe to one subgraph: the gateway's own signed context, so a subgraph counts as up only when it
   * accepts what the gateway signs (a secret mismatch is an outage, not a healthy 401). Omit for subgraphs that
   * need no signature (the generic CLI).
   */
  probeHeaders?: (subgraph: string) => Record<string, string>;
  /** Per-probe timeout, ms. Default 2 s. */
  timeoutMs?: number;
}

type Probe = { up: true } | { up: false; reason: string };

/**
 * `/health`: the process is alive. `/ready`: every subgraph answers `{ __typename }` with a 2xx and data, as a real
 * fetch of the gateway would; 503 otherwise, naming each subgraph that is down and why.
 */
export function createHealthPlugin(opts: HealthPluginOptions) {
  async function probe(name: string, url: string): Promise<Probe> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...opts.probeHeaders?.(name) },
        body: '{"query":"{__typename}"}',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 2000),
      });
    } catch (e) {
      return { up: false, reason: (e as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable' };
    }
    const body = (await res.json().catch(() => null)) as { data?: { __typename?: unknown }; errors?: { extensions?: { code?: unknown } }[] } | null;
    const code = body?.errors?.[0]?.extensions?.code;
    if (!res.ok) return { up: false, reason: `HTTP ${res.status}${typeof code === 'string' ? ` ${code}` : ''}` };
    if (body?.errors?.length || typeof body?.data?.__typename !== 'string') return { up: false, reason: typeof code === 'string' ? code : 'not a GraphQL answer' };
    return { up: true };
  }

  return {
    probe,
    routes: {
      '/health': (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { status: 'ok' }),
      '/ready': async (_req: IncomingMessage, res: ServerResponse) => {
        const checks = await Promise.all(Object.entries(opts.subgraphUrls()).map(async ([name, url]) => [name, await probe(name, url)] as const));
        const down = Object.fromEntries(checks.flatMap(([name, p]) => (p.up ? [] : [[name, p.reason]])));
        const ready = Object.keys(down).length === 0;
        sendJson(res, ready ? 200 : 503, {
          status: ready ? 'ready' : 'unavailable',
          subgraphs: Object.fromEntries(checks.map(([name, p]) => [name, p.up ? 'up' : 'down'])),
          ...(ready ? {} : { down }),
        }, { 'cache-control': 'no-store' });
      },
    },
  };
}
