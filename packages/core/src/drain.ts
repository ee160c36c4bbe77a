import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** How long shutdown lets requests in flight finish before it closes their connections. */
export const DRAIN_TIMEOUT_MS = 10_000;

export interface HttpDrainer {
  /** Requests being served. */
  readonly active: number;
  /**
   * Stops accepting connections, lets the requests in flight finish (at most `timeoutMs`), closing each
   * keep-alive connection as soon as it is idle, then closes whatever is left and resolves once closed.
   */
  drain(timeoutMs?: number): Promise<void>;
}

/**
 * Tracks a server's requests so that shutdown can wait for them. `closeAllConnections()` alone cuts a
 * mutation half-way: the client sees a dropped socket and cannot tell whether the order was placed.
 * Attach before the server listens.
 */
export function trackHttpRequests(server: Server, opts: { stream?: (req: IncomingMessage) => boolean } = {}): HttpDrainer {
  let active = 0;
  let draining = false;
  let idle: (() => void) | null = null;
  /** Responses that never finish by themselves (SSE subscriptions): ended at drain, not waited for. */
  const streams = new Set<ServerResponse>();
  server.on('request', (req, res) => {
    if (opts.stream?.(req)) {
      streams.add(res);
      res.once('close', () => streams.delete(res));
      return;
    }
    active++;
    // Clients learn not to reuse the connection, so they reconnect to another replica.
    if (draining && !res.headersSent) res.setHeader('connection', 'close');
    res.once('close', () => {
      active--;
      if (!draining) return;
      setImmediate(() => server.closeIdleConnections());
      if (active === 0) idle?.();
    });
  });
  return {
    get active() {
      return active;
    },
    async drain(timeoutMs = DRAIN_TIMEOUT_MS) {
      draining = true;
      for (const res of streams) res.end();
      const closed = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      server.closeIdleConnections();
      if (active > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((resolve) => (idle = resolve)),
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
      }
      server.closeAllConnections();
      await closed;
    },
  };
}
