// The gateway's edge: its plugins in pipeline order, and what several of them share (Redis, API keys).
import { Redis } from 'ioredis';
import type { GraphQLSchema } from 'graphql';
import { log, type TokenVerifierOptions, type Viewer } from '@omniroute/core';
import { clientIpOf, type GatewayPlugin } from '../pipeline.ts';
import { documentLimitsOf, type DocumentLimits } from '../runtime/index.ts';
import { createUpstreamSignaturePlugin, upstreamHeaders } from '../upstream.ts';
import { createApiKeyPlugin, type IdentityChange } from './api-keys.ts';
import { createAuthPlugin, type AuthPluginOptions } from './auth.ts';
import { createConcurrencyLimitPlugin, DEFAULT_CAPS, type Caps } from './concurrency-limit.ts';
import { createCsrfPlugin } from './csrf.ts';
import { createFieldAuthPlugin } from './field-auth.ts';
import { createForeignReferencesPlugin } from './foreign-references.ts';
import { createIntrospectionGuardPlugin } from './introspection-guard.ts';
import type { MetricsPlugin } from './metrics.ts';
import { createOperationLimitsPlugin, type OperationLimits } from './operation-limits.ts';
import { createPersistedQueriesPlugin } from './persisted-queries.ts';
import { createRateLimitPlugin } from './rate-limit.ts';

/** Partner access and abuse limits (GatewayOptions.partners). */
export interface PartnerAccessOptions {
  /** Redis (APQ store, rate limits, caps, revocation pub/sub); in memory without it. */
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
  /** Root fields allowed at most N times per request, by `Type.field` (default: `Mutation.login` once). */
  perRequestCaps?: Record<string, number>;
  /**
   * Root fields per minute per API key (its app may set its own), per user, per IP of anonymous callers (a request
   * costs one per root field, a subscription one); what callers hold open at once (concurrency-limit.ts `Caps`:
   * subscriptions per key, user and partner app, sockets per IP, HTTP operations in flight per partner app; an
   * app's `maxSubscriptions` / `maxConcurrentOperations` override the per-app ones). `false`: all off.
   */
  rateLimits?: ({ apiKey?: number; user?: number; ip?: number } & Partial<Caps>) | false;
  /** Behind trusted reverse proxies: how many (true = 1); see clientIpOf. */
  trustProxy?: boolean | number;
  /** Anonymous calls and sockets from loopback addresses skip the per-IP limits. Default true. */
  exemptLoopback?: boolean;
  /** Refuse introspection to partner keys. Default: NODE_ENV === 'production'. */
  refuseIntrospectionForPartners?: () => boolean;
  /** Scopes implied by users' roles, for @requiresScopes. */
  roleScopes?: Readonly<Record<string, readonly string[]>>;
  /** CSRF prevention (Apollo's csrfPrevention). Default on. */
  csrfPrevention?: boolean;
  /** API key cache TTL (bound on a missed revocation or app change message). Default 5 s. */
  apiKeyCacheTtlMs?: number;
  /** How often lastUsedAt is reported to identity. Default 15 s. */
  lastUsedFlushMs?: number;
}

export interface EdgeOptions extends PartnerAccessOptions {
  supergraphSdl: string;
  /** HMAC secret of the signed internal context. */
  secret: string;
  /** Token verification; API keys resolve through identity. Omit to run without auth. */
  auth?: TokenVerifierOptions & Pick<AuthPluginOptions, 'resolveApiKey'>;
  schema: () => GraphQLSchema;
  /** A subgraph's URL after overrides; undefined when it is not in the supergraph. */
  subgraphUrl: (name: string) => string | undefined;
  documentLimits?: Partial<DocumentLimits>;
  metrics: MetricsPlugin;
}

/**
 * The plugins of the gateway in pipeline order: csrf, auth, persisted-queries, introspection, operation-limits,
 * rate-limit, caps, foreign-references, field-auth, upstream-signature, metrics. Each is single-purpose; what they share is built
 * here once: the Redis connection and the API keys (a key's partner app carries the safelist mode and limits).
 */
