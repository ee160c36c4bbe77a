// The edge of a subscription, one implementation for graphql-ws and SSE alike: the stages of the gateway's plugin
// pipeline (../pipeline.ts) an HTTP request goes through, with the same plugins in the same order — sockets per IP,
// authentication, the caller's per-minute budget, persisted queries and safelists, operation limits, field
// authorization — plus caps on the subscriptions a caller holds open; then the federated engine. A connection also
// ends when its credential does: a revoked API key or a disabled partner app (4403), an expired token (4401). When
// a partner app changes (safelist mode, registered operations, limits), each open subscription of its keys is
// checked again as if it were subscribed now, and ended with the refusal's error when it would be refused.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { log, unauthenticated, type Viewer } from '@omniroute/core';
import type { GraphQLParams, IncomingRequestInfo, ResolvedParams } from '../runtime/index.ts';
import { toGraphQLError } from '../runtime/errors.ts';
import type { ApiKeyPlugin } from '../plugins/api-keys.ts';
import { credentialOf } from '../plugins/auth.ts';
import { requestIdOf, type Pipeline, type Release, type Transport } from '../pipeline.ts';
import type { GatewayContext } from '../upstream.ts';
import type { SubscriptionEngine, SubscriptionSink } from './federated.ts';

/** Why a connection's credential stopped being valid, as a WebSocket close code and a GraphQL error (SSE). */
export interface SessionEnd {
  code: 4401 | 4403;
  reason: string;
  error: GraphQLError;
}

/** One authenticated socket or SSE stream. */
export interface StreamSession {
  /** The caller as authenticated when the connection opened. */
  readonly ctx: GatewayContext;
  readonly ip: string;
  /** Calls `listener` once, when the credential is revoked or expires (at once if it already has). */
  onEnd(listener: (end: SessionEnd) => void): void;
  /** Stops watching the credential: call when the connection closes. */
  close(): void;
}

export type SubscribeOutcome = { errors: readonly GraphQLError[] } | { unsubscribe: () => void };

export interface SubscriptionPipeline {
  /** A new socket or stream from this request: the per-IP cap. Returns the release; throws RATE_LIMITED. */
  open(req: IncomingMessage): Promise<() => void>;
  /** Authenticates a connection's credentials (`authorization`, `x-api-key`); throws UNAUTHENTICATED. */
  connect(headers: Record<string, unknown>, req: IncomingMessage): Promise<StreamSession>;
  /** Runs one subscribe through the checks and attaches the sink; errors carry the codes HTTP would answer with. */
  subscribe(session: StreamSession, params: GraphQLParams, sink: SubscriptionSink): Promise<SubscribeOutcome>;
  close(): void;
}

export interface SubscriptionPipelineOptions {
  engine: SubscriptionEngine;
  /** The gateway's plugin pipeline. */
  pipeline: Pipeline;
  /** API keys: revocations, partner app changes, the periodic re-check. */
  apiKeys: ApiKeyPlugin;
  /** Refuse connections without credentials (the gateway runs with auth). */
  requireViewer: boolean;
  /** When a token's viewer expires, ms since epoch (auth plugin). API keys carry theirs. */
  expiresAt?(viewer: Viewer): number | undefined;
  /**
   * Open connections' API keys are checked again this often, in case a revocation or app change message was lost
   * (identity publishes them; this is the bound when one never arrives). Default 5 s.
   */
  recheckMs?: number;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const requestInfoOf = (req: IncomingMessage): IncomingRequestInfo => ({
  method: req.method ?? 'GET', url: req.url ?? '', headers: req.headers, ip: req.socket.remoteAddress ?? '',
});

const badRequest = (message: string) => new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });

/**
 * The GraphQL params of a graphql-ws subscribe payload or an SSE request body, checked like an HTTP body: `query`
 * (optional with a persisted query), `operationName`, `variables`, `extensions` (APQ) and `documentId`.
 */
