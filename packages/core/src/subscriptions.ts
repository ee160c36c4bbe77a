import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { verifyContext, type InternalContext } from './context.ts';
import { unauthenticated } from './errors.ts';
import { log } from './logger.ts';

/**
 * Turns a push-based source into an async iterator for a subscription resolver. The buffer is bounded: when the
 * consumer falls behind, the oldest events are dropped (positions are superseded by newer ones anyway).
 * `return()` (client gone, subscription completed) unsubscribes from the source.
 */
export function pushIterator<T>(subscribe: (push: (v: T) => void) => () => void, maxBuffer = 256): AsyncIterableIterator<T> {
  const buffer: T[] = [];
  let waiting: ((r: IteratorResult<T>) => void) | null = null;
  let done = false;
  const unsubscribe = subscribe((v) => {
    if (done) return;
    if (waiting) {
      const w = waiting;
      waiting = null;
      w({ value: v, done: false });
    } else {
      buffer.push(v);
      if (buffer.length > maxBuffer) buffer.shift();
    }
  });
  const finish = (): Promise<IteratorResult<T>> => {
    if (!done) {
      done = true;
      unsubscribe();
      buffer.length = 0;
      waiting?.({ value: undefined as never, done: true });
      waiting = null;
    }
    return Promise.resolve({ value: undefined as never, done: true });
  };
  return {
    next() {
      if (buffer.length) return Promise.resolve({ value: buffer.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined as never, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return: finish,
    throw(e) {
      void finish();
      return Promise.reject(e);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * Serves the subgraph's Subscription fields over graphql-ws (graphql-transport-ws) on the same port and path. The
 * gateway sends the signed internal context in `connection_init`; anything else is refused with 4401.
 */
export function attachSubscriptionServer<Ctx extends object>(opts: {
  httpServer: Server;
  schema: GraphQLSchema;
  secret: string;
  createContext: (internal: InternalContext) => Ctx | Promise<Ctx>;
  name: string;
}) {
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql' });
  const disposable = useServer(
    {
      schema: opts.schema,
      onConnect: (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        try {
          const internal = verifyContext({ get: (n) => (typeof params[n] === 'string' ? (params[n] as string) : undefined) }, opts.secret);
          (ctx.extra as { internal?: InternalContext }).internal = internal;
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      context: async (ctx) => opts.createContext((ctx.extra as unknown as { internal: InternalContext }).internal),
      onError: (_ctx, _id, _payload, errors) => {
        log.warn('subgraph subscription error', { subgraph: opts.name, errors: errors.map((e) => e.message) });
      },
    },
    wss,
  );
  return {
    async close() {
      for (const c of wss.clients) c.terminate();
      await disposable.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

/** The part of the event bus subscriptions need: a live broadcast of domain events to every process. */
export interface LiveEventSource {
  listen(handler: (e: LiveEvent) => void, opts?: { types?: string[] }): () => void;
}
export interface LiveEvent {
  type: string;
  tenantId: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  occurredAt: string;
}

/**
 * A subscription source: live events of the given types for the viewer's tenant only, filtered by `accept`
 * (the field's arguments) before anything is sent. The request's DataLoaders are cleared at each event, so a
 * long-lived subscription neither serves stale rows nor grows its loader caches.
 */
export function tenantEvents(
  source: LiveEventSource,
  viewer: { tenantId: string } | null,
  types: string[],
  accept: (e: LiveEvent) => boolean = () => true,
  loaders?: object,
  maxBuffer = 256,
): AsyncIterableIterator<LiveEvent> {
  if (!viewer) throw unauthenticated();
  const tenantId = viewer.tenantId;
  return pushIterator<LiveEvent>((push) =>
    source.listen(
      (e) => {
        if (e.tenantId !== tenantId || !accept(e)) return;
        for (const l of Object.values(loaders ?? {})) (l as { clearAll?: () => void })?.clearAll?.();
        push(e);
      },
      { types },
    ),
  maxBuffer);
}
