import { Redis } from 'ioredis';
import { GraphQLError } from 'graphql';
import { hashApiKey, log, type PartnerAppLimits, type Role, type Viewer } from '@omniroute/core';
import { gatewayCallHeaders } from '../upstream.ts';

export type PersistedQueryMode = 'ALLOW_ALL' | 'LOG_UNKNOWN' | 'ENFORCE' | 'REQUIRE_ID';

export interface PartnerAppInfo {
  id: string;
  tenantId: string;
  slug: string;
  persistedQueryMode: PersistedQueryMode;
  /** Per-app overrides of the gateway's partner defaults. */
  limits: PartnerAppLimits;
}

/** A resolved API key: the viewer forwarded to subgraphs plus what the gateway itself enforces. */
export interface ApiKeyPrincipal {
  keyId: string;
  viewer: Viewer;
  app: PartnerAppInfo;
  /** When the key stops working (ms since epoch); null: never. */
  expiresAt: number | null;
}

/** Messages identity publishes (see subgraphs/identity/src/modules/api-keys/identity-changes.ts). */
export type IdentityChange = { kind: 'api-key-revoked' | 'partner-app-changed'; id: string; tenantId?: string };

export const IDENTITY_CHANGES_CHANNEL = 'omniroute:identity:changes';
export const API_KEY_PATTERN = /^omr_[a-z]+_[a-z0-9]{6,32}_[A-Za-z0-9]{20,128}$/;

export interface ApiKeyPluginOptions {
  /** Identity's GraphQL URL (after overrides); undefined when identity is not in the supergraph. */
  identityUrl: () => string | undefined;
  /** HMAC secret of the signed internal context. */
  secret: string;
  /** How long a resolved key is trusted without asking identity again. Default 5 s (the bound on a missed revocation). */
  cacheTtlMs?: number;
  /** How long an unknown key is remembered as unknown. Default 2 s. */
  negativeTtlMs?: number;
  maxEntries?: number;
  /** lastUsedAt is reported to identity in batches this often. Default 15 s. */
  flushIntervalMs?: number;
  /** Redis for revocations from identity on every replica. */
  redisUrl?: string;
  channel?: string;
  /** In-process change feed (embedded mode: identity in the same process) for immediate revocation. */
  subscribe?: (listener: (change: IdentityChange) => void) => () => void;
  /** Called when a partner app changed (mode, limits or safelist): the persisted-query plugin drops its copy. */
  onAppChanged?: (appId: string) => void;
  timeoutMs?: number;
}

const LOOKUP = `query GatewayApiKey($h: String!) { _gatewayApiKey(secretHash: $h) { id tenantId roles scopes expiresAt
  partnerApp { id tenantId slug persistedQueryMode limits { maxDepth maxAliases maxRootFields maxCost requestsPerMinute maxConcurrentOperations maxSubscriptions } } } }`;
const RECORD_USE = 'mutation GatewayApiKeyUse($i: GatewayApiKeyUseInput!) { _gatewayRecordApiKeyUse(input: $i) }';
const OPERATIONS = 'query GatewayPersistedOperations($a: ID!) { _gatewayPersistedOperations(partnerAppId: $a) { id name type body } }';

interface Entry { principal: ApiKeyPrincipal | null; expires: number }

/**
 * Resolves partner API keys through identity's gateway-only fields (a signed internal call) and caches them for a
 * few seconds. Revocations arrive in-process at once and over Redis pub/sub within milliseconds; the cache TTL
 * bounds the damage when a message is lost. Records lastUsedAt in batches.
 */
