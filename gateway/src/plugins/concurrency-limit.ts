import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { log, type Viewer } from '@omniroute/core';
import { ErrorCode, gqlError } from '../runtime/errors.ts';
import type { OperationEvent, Release, RequestEvent } from '../pipeline.ts';
import type { Counter } from './metrics.ts';
import { isLoopback } from './rate-limit.ts';

export interface ConcurrencyLimitPluginOptions {
  /** Shared across replicas when given (and ready); in-memory per process otherwise (and when Redis fails). */
  redis?: Redis | null;
  /** Redis key prefix (tests use a unique one). */
  keyPrefix?: string;
  /**
   * How long a slot outlives the replica that holds it: slots are leases, renewed every third of this while held,
   * so a replica that dies without releasing frees its slots after at most this long. Default 30 s.
   */
  leaseMs?: number;
  /** Caps of the hooks (defaults DEFAULT_CAPS); a partner app's own `maxConcurrentOperations` / `maxSubscriptions` override the per-app ones. */
  caps?: Partial<Caps>;
  /** The API key and partner app behind a viewer (hooks: null for users). */
  keyOf?: (viewer: Viewer) => { keyId: string; appId: string; maxConcurrentOperations?: number | null; maxSubscriptions?: number | null } | null;
  /** Sockets from loopback addresses are not capped. Default true. */
  exemptLoopback?: boolean;
  /** Counts refusals by bucket kind. */
  refused?: Counter;
}

/** What a caller may hold open at once. */
export interface Caps {
  /** Subscriptions (graphql-ws and SSE) per API key and per user. */
  subscriptionsPerKey: number;
  subscriptionsPerUser: number;
  /** WebSockets plus SSE streams per client IP. */
  socketsPerIp: number;
  /** Per partner app, all its keys together, on every replica: subscriptions, and HTTP operations in flight. */
  subscriptionsPerApp: number;
  operationsPerApp: number;
}
export const DEFAULT_CAPS: Caps = { subscriptionsPerKey: 200, subscriptionsPerUser: 100, socketsPerIp: 500, subscriptionsPerApp: 1000, operationsPerApp: 100 };

// No Retry-After: a slot frees when the caller closes something, not after a known time.
const tooMany = (what: string, limit: number) =>
  gqlError(`Too many ${what} open at once (limit ${limit}); close one first`, ErrorCode.RATE_LIMITED, { limit, http: { status: 429 } });

/** A held slot; release() is idempotent. */
export interface Slot {
  release(): void;
}

