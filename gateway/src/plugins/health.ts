import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '@omniroute/core';

/** `/health`: the process is alive. `/ready`: every subgraph answers (any HTTP response counts, even 401). */
export function createHealthPlugin(subgraphUrls: () => Record<string, string>) {
  return {
    routes: {
      '/health': (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { status: 'ok' }),
      '/ready': async (_req: IncomingMessage, res: ServerResponse) => {
        const checks = await Promise.all(
          Object.entries(subgraphUrls()).map(async ([name, url]) => {
            try {
              const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{__typename}"}', signal: AbortSignal.timeout(2000) });
              await r.arrayBuffer();
              return [name, 'up'] as const;
            } catch {
              return [name, 'down'] as const;
            }
          }),
        );
        const ready = checks.every(([, s]) => s === 'up');
        sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', subgraphs: Object.fromEntries(checks) });
      },
    },
  };
}