export function createApiKeyPlugin(opts: ApiKeyPluginOptions) {
  const ttl = opts.cacheTtlMs ?? 5000;
  const negativeTtl = opts.negativeTtlMs ?? 2000;
  const maxEntries = opts.maxEntries ?? 10_000;
  const cache = new Map<string, Entry>(); // by sha256 of the key
  const inflight = new Map<string, Promise<ApiKeyPrincipal | null>>();
  const principals = new WeakMap<Viewer, ApiKeyPrincipal>();
  // Revoked ids (bounded): a lookup that was in flight when the revocation arrived must not cache the key again.
  const revoked = new Map<string, number>();
  const used = new Map<string, number>();
  // Open sockets and streams of a key, told when it is revoked; open subscriptions, told when a partner app changed.
  const revocationListeners = new Map<string, Set<() => void>>();
  const appListeners = new Set<(appId: string) => void>();

  const callIdentity = <T>(query: string, variables: Record<string, unknown>) => identityCall<T>(opts, query, variables);

  function remember(hash: string, principal: ApiKeyPrincipal | null, now: number) {
    if (cache.size >= maxEntries) {
      for (const [k, e] of cache) if (e.expires <= now || cache.size >= maxEntries) cache.delete(k); else break;
    }
    cache.set(hash, { principal, expires: now + (principal ? ttl : negativeTtl) });
  }

  async function lookup(hash: string): Promise<ApiKeyPrincipal | null> {
    type Row = { id: string; tenantId: string; roles: Role[]; scopes: string[]; expiresAt: string | null; partnerApp: PartnerAppInfo };
    const data = await callIdentity<{ _gatewayApiKey: Row | null }>(LOOKUP, { h: hash });
    const k = data._gatewayApiKey;
    let principal: ApiKeyPrincipal | null = null;
    if (k && !revoked.has(k.id)) {
      const viewer: Viewer = Object.freeze({ tenantId: k.tenantId, partnerId: k.partnerApp.id, roles: ['PARTNER' as Role, ...k.roles.filter((r) => r !== 'PARTNER')], scopes: [...k.scopes] });
      const expires = k.expiresAt ? Date.parse(k.expiresAt) : Infinity;
      principal = { keyId: k.id, viewer, app: k.partnerApp, expiresAt: Number.isFinite(expires) ? expires : null };
      principals.set(viewer, principal);
      remember(hash, principal, Date.now());
      if (expires < Date.now() + ttl) cache.get(hash)!.expires = expires;
    } else {
      remember(hash, null, Date.now());
    }
    return principal;
  }

  function forgetKey(id: string) {
    revoked.set(id, Date.now());
    if (revoked.size > maxEntries) revoked.delete(revoked.keys().next().value!);
    for (const [h, e] of cache) if (e.principal?.keyId === id) cache.delete(h);
    for (const listener of [...(revocationListeners.get(id) ?? [])]) {
      try {
        listener();
      } catch (e) {
        log.error('api keys: revocation listener failed', { error: String(e) });
      }
    }
  }

  function forgetApp(id: string) {
    // unknown keys too: an app enabled again makes its keys known again at once
    for (const [h, e] of cache) if (!e.principal || e.principal.app.id === id) cache.delete(h);
    opts.onAppChanged?.(id);
    for (const listener of [...appListeners]) {
      try {
        listener(id);
      } catch (e) {
        log.error('api keys: app change listener failed', { error: String(e) });
      }
    }
  }

  function onChange(change: IdentityChange) {
    if (!change || typeof change.id !== 'string') return;
    if (change.kind === 'api-key-revoked') forgetKey(change.id);
    else if (change.kind === 'partner-app-changed') forgetApp(change.id);
  }

  const unsubscribe = opts.subscribe?.(onChange);
  const subscriber = opts.redisUrl ? listenForChanges(opts.redisUrl, opts.channel ?? IDENTITY_CHANGES_CHANNEL, onChange) : null;

  async function flush() {
    if (!used.size) return;
    const ids = [...used.keys()];
    const at = new Date(Math.max(...used.values())).toISOString();
    used.clear();
    try {
      await callIdentity(RECORD_USE, { i: { ids, at } });
    } catch (e) {
      log.warn('api keys: lastUsedAt not recorded', { error: String(e) });
    }
  }
  const timer = setInterval(() => void flush(), opts.flushIntervalMs ?? 15_000);
  timer.unref();

  return {
    /** The viewer of an API key, or null when unknown, revoked or expired. Throws SUBGRAPH_UNAVAILABLE when identity is down. */
    async resolve(key: string): Promise<Viewer | null> {
      if (!API_KEY_PATTERN.test(key)) return null;
      const hash = hashApiKey(key);
      const now = Date.now();
      const hit = cache.get(hash);
      let principal: ApiKeyPrincipal | null;
      if (hit && hit.expires > now) {
        principal = hit.principal;
      } else {
        let p = inflight.get(hash);
        if (!p) {
          p = lookup(hash).finally(() => inflight.delete(hash));
          inflight.set(hash, p);
        }
        principal = await p;
      }
      if (!principal) return null;
      used.set(principal.keyId, now);
      return principal.viewer;
    },
    /** The key behind a viewer this plugin returned (null for users' tokens). */
    principalOf(viewer: Viewer | null | undefined): ApiKeyPrincipal | null {
      return (viewer && principals.get(viewer)) ?? null;
    },
    /** An app's registered safelist (identity's `registerPersistedQueries`). */
    async registeredOperations(appId: string): Promise<{ id: string; name: string | null; type: string; body: string }[]> {
      const data = await callIdentity<{ _gatewayPersistedOperations: { id: string; name: string | null; type: string; body: string }[] }>(OPERATIONS, { a: appId });
      return data._gatewayPersistedOperations;
    },
    /** Calls `listener` when the key is revoked (pub/sub or in-process change feed); returns the unsubscribe. */
    onRevoked(keyId: string, listener: () => void): () => void {
      let set = revocationListeners.get(keyId);
      if (!set) revocationListeners.set(keyId, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
        if (!set.size && revocationListeners.get(keyId) === set) revocationListeners.delete(keyId);
      };
    },
    /** Calls `listener` with the id of every partner app that changed (mode, limits, safelist, disabled). */
    onAppChanged(listener: (appId: string) => void): () => void {
      appListeners.add(listener);
      return () => void appListeners.delete(listener);
    },
    /** Applies a change message (exposed for tests and for other transports). */
    onChange,
    flush,
    async close() {
      clearInterval(timer);
      unsubscribe?.();
      await flush();
      if (subscriber) await subscriber.quit().catch(() => subscriber!.disconnect());
    },
  };
}