// One sorted set per bucket: members are the held slots, scores their lease ends (Redis time, so replicas share one
// clock). Expired leases (a replica died) are dropped before counting.
const ACQUIRE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
const RENEW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0
`;

/**
 * Caps on things held open at once (subscriptions per API key or user, sockets per IP): a bucket admits at most
 * `limit` slots until some are released. With Redis every replica counts against the same buckets.
 */
export function createConcurrencyLimitPlugin(opts: ConcurrencyLimitPluginOptions = {}) {
  const prefix = opts.keyPrefix ?? 'omniroute:cc:';
  const leaseMs = opts.leaseMs ?? 30_000;
  const instance = randomUUID();
  let seq = 0;
  const local = new Map<string, number>();
  // Slots this process holds in Redis, by bucket: renewed together, one call per bucket.
  const held = new Map<string, Set<string>>();
  let warned = 0;
  const warn = (what: string, e: unknown) => {
    if (Date.now() - warned > 60_000) { warned = Date.now(); log.warn(`concurrency limit: redis ${what} failed, counting in memory`, { error: String(e) }); }
  };

  const renewTimer = setInterval(() => {
    if (!opts.redis || opts.redis.status !== 'ready') return;
    for (const [bucket, members] of held) {
      if (members.size) opts.redis.eval(RENEW, 1, prefix + bucket, leaseMs, ...members).catch((e) => warn('renew', e));
    }
  }, leaseMs / 3);
  renewTimer.unref();

  function localSlot(bucket: string, limit: number): Slot | null {
    const n = local.get(bucket) ?? 0;
    if (n >= limit) return null;
    local.set(bucket, n + 1);
    let released = false;
    return {
      release() {
        if (released) return;
        released = true;
        const left = (local.get(bucket) ?? 1) - 1;
        if (left > 0) local.set(bucket, left);
        else local.delete(bucket);
      },
    };
  }

  const caps: Caps = { ...DEFAULT_CAPS, ...opts.caps };
  /** Slots in every bucket or in none: RATE_LIMITED (counted by the bucket kind) for the first one full. */
  async function hold(buckets: [bucket: string, limit: number, kind: string, what: string][]): Promise<Release> {
    const slots: Slot[] = [];
    for (const [bucket, limit, kind, what] of buckets) {
      const slot = await plugin.acquire(bucket, limit);
      if (slot) { slots.push(slot); continue; }
      for (const s of slots) s.release();
      opts.refused?.inc({ bucket: kind });
      throw tooMany(what, limit);
    }
    return () => { for (const s of slots) s.release(); };
  }

  const plugin = {
    name: 'caps',
    /** A WebSocket or SSE stream: one of its IP's slots (loopback exempt like the IP rate budget). */
    async onRequest(e: RequestEvent): Promise<Release | void> {
      if (e.transport === 'http' || (opts.exemptLoopback !== false && isLoopback(e.ip))) return;
      return hold([[`ip:${e.ip}`, caps.socketsPerIp, 'ip_sockets', 'connections from this address']]);
    },
    /** An HTTP operation of a partner key: one of its app's in-flight slots, for the length of the request. */
    async onContext(e: OperationEvent): Promise<Release | void> {
      const key = e.transport === 'http' && !e.recheck && e.ctx.viewer ? opts.keyOf?.(e.ctx.viewer) : null;
      if (!key) return;
      const limit = key.maxConcurrentOperations ?? caps.operationsPerApp;
      return hold([[`app-ops:${key.appId}`, limit, 'app_operations', 'operations of this partner app']]);
    },
    /** A subscription: a slot of its key (or user), and one of its partner app's. Anonymous callers are bounded by their sockets. */
    async onSubscribe(e: OperationEvent): Promise<Release | void> {
      const viewer = e.ctx.viewer;
      if (!viewer) return;
      const key = opts.keyOf?.(viewer);
      if (key) {
        return hold([
          [`key:${key.keyId}`, caps.subscriptionsPerKey, 'api_key_subscriptions', 'subscriptions'],
          [`app-subs:${key.appId}`, key.maxSubscriptions ?? caps.subscriptionsPerApp, 'app_subscriptions', 'subscriptions of this partner app'],
        ]);
      }
      if (viewer.userId) return hold([[`user:${viewer.userId}`, caps.subscriptionsPerUser, 'user_subscriptions', 'subscriptions']]);
    },
    /** A slot in `bucket`, or null when `limit` slots are already held. */
    async acquire(bucket: string, limit: number): Promise<Slot | null> {
      const redis = opts.redis;
      if (!redis || redis.status !== 'ready') return localSlot(bucket, limit);
      const member = `${instance}:${++seq}`;
      let ok: boolean;
      try {
        ok = Number(await redis.eval(ACQUIRE, 1, prefix + bucket, limit, leaseMs, member)) === 1;
      } catch (e) {
        warn('acquire', e);
        return localSlot(bucket, limit);
      }
      if (!ok) return null;
      let members = held.get(bucket);
      if (!members) held.set(bucket, (members = new Set()));
      members.add(member);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          const m = held.get(bucket);
          m?.delete(member);
          if (m && !m.size) held.delete(bucket);
          redis.zrem(prefix + bucket, member).catch((e) => warn('release', e)); // else the lease runs out
        },
      };
    },
    /** Slots held by this process (both stores), for tests and diagnostics. */
    held: () => [...held.values()].reduce((n, s) => n + s.size, 0) + [...local.values()].reduce((n, x) => n + x, 0),
    close() {
      clearInterval(renewTimer);
    },
  };
  return plugin;
}

export type ConcurrencyLimitPlugin = ReturnType<typeof createConcurrencyLimitPlugin>;
