import type { Server } from 'node:http';
import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { WebSocketServer } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { verifyContext, type InternalContext } from './context.ts';
import { unauthenticated } from './errors.ts';
import { log } from './logger.ts';
import { attachHeartbeat, type HeartbeatOptions } from './ws-heartbeat.ts';

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
  /** Pings and the pong timeout (tests shorten them). */
  heartbeat?: HeartbeatOptions;
}) {
  const wss = new WebSocketServer({ server: opts.httpServer, path: '/graphql' });
  const heartbeat = attachHeartbeat(wss, opts.heartbeat);
  const internals = new WeakMap<object, InternalContext>();
  const disposable = useServer(
    {
      schema: opts.schema,
      onConnect: (ctx) => {
        const params = (ctx.connectionParams ?? {}) as Record<string, unknown>;
        try {
          const internal = verifyContext({ get: (n) => (typeof params[n] === 'string' ? (params[n] as string) : undefined) }, { secret: opts.secret, audience: opts.name });
          (ctx.extra as { internal?: InternalContext }).internal = internal;
          return true;
        } catch {
          return false; // graphql-ws closes with 4403 Forbidden
        }
      },
      context: async (ctx) => {
        const internal = (ctx.extra as unknown as { internal: InternalContext }).internal;
        const context = await opts.createContext(internal);
        internals.set(context, internal);
        return context;
      },
      // Each event runs with a context of its own, as an HTTP request does: fresh DataLoaders, so nested fields
      // (a vehicle's territory, its current shipment…) read current rows, never those cached for an earlier event.
      subscribe: (args) => subscribePerEventContext(args, (context) => opts.createContext(internals.get(context as object)!)),
      onError: (_ctx, _id, _payload, errors) => {
        log.warn('subgraph subscription error', { subgraph: opts.name, errors: errors.map((e) => e.message) });
      },
    },
    wss,
    0, // graphql-ws's keepalive dropped healthy sockets after an event-loop stall of 12 s: attachHeartbeat instead
  );
  return {
    connections: () => wss.clients.size,
    async close() {
      heartbeat.stop();
      for (const c of wss.clients) c.terminate();
      await disposable.dispose();
      await new Promise<void>((r) => wss.close(() => r()));
    },
  };
}

/**
 * graphql-js's `subscribe`, except that each event is executed with a new context from `eventContext`: the
 * subscription context (made once, when the client subscribed) only serves the subscribe resolver. Events run one
 * after the other, like graphql-js; `return()` ends the source stream.
 */
export async function subscribePerEventContext(
  args: ExecutionArgs,
  eventContext: (subscriptionContext: unknown) => unknown,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  const stream = await createSourceEventStream(args);
  if (!(Symbol.asyncIterator in stream)) return stream;
  const source = stream[Symbol.asyncIterator]();
  const close = async (): Promise<IteratorResult<ExecutionResult>> => {
    await source.return?.();
    return { value: undefined, done: true };
  };
  const events: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      const r = await source.next();
      if (r.done) return { value: undefined, done: true };
      try {
        return { value: await execute({ ...args, rootValue: r.value, contextValue: await eventContext(args.contextValue) }), done: false };
      } catch (e) {
        await close();
        throw e;
      }
    },
    return: close,
    async throw(e) {
      await close();
      throw e;
    },
    [Symbol.asyncIterator]: () => events,
  };
  return events;
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
 * (the field's arguments) before anything is sent. (Each event then runs with fresh DataLoaders: see
 * subscribePerEventContext.)
 */
export function tenantEvents(
  source: LiveEventSource,
  viewer: { tenantId: string } | null,
  types: string[],
  accept: (e: LiveEvent) => boolean = () => true,
  maxBuffer = 256,
): AsyncIterableIterator<LiveEvent> {
  if (!viewer) throw unauthenticated();
  const tenantId = viewer.tenantId;
  return pushIterator<LiveEvent>((push) =>
    source.listen(
      (e) => {
        if (e.tenantId !== tenantId || !accept(e)) return;
        push(e);
      },
      { types },
    ),
  maxBuffer);
}