export type ApiKeyPlugin = ReturnType<typeof createApiKeyPlugin>;

/** A signed internal call to identity's gateway-only fields; SUBGRAPH_UNAVAILABLE when it cannot answer. */
async function identityCall<T>(opts: ApiKeyPluginOptions, query: string, variables: Record<string, unknown>): Promise<T> {
  const url = opts.identityUrl();
  if (!url) throw new GraphQLError('API keys are not available', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', http: { status: 503 } } });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...gatewayCallHeaders(opts.secret, 'identity') },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
    });
  } catch (e) {
    log.warn('api key lookup: identity unreachable', { error: String(e) });
    throw new GraphQLError('Could not verify the API key, try again', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', http: { status: 503 } } });
  }
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: unknown[] };
  if (!body.data || body.errors?.length) {
    log.error('api key lookup failed', { status: res.status, errors: JSON.stringify(body.errors ?? null).slice(0, 500) });
    throw new GraphQLError('Could not verify the API key, try again', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', http: { status: 503 } } });
  }
  return body.data;
}

/** Identity's change messages on Redis pub/sub (every replica hears them). */
function listenForChanges(redisUrl: string, channel: string, onChange: (change: IdentityChange) => void): Redis {
  const subscriber = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: null });
  subscriber.on('error', (e) => log.warn('api keys: redis subscriber error', { error: String(e) }));
  subscriber.subscribe(channel).catch((e) => log.warn('api keys: subscribe failed', { error: String(e) }));
  subscriber.on('message', (_c, message) => {
    try {
      onChange(JSON.parse(message) as IdentityChange);
    } catch {
      /* not ours */
    }
  });
  return subscriber;
}

