import type { Redis } from 'ioredis';
import { GraphQLError } from 'graphql';
import { log, type Viewer } from '@omniroute/core';
import type { DocumentEvent, OperationEvent } from '../pipeline.ts';
import type { Counter } from './metrics.ts';

export interface RateLimitPluginOptions {
  /** Shared across replicas when given; in-memory per process otherwise (and when Redis fails). */
  redis?: Redis | null;
  /** Redis key prefix (tests use a unique one). */
  keyPrefix?: string;
  /** Default budgets, requests per minute (burst: the whole minute's budget). An app's `requestsPerMinute` overrides `apiKey`. */
  perMinute?: { apiKey?: number; user?: number; ip?: number };
  /** In-memory buckets kept at most (oldest dropped). */
  maxLocalKeys?: number;
  /** The API key behind a viewer, and its app's `requestsPerMinute` (hooks: users are charged per user). */
  keyOf?: (viewer: Viewer) => { keyId: string; perMinute?: number | null } | null;
  /** Root fields an operation selects (aliases included): a request costs one per root field. */
  rootFields?: (e: DocumentEvent) => number;
  /** Anonymous calls from loopback addresses are not charged. Default true. */
  exemptLoopback?: boolean;
  /** Counts refusals by bucket kind (`ip`, `api_key`, `user`). */
  refused?: Counter;
}

export const isLoopback = (ip: string) => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

/** A bucket an operation was charged in. */
interface Charged { caller: RateCaller; bucket: string }

/** Whose buckets a request spends: the API key (its app's budget) or the user, and the client IP. */
export interface RateCaller { apiKeyId?: string | null; apiKeyPerMinute?: number | null; userId?: string | null; ip?: string | null }

export interface RateDecision {
  allowed: boolean;
  /** Seconds until one more request is allowed (when refused). */
  retryAfter: number;
}

// GCRA (a token bucket in one number): the key holds the "theoretical arrival time" (TAT) of the bucket's schedule;
// each request pushes it by `interval` times its cost, and is allowed while the pushed TAT stays at most `burst` ahead
// of now. Redis time keeps replicas on one clock; PX lets idle buckets vanish.
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3] or '1')
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local nextTat = tat + interval * cost
if nextTat - now > burst then
  return nextTat - burst - now
end
redis.call('SET', KEYS[1], nextTat, 'PX', math.ceil(nextTat - now))
return 0
`;

export function rateLimited(retryAfter: number): GraphQLError {
  return new GraphQLError(`Too many requests, retry in ${retryAfter} s`, {
    extensions: { code: 'RATE_LIMITED', retryAfter, http: { status: 429, headers: { 'retry-after': String(retryAfter) } } },
  });
}

/** Rate limits per API key, user and IP: GCRA buckets of N requests per minute, in Redis (Lua) or in memory. */
export function createRateLimitPlugin(opts: RateLimitPluginOptions = {}) {
  const prefix = opts.keyPrefix ?? 'omniroute:rl:';
  const perMinute = { apiKey: 600, user: 3000, ip: 600, ...opts.perMinute };
  const maxLocal = opts.maxLocalKeys ?? 100_000;
  const local = new Map<string, number>();
  let warned = 0;

  function takeLocal(key: string, interval: number, burst: number, cost: number): number {
    const now = Date.now();
    const tat = Math.max(local.get(key) ?? now, now);
    const next = tat + interval * cost;
    if (next - now > burst) return next - burst - now;
    local.delete(key); // re-insert: Map order doubles as least-recently-used order
    local.set(key, next);
    if (local.size > maxLocal) local.delete(local.keys().next().value!);
    return 0;
  }

  /** Takes `cost` tokens (default 1) from the bucket, all or none. */
  async function take(key: string, limitPerMinute: number, cost = 1): Promise<RateDecision> {
    const interval = 60_000 / limitPerMinute;
    const burst = 60_000; // how far ahead of now the schedule may run: a full bucket admits `limit` requests at once
    let waitMs: number;
    if (opts.redis && opts.redis.status === 'ready') {
      try {
        waitMs = Number(await opts.redis.eval(GCRA, 1, prefix + key, interval, burst, cost));
      } catch (e) {
        if (Date.now() - warned > 60_000) { warned = Date.now(); log.warn('rate limit: redis failed, limiting in memory', { error: String(e) }); }
        waitMs = takeLocal(key, interval, burst, cost);
      }
    } else {
      waitMs = takeLocal(key, interval, burst, cost);
    }
    return waitMs > 0 ? { allowed: false, retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) } : { allowed: true, retryAfter: 0 };
  }

  async function check(caller: RateCaller, cost = 1): Promise<GraphQLError | null> {
    const checks: [string, number][] = [];
    if (caller.apiKeyId) checks.push([`key:${caller.apiKeyId}`, caller.apiKeyPerMinute ?? perMinute.apiKey]);
    else if (caller.userId) checks.push([`user:${caller.userId}`, perMinute.user]);
    if (caller.ip) checks.push([`ip:${caller.ip}`, perMinute.ip]);
    for (const [key, limit] of checks) {
      const d = await take(key, limit, cost);
      if (!d.allowed) return rateLimited(d.retryAfter);
    }
    return null;
  }

  // What each operation was charged in (its context's), so its extra root fields are charged in the same buckets.
  const charged = new WeakMap<object, Charged>();
  async function charge(c: Charged, cost: number) {
    const e = await check(c.caller, cost);
    if (e) {
      opts.refused?.inc({ bucket: c.bucket });
      throw e;
    }
  }

  return {
    name: 'rate-limit',
    /**
     * One token when an operation starts (an HTTP request, a subscribe): signed-in callers from their API key's
     * (its app's budget) or user's bucket — a proxy or NAT in front of many partners must not make them share
     * one — anonymous ones from their IP's (loopback exempt unless exemptLoopback is false).
     */
    async onContext(e: OperationEvent): Promise<void> {
      if (e.recheck) return;
      const viewer = e.ctx.viewer;
      let c: Charged | null;
      if (viewer) {
        const key = opts.keyOf?.(viewer) ?? null;
        c = key ? { caller: { apiKeyId: key.keyId, apiKeyPerMinute: key.perMinute }, bucket: 'api_key' } : { caller: { userId: viewer.userId ?? null }, bucket: 'user' };
      } else {
        c = opts.exemptLoopback !== false && isLoopback(e.ip) ? null : { caller: { ip: e.ip }, bucket: 'ip' };
      }
      if (!c) return;
      charged.set(e.ctx, c);
      await charge(c, 1);
    },
    /** The rest of its root fields: the budget counts root fields, so aliasing one field twenty times costs twenty. */
    async onParsed(e: DocumentEvent): Promise<void> {
      const c = charged.get(e.ctx);
      const extra = c && !e.recheck && opts.rootFields ? opts.rootFields(e) - 1 : 0;
      if (c && extra > 0) await charge(c, extra);
    },
    take,
    /**
     * Checks the caller's buckets: the API key (its app's budget) or the user, and the client IP, taking `cost`
     * tokens from each. Returns the RATE_LIMITED error (HTTP 429, Retry-After) of the first exhausted one, or null.
     */
    check,
  };
}

export type RateLimitPlugin = ReturnType<typeof createRateLimitPlugin>;
