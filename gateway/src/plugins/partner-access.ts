import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { GraphQLError, Kind, parse, type DocumentNode, type ExecutionResult, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { log, type Viewer } from '@omniroute/core';
import { documentLimitsOf, documentSizeError, parseFailure, type DocumentLimits, type GraphQLParams, type IncomingRequestInfo, type ResolvedParams } from '../runtime/index.ts';
import { ByteBoundedCache } from '../runtime/bounded-cache.ts';
import type { GatewayContext } from '../upstream.ts';
import { credentialOf } from './auth.ts';
import { createApiKeyPlugin, type ApiKeyPrincipal, type IdentityChange } from './api-keys.ts';
import { createConcurrencyLimitPlugin, type Slot } from './concurrency-limit.ts';
import { createCsrfPlugin } from './csrf.ts';
import { createFieldAuthPlugin, type Denial } from './field-auth.ts';
import { createIntrospectionGuardPlugin } from './introspection-guard.ts';
import { createMetricsPlugin, type MetricsPlugin } from './metrics.ts';
import { createOperationLimitsPlugin, DEFAULT_PARTNER_LIMITS, DEFAULT_USER_LIMITS, type OperationLimits } from './operation-limits.ts';
import { createPersistedQueriesPlugin } from './persisted-queries.ts';
import { createRateLimitPlugin, type RateCaller } from './rate-limit.ts';

export interface PartnerAccessOptions {
  supergraphSdl: string;
  /** The gateway's metrics registry (default: one of its own). */
  metrics?: MetricsPlugin;
  /** HMAC secret of the signed internal context (API key lookups are signed internal calls to identity). */
  secret: string;
  /** The API schema (the runtime's). */
  schema: () => GraphQLSchema;
  /** Identity's URL after overrides; undefined when identity is not in the supergraph (API keys then never resolve). */
  identityUrl: () => string | undefined;
  /** Redis (APQ store, rate limits, revocation pub/sub); in memory without it. */
  redisUrl?: string;
  /** Prefix of every Redis key (tests use a unique one). Default `omniroute:`. */
  keyPrefix?: string;
  /** Identity's change channel (its `changesChannel`). */
  changesChannel?: string;
  /** In-process identity changes (embedded mode): revocations apply within milliseconds without Redis. */
  subscribeChanges?: (listener: (change: IdentityChange) => void) => () => void;
  /** Folder of partner manifests (`<partnerAppId or slug>.json`), watched. */
  manifestsDir?: string;
  /** Operation limits: users (and anonymous) and partners; a partner app's own limits override the partner ones. */
  limits?: { user?: Partial<OperationLimits>; partner?: Partial<OperationLimits> };
  /** Cost weights by `Type.field` or type name. */
  costWeights?: Record<string, number>;
  /** Document size and token limits (the runtime's): QUERY_TOO_LARGE before any parsing here. */
  documentLimits?: Partial<DocumentLimits>;
  /** Root fields allowed at most N times per request, by `Type.field` (default: `Mutation.login` once). */
  perRequestCaps?: Record<string, number>;
  /**
   * Root fields per minute per API key (its app may set its own), per user, per IP of anonymous callers (a request
   * costs one per root field, a subscription one); subscriptions open at once per API key and per user, and
   * WebSockets plus SSE streams open at once per client IP (loopback exempt like the IP budget). `false`: all off.
   */
  rateLimits?: ({ apiKey?: number; user?: number; ip?: number } & Partial<StreamCaps>) | false;
  /**
   * Behind trusted reverse proxies: how many (true = 1). The client IP is then the X-Forwarded-For entry the
   * outermost trusted proxy appended (the n-th from the right): entries left of it are whatever the client sent,
   * and taking one of those would let a caller pick its own address for rate limits and sign-in throttling.
   */
  trustProxy?: boolean | number;
  /**
   * Anonymous calls from loopback addresses skip the per-IP budget (local tools, tests, benchmarks, a sidecar).
   * Default true; behind a reverse proxy on the same host set trustProxy, or this to false.
   */
  exemptLoopback?: boolean;
  /** Refuse introspection to partner keys. Default: NODE_ENV === 'production'. */
  refuseIntrospectionForPartners?: () => boolean;
  /** Scopes implied by users' roles, for @requiresScopes. */
  roleScopes?: Readonly<Record<string, readonly string[]>>;
  /** CSRF prevention (Apollo's csrfPrevention). Default on. */
  csrfPrevention?: boolean;
  /** API key cache TTL (bound on a missed revocation message). Default 5 s. */
  apiKeyCacheTtlMs?: number;
  /** How often lastUsedAt is reported to identity. Default 15 s. */
  lastUsedFlushMs?: number;
}

/** Caps on what a caller holds open (see rateLimits). */
export interface StreamCaps {
  subscriptionsPerKey: number;
  subscriptionsPerUser: number;
  socketsPerIp: number;
}
export const DEFAULT_STREAM_CAPS: StreamCaps = { subscriptionsPerKey: 200, subscriptionsPerUser: 100, socketsPerIp: 500 };

const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

/** A rate-limit bucket a request was charged in. */
interface Charged { caller: RateCaller; bucket: string }

interface RequestState {
  res: ServerResponse | null;
  /** The buckets the request was charged one token in (context); resolveParams charges the rest of its root fields. */
  rateCallers?: Charged[];
  register?: { hash: string; query: string };
  intercepted?: boolean;
  /** A subscription (graphql-ws, SSE): denied fields are nulled in every event, see streamFilter. */
  stream?: { denials?: Denial[] };
}

/**
 * Partner access at the edge, wiring the single-purpose plugins into the runtime's hooks: API keys → viewer,
 * CSRF, rate limits (429 + Retry-After), persisted queries and safelists, operation limits, introspection for
 * partners, and field authorization (@authenticated / @requiresScopes) with per-field nulling. Per-request state
 * lives in WeakMaps keyed by the request's context; nothing is module state.
 */
export function createPartnerAccessPlugin(opts: PartnerAccessOptions) {
  const prefix = opts.keyPrefix ?? 'omniroute:';
  const redis = opts.redisUrl
    ? new Redis(opts.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : null;
  redis?.on('error', (e) => log.warn('partner access: redis error', { error: String(e) }));
  const ready = redis ? redis.connect().catch((e) => log.warn('partner access: redis unavailable, using memory', { error: String(e) })) : Promise.resolve();

  const metrics = opts.metrics ?? createMetricsPlugin();
  const rateLimited = metrics.counter('rate_limited_total', 'Requests refused with 429, by bucket kind', ['bucket']);
  const limitRefusals = metrics.counter('operation_limit_refusals_total', 'Operations refused by depth/alias/root-field/cost limits', ['code', 'kind']);
  let persisted: ReturnType<typeof createPersistedQueriesPlugin>;
  const apiKeys = createApiKeyPlugin({
    identityUrl: opts.identityUrl,
    secret: opts.secret,
    cacheTtlMs: opts.apiKeyCacheTtlMs,
    flushIntervalMs: opts.lastUsedFlushMs,
    redisUrl: opts.redisUrl,
    channel: opts.changesChannel,
    subscribe: opts.subscribeChanges,
    onAppChanged: (appId) => persisted?.invalidate(appId),
  });
  const documentLimits = documentLimitsOf(opts.documentLimits);
  persisted = createPersistedQueriesPlugin({
    redis,
    maxTokens: documentLimits.maxTokens,
    keyPrefix: `${prefix}apq:`,
    manifestsDir: opts.manifestsDir,
    registered: (appId) => apiKeys.registeredOperations(appId),
    metrics,
  });
  const csrf = opts.csrfPrevention === false ? null : createCsrfPlugin();
  const rateLimit = opts.rateLimits === false ? null : createRateLimitPlugin({ redis, keyPrefix: `${prefix}rl:`, perMinute: opts.rateLimits });
  const concurrency = opts.rateLimits === false ? null : createConcurrencyLimitPlugin({ redis, keyPrefix: `${prefix}cc:` });
  const caps: StreamCaps = { ...DEFAULT_STREAM_CAPS, ...(opts.rateLimits || {}) };
  const operationLimits = createOperationLimitsPlugin({ schema: opts.schema, weights: opts.costWeights, perRequestCaps: opts.perRequestCaps });
  const introspection = createIntrospectionGuardPlugin({ refuseForPartners: opts.refuseIntrospectionForPartners });
  const fieldAuth = createFieldAuthPlugin({ supergraphSdl: opts.supergraphSdl, schema: opts.schema, roleScopes: opts.roleScopes });
  const userLimits = { ...DEFAULT_USER_LIMITS, ...opts.limits?.user };
  const partnerLimits = { ...DEFAULT_PARTNER_LIMITS, ...opts.limits?.partner };

  const responses = new WeakMap<IncomingHttpHeaders | Record<string, unknown>, ServerResponse>();
  const states = new WeakMap<GatewayContext, RequestState>();
  const fragmentMaps = new WeakMap<DocumentNode, Record<string, FragmentDefinitionNode>>();

  // Parsed documents for the limit check that runs before the runtime plans (see resolveParams), by query text;
  // small ones only, and never failures. A document that does not parse is refused here, with the runtime's
  // error: parsing it a second time there would double what a stream of hostile documents costs.
  const parsed = new ByteBoundedCache<string, DocumentNode>(4 * 1024 * 1024, 300);
  const parseCached = (query: string): DocumentNode | GraphQLError => {
    let doc = parsed.get(query);
    if (doc === undefined) {
      try {
        doc = parse(query, { noLocation: true, maxTokens: documentLimits.maxTokens });
      } catch (err) {
        return parseFailure(query, err, documentLimits.maxTokens);
      }
      // ~150 bytes per token without locations (measured); the text at two bytes per character
      const tokens = (doc as { tokenCount?: number }).tokenCount ?? query.length;
      if (query.length <= 4096) parsed.set(query, doc, 2 * query.length + 160 * tokens);
    }
    return doc;
  };

  const fragmentsOf = (doc: DocumentNode) => {
    let f = fragmentMaps.get(doc);
    if (!f) {
      f = Object.create(null) as Record<string, FragmentDefinitionNode>;
      for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) f[d.name.value] = d;
      fragmentMaps.set(doc, f);
    }
    return f;
  };

  function limitsFor(principal: ApiKeyPrincipal | null): OperationLimits {
    if (!principal) return userLimits;
    const own = principal.app.limits;
    return {
      maxDepth: own.maxDepth ?? partnerLimits.maxDepth,
      maxAliases: own.maxAliases ?? partnerLimits.maxAliases,
      maxRootFields: own.maxRootFields ?? partnerLimits.maxRootFields,
      maxCost: own.maxCost ?? partnerLimits.maxCost,
    };
  }

  function clientIp(info: IncomingRequestInfo): string {
    const hops = opts.trustProxy === true ? 1 : typeof opts.trustProxy === 'number' ? opts.trustProxy : 0;
    if (hops > 0) {
      const xff = info.headers['x-forwarded-for'];
      const entries = (Array.isArray(xff) ? xff.join(',') : xff ?? '').split(',').map((e) => e.trim()).filter(Boolean);
      const client = entries[Math.max(0, entries.length - hops)];
      if (client) return client;
    }
    return info.ip;
  }

  /** Anonymous callers spend their IP's per-minute budget (loopback exempt unless exemptLoopback is false). */
  async function chargeIp(ip: string, res: ServerResponse | null): Promise<Charged | null> {
    if (!rateLimit || (opts.exemptLoopback !== false && isLoopback(ip))) return null;
    const charged = { caller: { ip }, bucket: 'ip' };
    const e = await rateLimit.check(charged.caller);
    if (e) { rateLimited.inc({ bucket: 'ip' }); refuse(res, e); }
    return charged;
  }

  /** Signed-in callers spend their API key's budget (its app's) or their user's. */
  async function chargeViewer(viewer: Viewer, res: ServerResponse | null): Promise<Charged | null> {
    if (!rateLimit) return null;
    const principal = apiKeys.principalOf(viewer);
    const charged = principal
      ? { caller: { apiKeyId: principal.keyId, apiKeyPerMinute: principal.app.limits.requestsPerMinute }, bucket: 'api_key' }
      : { caller: { userId: viewer.userId ?? null }, bucket: 'user' };
    const e = await rateLimit.check(charged.caller);
    if (e) { rateLimited.inc({ bucket: charged.bucket }); refuse(res, e); }
    return charged;
  }

  // No Retry-After: a slot frees when the caller closes something, not after a known time.
  const tooMany = (what: string, limit: number) =>
    new GraphQLError(`Too many ${what} open at once (limit ${limit}); close one first`, { extensions: { code: 'RATE_LIMITED', limit, http: { status: 429 } } });

  function refuse(res: ServerResponse | null | undefined, err: GraphQLError): never {
    const headers = (err.extensions?.http as { headers?: Record<string, string> } | undefined)?.headers;
    // The runtime sets the status from extensions.http.status; headers set here survive its writeHead.
    if (res && headers && !res.headersSent) for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    throw err;
  }

  /** Buffers the runtime's JSON reply so denied fields can be nulled before it leaves. */
  function interceptResponse(res: ServerResponse, denials: Denial[]) {
    const writeHead = res.writeHead.bind(res) as (status: number, headers?: Record<string, unknown>) => ServerResponse;
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    let head: [number, Record<string, unknown> | undefined] | null = null;
    res.writeHead = ((status: number, headers?: Record<string, unknown>) => { head = [status, headers]; return res; }) as typeof res.writeHead;
    res.end = ((chunk?: unknown) => {
      let body = chunk;
      try {
        if (chunk !== undefined && typeof chunk !== 'function') {
          const result = JSON.parse(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk));
          body = Buffer.from(JSON.stringify(fieldAuth.redact(result, denials)));
        }
      } catch (e) {
        log.error('field auth: response not redactable; refusing it', { error: String(e) });
        body = Buffer.from(JSON.stringify({ errors: [{ message: denials[0]!.message, extensions: { code: denials[0]!.code } }] }));
      }
      res.writeHead = writeHead as typeof res.writeHead;
      res.end = end as typeof res.end;
      const headers = { ...(head?.[1] ?? {}) };
      if (Buffer.isBuffer(body)) headers['content-length'] = body.length;
      writeHead(head?.[0] ?? res.statusCode, headers);
      return end(body);
    }) as typeof res.end;
  }

  return {
    metrics,
    apiKeys,
    persisted,
    fieldAuth,
    operationLimits,
    /** Resolves API keys for the auth plugin (`resolveApiKey`). */
    resolveApiKey: (key: string): Promise<Viewer | null> => apiKeys.resolve(key),
    /** The API key behind a request's viewer, if any. */
    principalOf: (viewer: Viewer | null | undefined) => apiKeys.principalOf(viewer),
    /** Call before handing an HTTP request to the runtime: links the request to its response (429 headers, field nulling). */
    attach(req: IncomingMessage, res: ServerResponse) {
      responses.set(req.headers, res);
    },
    /**
     * The runtime's `context` hook around the gateway's own context builder: CSRF first; anonymous callers spend
     * their IP's budget (before any work), authenticated ones their API key's or user's budget (a proxy or NAT
     * in front of many partners must not make them share one).
     */
    async context(info: IncomingRequestInfo, build: () => Promise<GatewayContext>): Promise<GatewayContext> {
      const res = responses.get(info.headers) ?? null;
      const csrfError = csrf?.check(info);
      if (csrfError) throw csrfError;
      const rateCallers: Charged[] = [];
      if (!credentialOf(info.headers)) { const c = await chargeIp(clientIp(info), res); if (c) rateCallers.push(c); }
      const ctx = await build();
      if (ctx.viewer) { const c = await chargeViewer(ctx.viewer, res); if (c) rateCallers.push(c); }
      states.set(ctx, { res, rateCallers });
      return ctx;
    },
    /**
     * The `context` step of a subscription (a graphql-ws subscribe, an SSE stream), whose caller authenticated
     * when its socket or stream opened: it spends one request of the same budget as an HTTP request. `ctx` is
     * the subscription's own (one per subscribe), `ip` the client's as clientIp() gave it.
     */
    async beginStream(ctx: GatewayContext, ip: string): Promise<void> {
      const c = ctx.viewer ? await chargeViewer(ctx.viewer, null) : await chargeIp(ip, null);
      states.set(ctx, { res: null, stream: {}, rateCallers: c ? [c] : [] });
    },
    /**
     * A slot for one more open subscription of this caller (per API key or user; anonymous callers are bounded by
     * their sockets). Throws RATE_LIMITED at the cap; null when caps are off or nothing applies.
     */
    async holdSubscription(ctx: GatewayContext): Promise<Slot | null> {
      if (!concurrency || !ctx.viewer) return null;
      const principal = apiKeys.principalOf(ctx.viewer);
      const [bucket, limit] = principal ? [`key:${principal.keyId}`, caps.subscriptionsPerKey] : ctx.viewer.userId ? [`user:${ctx.viewer.userId}`, caps.subscriptionsPerUser] : [null, 0];
      if (!bucket) return null;
      const slot = await concurrency.acquire(bucket, limit);
      if (slot) return slot;
      rateLimited.inc({ bucket: principal ? 'api_key_subscriptions' : 'user_subscriptions' });
      throw tooMany('subscriptions', limit);
    },
    /** A slot for one more WebSocket or SSE stream from this client IP. Throws RATE_LIMITED at the cap. */
    async holdSocket(info: IncomingRequestInfo): Promise<Slot | null> {
      const ip = clientIp(info);
      if (!concurrency || (opts.exemptLoopback !== false && isLoopback(ip))) return null;
      const slot = await concurrency.acquire(`ip:${ip}`, caps.socketsPerIp);
      if (slot) return slot;
      rateLimited.inc({ bucket: 'ip_sockets' });
      throw tooMany('connections from this address', caps.socketsPerIp);
    },
    /** The client IP of a request: the socket's, or with trustProxy the X-Forwarded-For entry the outermost trusted proxy appended. */
    clientIp,
    /**
     * What field authorization does to each event of a subscription the caller may run only in part (denied
     * fields below the root): null them and add an error at their path, as an HTTP response does.
     */
    streamFilter(ctx: GatewayContext): ((result: ExecutionResult) => ExecutionResult) | undefined {
      const denials = states.get(ctx)?.stream?.denials;
      if (!denials?.length) return undefined;
      return (result) => fieldAuth.redact(result as Parameters<typeof fieldAuth.redact>[0], denials) as ExecutionResult;
    },
    /**
     * The runtime's `resolveParams` hook: APQ and safelists, then the operation limits once more on our own parse
     * (cached by text). The runtime validates a document before its checkDocument hook runs, and validating
     * hundreds of same-named fields is quadratic (500 of them: ~300 ms of event loop): refusing them here keeps
     * that off the table. Only the first exceeded limit is reported here; checkDocument reports all of them.
     * Then the request pays for the rest of its root fields: the budget counts root fields, not requests, so
     * aliasing one field twenty times costs twenty.
     */
    async resolveParams(params: GraphQLParams, ctx: GatewayContext): Promise<ResolvedParams> {
      // Before anything parses or hashes it (safelist comparison, APQ, the limit check below).
      const tooLarge = typeof params.query === 'string' ? documentSizeError(params.query, documentLimits.maxBytes) : null;
      if (tooLarge) throw tooLarge;
      const principal = apiKeys.principalOf(ctx?.viewer);
      const r = await persisted.resolve(params, principal?.app ?? null);
      const doc = parseCached(r.params.query);
      if (doc instanceof GraphQLError) throw doc;
      const operation = doc.definitions.find((d): d is OperationDefinitionNode =>
        d.kind === Kind.OPERATION_DEFINITION && (r.params.operationName ? d.name?.value === r.params.operationName : true));
      const state = ctx && states.get(ctx);
      if (operation) {
        const fragments = fragmentsOf(doc);
        const variables = r.params.variables ?? {};
        const errors = operationLimits.check(operation, fragments, variables, limitsFor(principal));
        if (errors.length) {
          limitRefusals.inc({ code: String(errors[0]!.extensions.code), kind: principal ? 'partner' : 'user' });
          throw errors[0];
        }
        const extra = operationLimits.measure(operation, fragments, variables).rootFields - 1; // one was paid in context
        if (rateLimit && state && extra > 0) {
          for (const { caller, bucket } of state.rateCallers ?? []) {
            const e = await rateLimit.check(caller, extra);
            if (e) { rateLimited.inc({ bucket }); refuse(state.res, e); }
          }
        }
      }
      if (state) state.register = r.register;
      return r.params;
    },
    /** The runtime's `checkDocument` hook: introspection for partners, limits, field authorization; then APQ registration. */
    checkDocument(doc: DocumentNode, ctx: GatewayContext, info: { operation: OperationDefinitionNode; variables: Record<string, unknown> }): GraphQLError[] {
      const viewer = ctx?.viewer ?? null;
      const principal = apiKeys.principalOf(viewer);
      const fragments = fragmentsOf(doc);
      const state = ctx ? states.get(ctx) : undefined;
      const refused = introspection.check(info.operation, fragments, !!principal);
      if (refused) return [refused];
      const errors = operationLimits.check(info.operation, fragments, info.variables, limitsFor(principal));
      if (errors.length) {
        for (const e of errors) limitRefusals.inc({ code: String(e.extensions.code), kind: principal ? 'partner' : 'user' });
        return errors;
      }
      const denials = fieldAuth.denials(info.operation, fragments, viewer);
      if (denials.length) {
        const subscription = info.operation.operation === 'subscription';
        // A denied root field of a subscription would stream nothing but errors: refused as a whole. Below the
        // root the transport nulls them in each event (streamFilter); in-process calls cannot be nulled.
        if (subscription && state?.stream && denials.every((d) => d.segments.length > 1)) state.stream.denials = denials;
        else if (!state?.res || subscription) return [fieldAuth.refusal(denials)];
        else {
          if (!state.intercepted) interceptResponse(state.res, denials);
          state.intercepted = true;
        }
      }
      if (state?.register) {
        const { hash, query } = state.register;
        state.register = undefined;
        void persisted.register(hash, query);
      }
      return [];
    },
    routes: metrics.routes,
    /** Resolves once Redis is connected (or failed, then memory is used). */
    ready: () => ready,
    async close() {
      concurrency?.close();
      await apiKeys.close();
      await persisted.close();
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export type PartnerAccessPlugin = ReturnType<typeof createPartnerAccessPlugin>;
