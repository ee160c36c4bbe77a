// Federated subscriptions: the gateway plans a subscription like a query; the plan's `primary` fetch subscribes to
// the owning subgraph over graphql-ws, and for each event the plan's `rest` (entity fetches of the other subgraphs)
// runs once per group of subscribers that share the document, variables and caller (the same user or API key with
// the same tenant, roles and scopes). Stock @apollo/gateway throws on subscriptions
// (apollographql/apollo-server#2776), so this is ours. The edge checks (auth, persisted queries, limits, rate
// limits) run before a subscriber gets here: see pipeline.ts.
import { createHash } from 'node:crypto';
import type { ExecutionResult, GraphQLError } from 'graphql';
import type { FetchNode, SubscriptionNode } from '@apollo/query-planner';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { log } from '@omniroute/core';
import type { GatewayRuntime, ReadyOperation } from '../runtime/index.ts';
import type { GatewayContext } from '../upstream.ts';

export interface SubscriptionRequest {
  query: string;
  variables?: Record<string, unknown>;
  operationName?: string;
}

/** Where a subscriber's results go (a graphql-ws socket, an SSE response). */
export interface SubscriptionSink {
  next(result: ExecutionResult): void;
  complete(): void;
  /** Upstream failed for good. */
  error(errors: readonly GraphQLError[] | readonly { message: string }[]): void;
}

interface Group {
  key: string;
  ready: ReadyOperation;
  ctx: GatewayContext;
  sinks: Set<SubscriptionSink>;
  upstream: Upstream;
}

interface Upstream {
  key: string;
  groups: Set<Group>;
  dispose: () => void;
}

export interface SubscriptionEngineOptions {
  runtime: GatewayRuntime<GatewayContext>;
  /** Signed headers for a caller and the subgraph they go to, sent as graphql-ws connectionParams (fresh at every (re)connect). */
  upstreamParams: (subgraph: string, ctx: GatewayContext) => Record<string, string>;
  /**
   * Who the caller is beyond its viewer, e.g. the API key behind a partner viewer (two keys of one app carry the
   * same viewer). Default: nothing more.
   */
  callerOf?: (ctx: GatewayContext) => string | undefined;
}

/**
 * Whom a subscriber's results may be shared with: subgraphs answer per viewer (a rider's own shipments, the
 * viewer's own phone number), so only the same user or key — with the same tenant, roles, scopes and account
 * bindings, since a new token may carry others — shares an upstream stream and the entity fetches of each event.
 */
function identityOf(ctx: GatewayContext, caller?: string): string {
  const v = ctx.viewer;
  if (!v) return 'anonymous';
  return [v.tenantId, v.userId ?? '', v.partnerId ?? '', caller ?? '', [...v.roles].sort().join(','), [...v.scopes].sort().join(','), v.customerId ?? '', v.workerId ?? ''].map((x) => x.replaceAll('|', '||')).join('|');
}

const hash = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 22);