export function subscriptionParams(body: unknown): GraphQLParams {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The subscription request must be a JSON object');
  const b = body as Record<string, unknown>;
  const params: GraphQLParams = {};
  if (b.query != null) {
    if (typeof b.query !== 'string') throw badRequest('`query` must be a string');
    params.query = b.query;
  }
  if (b.operationName != null) {
    if (typeof b.operationName !== 'string') throw badRequest('`operationName` must be a string');
    params.operationName = b.operationName;
  }
  for (const k of ['variables', 'extensions'] as const) {
    if (b[k] == null) continue;
    if (typeof b[k] !== 'object' || Array.isArray(b[k])) throw badRequest(`\`${k}\` must be an object`);
    params[k] = b[k] as Record<string, unknown>;
  }
  if (b.documentId != null) {
    if (typeof b.documentId !== 'string') throw badRequest('`documentId` must be a string');
    params.documentId = b.documentId;
  }
  if (!params.query && !params.documentId && !params.extensions?.persistedQuery) {
    throw badRequest('A subscription needs a non-empty `query`, a `documentId` or a `persistedQuery` extension');
  }
  return params;
}

/** An open subscription, kept so it can be checked again when its partner app changes. */
interface OpenSubscription {
  params: GraphQLParams;
  /** Ends it with these errors (graphql-ws `error`, SSE last `next` then `complete`). */
  stop(errors: readonly GraphQLError[]): void;
}

/** What an app change could change for open subscriptions: its safelist mode and limits. */
const appStateOf = (apiKeys: ApiKeyPlugin, viewer: Viewer | null) => {
  const app = apiKeys.principalOf(viewer)?.app;
  return app ? JSON.stringify([app.persistedQueryMode, app.limits]) : '';
};

class Session implements StreamSession {
  private ended: SessionEnd | null = null;
  private listeners: ((end: SessionEnd) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  private stopRevocation: (() => void) | null = null;
  readonly subscriptions = new Set<OpenSubscription>();
  appState: string;

  constructor(
    public ctx: GatewayContext,
    readonly ip: string,
    readonly transport: Transport,
    /** The API key credential, for re-checks; null for users' tokens. */
    readonly apiKey: string | null,
    readonly appId: string | null,
    private readonly registry: { apiKeys: ApiKeyPlugin; expiresAt?(viewer: Viewer): number | undefined; sessions: Set<Session> },
  ) {
    const viewer = ctx.viewer;
    this.appState = appStateOf(registry.apiKeys, viewer);
    if (!viewer) return;
    const principal = registry.apiKeys.principalOf(viewer);
    const expires = principal ? principal.expiresAt : registry.expiresAt?.(viewer);
    if (expires != null) this.expireAt(expires, principal ? 'API key expired' : 'Token expired');
    if (principal) {
      this.stopRevocation = registry.apiKeys.onRevoked(principal.keyId, () => this.end(4403, 'API key revoked'));
      registry.sessions.add(this);
    }
  }

  private expireAt(at: number, reason: string) {
    const wait = at - Date.now();
    if (wait <= 0) return this.end(4401, reason);
    this.timer = setTimeout(() => this.expireAt(at, reason), Math.min(wait, MAX_TIMER_MS));
    this.timer.unref();
  }

  end(code: 4401 | 4403, reason: string) {
    if (this.ended) return;
    this.ended = { code, reason, error: unauthenticated(reason) };
    this.close();
    for (const l of this.listeners.splice(0)) l(this.ended);
  }

  get endedWith(): SessionEnd | null {
    return this.ended;
  }

  onEnd(listener: (end: SessionEnd) => void) {
    if (this.ended) listener(this.ended);
    else this.listeners.push(listener);
  }

  close() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.stopRevocation?.();
    this.stopRevocation = null;
    this.registry.sessions.delete(this);
  }
}

const transportOf = (req: IncomingMessage): Transport => (req.headers.upgrade ? 'ws' : 'sse');