export function createEdgePlugins(opts: EdgeOptions) {
  const prefix = opts.keyPrefix ?? 'omniroute:';
  const redis = opts.redisUrl ? new Redis(opts.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : null;
  redis?.on('error', (e) => log.warn('gateway edge: redis error', { error: String(e) }));
  const connected = redis ? redis.connect().catch((e) => log.warn('gateway edge: redis unavailable, using memory', { error: String(e) })) : Promise.resolve();
  const { metrics } = opts;
  const refusedRate = metrics.counter('rate_limited_total', 'Requests refused with 429, by bucket kind', ['bucket']);
  const refusedLimits = metrics.counter('operation_limit_refusals_total', 'Operations refused by depth/alias/root-field/cost limits', ['code', 'kind']);

  let persisted: ReturnType<typeof createPersistedQueriesPlugin> | undefined;
  const apiKeys = createApiKeyPlugin({
    identityUrl: () => opts.subgraphUrl('identity'), secret: opts.secret, cacheTtlMs: opts.apiKeyCacheTtlMs, flushIntervalMs: opts.lastUsedFlushMs,
    redisUrl: opts.redisUrl, channel: opts.changesChannel, subscribe: opts.subscribeChanges,
    onAppChanged: (appId) => persisted?.invalidate(appId),
  });
  const principalOf = (viewer: Viewer | null | undefined) => apiKeys.principalOf(viewer);
  const appOf = (viewer: Viewer | null) => principalOf(viewer)?.app ?? null;
  const documentLimits = documentLimitsOf(opts.documentLimits);
  persisted = createPersistedQueriesPlugin({
    redis, maxTokens: documentLimits.maxTokens, keyPrefix: `${prefix}apq:`, manifestsDir: opts.manifestsDir,
    registered: (appId) => apiKeys.registeredOperations(appId), metrics, appOf,
  });
  const operationLimits = createOperationLimitsPlugin({
    schema: opts.schema, weights: opts.costWeights, perRequestCaps: opts.perRequestCaps, limits: opts.limits,
    appLimitsOf: (viewer) => appOf(viewer)?.limits ?? null, refused: refusedLimits,
  });
  const limited = opts.rateLimits !== false;
  const keyOf = (viewer: Viewer) => {
    const p = principalOf(viewer);
    return p && { keyId: p.keyId, appId: p.app.id, perMinute: p.app.limits.requestsPerMinute, ...p.app.limits };
  };
  const fieldAuth = createFieldAuthPlugin({ supergraphSdl: opts.supergraphSdl, schema: opts.schema, roleScopes: opts.roleScopes });
  const auth = opts.auth ? createAuthPlugin({ ...opts.auth, resolveApiKey: opts.auth.resolveApiKey ?? ((key) => apiKeys.resolve(key)) }) : null;
  const plugins: GatewayPlugin[] = [
    ...(opts.csrfPrevention === false ? [] : [createCsrfPlugin()]),
    ...(auth ? [auth] : []),
    persisted,
    createIntrospectionGuardPlugin({ refuseForPartners: opts.refuseIntrospectionForPartners, isPartner: (v) => !!principalOf(v) }),
    operationLimits,
    ...(limited ? [
      createRateLimitPlugin({
        redis, keyPrefix: `${prefix}rl:`, perMinute: opts.rateLimits || undefined, keyOf, rootFields: operationLimits.rootFields,
        exemptLoopback: opts.exemptLoopback, refused: refusedRate,
      }),
      createConcurrencyLimitPlugin({ redis, keyPrefix: `${prefix}cc:`, caps: { ...DEFAULT_CAPS, ...(opts.rateLimits || {}) }, keyOf, exemptLoopback: opts.exemptLoopback, refused: refusedRate }),
    ] : []),
    createForeignReferencesPlugin({ schema: opts.schema, subgraphUrl: opts.subgraphUrl, headers: (ctx, subgraph) => upstreamHeaders(ctx, opts.secret, subgraph) }),
    fieldAuth,
    createUpstreamSignaturePlugin({ secret: opts.secret }),
    metrics,
    {
      name: 'edge-resources',
      ready: () => connected,
      async close() {
        await apiKeys.close();
        if (redis) await redis.quit().catch(() => redis.disconnect());
      },
    },
  ];
  const hops = opts.trustProxy === true ? 1 : typeof opts.trustProxy === 'number' ? opts.trustProxy : 0;
  return {
    plugins,
    apiKeys,
    auth,
    persisted,
    fieldAuth,
    documentLimits,
    principalOf,
    clientIp: (info: Parameters<typeof clientIpOf>[0]) => clientIpOf(info, hops),
  };
}

export type Edge = ReturnType<typeof createEdgePlugins>;