export function createSubscriptionEngine(opts: SubscriptionEngineOptions) {
  const { runtime } = opts;
  const identity = (ctx: GatewayContext) => identityOf(ctx, opts.callerOf?.(ctx));
  // one graphql-ws connection per (subgraph, caller identity); many subscriptions multiplex on it
  const clients = new Map<string, { client: Client; refs: number }>();
  const upstreams = new Map<string, Upstream>();
  const groups = new Map<string, Group>();
  let eventsIn = 0;
  let resultsOut = 0;

  const clientFor = (subgraph: string, ctx: GatewayContext) => leaseClient(clients, `${subgraph}|${identity(ctx)}`, runtime.subgraphs.get(subgraph)!, () => opts.upstreamParams(subgraph, ctx));

  async function deliver(upstream: Upstream, payload: ExecutionResult) {
    eventsIn++;
    await Promise.all(
      [...upstream.groups].map(async (g) => {
        let result: ExecutionResult;
        if (!payload.data) result = { errors: payload.errors ?? [] } as ExecutionResult;
        else {
          try {
            // the runtime's result hooks run on it (field authorization nulls denied fields for the group's caller)
            result = await runtime.executeSubscriptionEvent(g.ready, payload.data as Record<string, unknown>, g.ctx);
          } catch (e) {
            log.error('subscription event failed', { error: String(e) });
            result = { data: null, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } } as never] };
          }
        }
        for (const s of g.sinks) {
          resultsOut++;
          s.next(result);
        }
      }),
    );
  }

  function openUpstream(key: string, primary: FetchNode, ready: ReadyOperation, ctx: GatewayContext): Upstream {
    const { client, release } = clientFor(primary.serviceName, ctx);
    const variables = Object.fromEntries((primary.variableUsages ?? []).filter((v) => v in ready.variables).map((v) => [v, ready.variables[v]]));
    const upstream: Upstream = { key, groups: new Set(), dispose: () => undefined };
    // events are delivered in order: each waits for the previous one's fan-out
    let chain = Promise.resolve();
    const unsubscribe = client.subscribe(
      { query: primary.operation, variables },
      {
        next: (payload) => {
          chain = chain.then(() => deliver(upstream, payload as ExecutionResult));
        },
        error: (err) => {
          const errors = Array.isArray(err) ? err : [{ message: 'Subscription source unavailable', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } }];
          log.warn('upstream subscription failed', { subgraph: primary.serviceName, error: String((err as Error)?.message ?? JSON.stringify(err)) });
          for (const g of [...upstream.groups]) for (const s of [...g.sinks]) s.error(errors);
          closeUpstream(upstream);
        },
        complete: () => {
          for (const g of [...upstream.groups]) for (const s of [...g.sinks]) s.complete();
          closeUpstream(upstream);
        },
      },
    );
    upstream.dispose = () => {
      unsubscribe();
      release();
    };
    upstreams.set(key, upstream);
    return upstream;
  }

  function closeUpstream(u: Upstream) {
    if (upstreams.get(u.key) !== u) return;
    upstreams.delete(u.key);
    for (const g of u.groups) groups.delete(g.key);
    u.groups.clear();
    u.dispose();
  }

  /**
   * Parses, validates (the runtime's checkDocument hook: limits, field authorization) and plans the subscription
   * for this caller. Returns its errors, or the operation for attach().
   */
  function prepare(ctx: GatewayContext, req: SubscriptionRequest): { errors: readonly GraphQLError[] } | { ready: ReadyOperation } {
    const prepared = runtime.prepare({ query: req.query, variables: req.variables, operationName: req.operationName, ctx });
    if ('result' in prepared) return { errors: (prepared.result.errors ?? []) as GraphQLError[] };
    const ready = prepared.ready;
    const node = ready.plan.node as SubscriptionNode | undefined;
    if (ready.prepared.kind !== 'subscription' || node?.kind !== 'Subscription') {
      return { errors: [{ message: 'Only subscription operations are accepted here', extensions: { code: 'BAD_REQUEST' } } as never] };
    }
    return { ready };
  }

  /**
   * Attaches a sink to the stream of a prepared subscription, joining the group of the same caller, document and
   * variables when there is one. Returns the unsubscribe function, which releases every upstream resource when
   * the last subscriber of a stream leaves.
   */
  function attach(ctx: GatewayContext, ready: ReadyOperation, req: SubscriptionRequest, sink: SubscriptionSink): { unsubscribe: () => void } {
    const node = ready.plan.node as SubscriptionNode;
    const primaryVars = Object.fromEntries((node.primary.variableUsages ?? []).map((v) => [v, ready.variables[v]]));
    const upstreamKey = hash(`${node.primary.serviceName}|${identity(ctx)}|${node.primary.operation}|${JSON.stringify(primaryVars)}`);
    const groupKey = hash(`${upstreamKey}|${req.query}|${req.operationName ?? ''}|${JSON.stringify(ready.variables)}`);
    let group = groups.get(groupKey);
    if (!group) {
      const upstream = upstreams.get(upstreamKey) ?? openUpstream(upstreamKey, node.primary, ready, ctx);
      group = { key: groupKey, ready, ctx, sinks: new Set(), upstream };
      groups.set(groupKey, group);
      upstream.groups.add(group);
    }
    group.sinks.add(sink);
    const g = group;
    let active = true;
    return {
      unsubscribe: () => {
        if (!active) return;
        active = false;
        g.sinks.delete(sink);
        if (g.sinks.size) return;
        groups.delete(g.key);
        g.upstream.groups.delete(g);
        if (!g.upstream.groups.size) closeUpstream(g.upstream);
      },
    };
  }

  return {
    prepare,
    attach,
    stats: () => ({ upstreams: upstreams.size, groups: groups.size, connections: clients.size, eventsIn, resultsOut }),
    async close() {
      for (const u of [...upstreams.values()]) closeUpstream(u);
      await Promise.all([...clients.values()].map((c) => c.client.dispose()));
      clients.clear();
    },
  };
}

export type SubscriptionEngine = ReturnType<typeof createSubscriptionEngine>;

/** A counted lease on the pooled graphql-ws client of `key`; the last release disposes of it. */
function leaseClient(clients: Map<string, { client: Client; refs: number }>, key: string, httpUrl: string, params: () => Record<string, string>): { client: Client; release: () => void } {
  let entry = clients.get(key);
  if (!entry) {
    const client = createClient({
      url: httpUrl.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: params,
      lazy: true,
      lazyCloseTimeout: 0,
      retryAttempts: 5,
      shouldRetry: () => true,
    });
    entry = { client, refs: 0 };
    clients.set(key, entry);
  }
  entry.refs++;
  const e = entry;
  return {
    client: e.client,
    release: () => {
      if (--e.refs === 0) {
        clients.delete(key);
        void e.client.dispose();
      }
    },
  };
}