export function createSubscriptionPipeline(opts: SubscriptionPipelineOptions): SubscriptionPipeline {
  const { engine, pipeline, apiKeys } = opts;
  // Open connections of API keys, for revocations, app changes and the periodic re-check.
  const registry = { apiKeys, expiresAt: opts.expiresAt, sessions: new Set<Session>() };

  /** Runs an open subscription through the checks once more, with the app as it is now; null when it passes. */
  async function refused(s: Session, sub: OpenSubscription): Promise<readonly GraphQLError[] | null> {
    const ctx: GatewayContext = { requestId: randomUUID(), viewer: s.ctx.viewer };
    try {
      await pipeline.begin(ctx, s.transport, s.ip, true);
      const prepared = engine.prepare(ctx, await pipeline.params(ctx, sub.params));
      return 'errors' in prepared ? prepared.errors : null;
    } catch (e) {
      const err = toGraphQLError(e);
      // identity unreachable (a safelist could not load): keep it, the next check decides
      return err.extensions?.code === 'SUBGRAPH_UNAVAILABLE' ? null : [err];
    } finally {
      pipeline.end(ctx);
    }
  }

  /**
   * Resolves a connection's key again: gone (revoked, its app disabled) ends the connection; an app whose mode or
   * limits changed (or any change, when `force`: its safelist may have) has every open subscription re-checked.
   */
  async function refresh(s: Session, force: boolean): Promise<void> {
    let viewer: Viewer | null;
    try {
      viewer = await apiKeys.resolve(s.apiKey!);
    } catch (e) {
      // identity unreachable: keep the connections (new ones are refused with SUBGRAPH_UNAVAILABLE meanwhile)
      return log.debug('subscriptions: api key re-check failed', { error: String(e) });
    }
    if (!viewer) return s.end(4403, 'API key revoked or partner app disabled');
    const state = appStateOf(apiKeys, viewer);
    s.ctx = { ...s.ctx, viewer };
    if (!force && state === s.appState) return;
    s.appState = state;
    for (const sub of [...s.subscriptions]) {
      const errors = await refused(s, sub);
      if (errors) sub.stop(errors);
    }
  }

  const stopAppWatch = apiKeys.onAppChanged((appId) => {
    for (const s of [...registry.sessions]) if (s.appId === appId) void refresh(s, true);
  });
  const recheck = setInterval(() => {
    for (const s of [...registry.sessions]) void refresh(s, false);
  }, opts.recheckMs ?? 5_000);
  recheck.unref();

  return {
    async open(req) {
      return (await pipeline.open(transportOf(req), requestInfoOf(req))).release;
    },

    async connect(headers, req) {
      const viewer = await pipeline.authenticate(headers);
      if (opts.requireViewer && !viewer) throw unauthenticated();
      const ctx: GatewayContext = { requestId: requestIdOf(headers), viewer };
      const principal = apiKeys.principalOf(viewer);
      const credential = principal ? credentialOf(headers) : null;
      return new Session(ctx, pipeline.clientIp(requestInfoOf(req)), transportOf(req), credential, principal?.app.id ?? null, registry);
    },

    async subscribe(session, params, sink) {
      const s = session as Session;
      // Each subscribe is an operation of its own: its own id and per-operation plugin state, the connection's caller.
      const ctx: GatewayContext = { requestId: randomUUID(), viewer: s.ctx.viewer };
      let release: Release;
      let prepared: ReturnType<SubscriptionEngine['prepare']>;
      let resolved: ResolvedParams;
      try {
        await pipeline.begin(ctx, s.transport, s.ip);
        resolved = await pipeline.params(ctx, params);
        prepared = engine.prepare(ctx, resolved);
        if ('errors' in prepared) return end(ctx, prepared.errors);
        release = await pipeline.subscribe(ctx);
      } catch (e) {
        return end(ctx, [toGraphQLError(e)]);
      }
      if (s.endedWith) {
        release();
        return end(ctx, [s.endedWith.error]);
      }
      let held = true;
      const open: OpenSubscription = { params, stop: () => undefined };
      const done = () => {
        if (!held) return;
        held = false;
        release();
        pipeline.end(ctx);
        s.subscriptions.delete(open);
      };
      const attached = engine.attach(ctx, prepared.ready, resolved, {
        next: (result) => sink.next(result),
        complete: () => { done(); sink.complete(); },
        error: (errors) => { done(); sink.error(errors); },
      });
      const unsubscribe = () => { attached.unsubscribe(); done(); };
      open.stop = (errors) => { unsubscribe(); sink.error(errors); };
      s.subscriptions.add(open);
      return { unsubscribe };
    },

    close() {
      clearInterval(recheck);
      stopAppWatch();
      for (const s of [...registry.sessions]) s.close();
    },
  };

  function end(ctx: GatewayContext, errors: readonly GraphQLError[]): SubscribeOutcome {
    pipeline.end(ctx);
    return { errors };
  }
}
