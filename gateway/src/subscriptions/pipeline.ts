// The edge of a subscription, one implementation for graphql-ws and SSE alike: the checks an HTTP request gets from
// the same plugins, in the same order — sockets per IP, authentication, the caller's per-minute budget, persisted
// queries and safelists, operation limits, field authorization — plus a cap on the subscriptions a caller holds
// open; then the federated engine. A connection also ends when its credential does: a revoked API key (4403) or an
// expired token (4401).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import { log, unauthenticated, type Viewer } from '@omniroute/core';
import type { GraphQLParams, IncomingRequestInfo, ResolvedParams } from '../runtime/index.ts';
import { toGraphQLError } from '../runtime/errors.ts';
import { credentialOf } from '../plugins/auth.ts';
import type { Slot } from '../plugins/concurrency-limit.ts';
import type { PartnerAccessPlugin } from '../plugins/partner-access.ts';
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
  partners: PartnerAccessPlugin;
  /** The gateway's context from credential headers (authentication); throws UNAUTHENTICATED for bad credentials. */
  context(headers: Record<string, unknown>): Promise<GatewayContext>;
  /** Refuse connections without credentials (the gateway runs with auth). */
  requireViewer: boolean;
  /** When a token's viewer expires, ms since epoch (auth plugin). API keys carry theirs. */
  expiresAt?(viewer: Viewer): number | undefined;
  /**
   * Open connections' API keys are checked again this often, in case a revocation message was lost (identity
   * publishes revocations; this is the bound when one never arrives). Default 5 s.
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

export function createSubscriptionPipeline(opts: SubscriptionPipelineOptions): SubscriptionPipeline {
  const { engine, partners } = opts;
  // Open connections by API key credential, for the periodic re-check.
  const byKey = new Map<string, Set<Session>>();

  class Session implements StreamSession {
    private ended: SessionEnd | null = null;
    private listeners: ((end: SessionEnd) => void)[] = [];
    private timer: NodeJS.Timeout | null = null;
    private stopRevocation: (() => void) | null = null;

    constructor(readonly ctx: GatewayContext, readonly ip: string, private readonly apiKey: string | null) {
      const viewer = ctx.viewer;
      if (!viewer) return;
      const principal = partners.principalOf(viewer);
      const expires = principal ? principal.expiresAt : opts.expiresAt?.(viewer);
      if (expires != null) this.expireAt(expires, principal ? 'API key expired' : 'Token expired');
      if (principal) {
        this.stopRevocation = partners.apiKeys.onRevoked(principal.keyId, () => this.end(4403, 'API key revoked'));
        let set = byKey.get(apiKey!);
        if (!set) byKey.set(apiKey!, (set = new Set()));
        set.add(this);
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
      if (this.apiKey) {
        const set = byKey.get(this.apiKey);
        set?.delete(this);
        if (set && !set.size) byKey.delete(this.apiKey);
      }
    }
  }

  const recheck = setInterval(() => {
    for (const [key, sessions] of byKey) {
      partners.resolveApiKey(key).then(
        (viewer) => {
          if (viewer) return;
          for (const s of [...sessions]) s.end(4403, 'API key revoked');
        },
        // identity unreachable: keep the connections (new ones are refused with SUBGRAPH_UNAVAILABLE meanwhile)
        (e) => log.debug('subscriptions: api key re-check failed', { error: String(e) }),
      );
    }
  }, opts.recheckMs ?? 5_000);
  recheck.unref();

  return {
    async open(req) {
      const slot = await partners.holdSocket(requestInfoOf(req));
      return () => slot?.release();
    },

    async connect(headers, req) {
      const ctx = await opts.context(headers);
      if (opts.requireViewer && !ctx.viewer) throw unauthenticated();
      const credential = credentialOf(headers);
      const isKey = !!ctx.viewer && !!partners.principalOf(ctx.viewer);
      return new Session(ctx, partners.clientIp(requestInfoOf(req)), isKey ? credential : null);
    },

    async subscribe(session, params, sink) {
      const s = session as Session;
      // Each subscribe is a request of its own: its own id and per-request plugin state, the connection's caller.
      const ctx: GatewayContext = { requestId: randomUUID(), viewer: s.ctx.viewer };
      let resolved: ResolvedParams;
      try {
        await partners.beginStream(ctx, s.ip);
        resolved = await partners.resolveParams(params, ctx);
      } catch (e) {
        return { errors: [toGraphQLError(e)] };
      }
      const prepared = engine.prepare(ctx, resolved);
      if ('errors' in prepared) return prepared;
      let slot: Slot | null;
      try {
        slot = await partners.holdSubscription(ctx);
      } catch (e) {
        return { errors: [toGraphQLError(e)] };
      }
      if (s.endedWith) {
        slot?.release();
        return { errors: [s.endedWith.error] };
      }
      let held = true;
      const release = () => {
        if (held) slot?.release();
        held = false;
      };
      const r = engine.attach(ctx, prepared.ready, resolved, {
        next: (result) => sink.next(result),
        complete: () => {
          release();
          sink.complete();
        },
        error: (errors) => {
          release();
          sink.error(errors);
        },
      }, partners.streamFilter(ctx));
      return {
        unsubscribe: () => {
          r.unsubscribe();
          release();
        },
      };
    },

    close() {
      clearInterval(recheck);
      for (const sessions of [...byKey.values()]) for (const s of [...sessions]) s.close();
    },
  };
}
