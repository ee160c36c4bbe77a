import type { Redis } from 'ioredis';
import { GraphQLError } from 'graphql';
import { log } from '@omniroute/core';

export interface RateLimitPluginOptions {
  /** Shared across replicas when given; in-memory per process otherwise (and when Redis fails). */
  redis?: Redis | null;
  /** Redis key prefix (tests use a unique one). */
  keyPrefix?: string;
  /** Default budgets, requests per minute (burst: the whole minute's budget). An app's `requestsPerMinute` overrides `apiKey`. */
  perMinute?: { apiKey?: number; user?: number; ip?: number };
  /** In-memory buckets kept at most (oldest dropped). */
  maxLocalKeys?: number;
}

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

  return {
    take,
    /**
     * Checks the caller's buckets: the API key (its app's budget) or the user, and the client IP, taking `cost`
     * tokens from each (a request costs one per root field it selects, see partner-access). Returns the
     * RATE_LIMITED error (HTTP 429, Retry-After) of the first exhausted one, or null.
     */
    async check(caller: RateCaller, cost = 1): Promise<GraphQLError | null> {
      const checks: [string, number][] = [];
      if (caller.apiKeyId) checks.push([`key:${caller.apiKeyId}`, caller.apiKeyPerMinute ?? perMinute.apiKey]);
      else if (caller.userId) checks.push([`user:${caller.userId}`, perMinute.user]);
      if (caller.ip) checks.push([`ip:${caller.ip}`, perMinute.ip]);
      for (const [key, limit] of checks) {
        const d = await take(key, limit, cost);
        if (!d.allowed) return rateLimited(d.retryAfter);
      }
      return null;
    },
  };
}

export type RateLimitPlugin = ReturnType<typeof createRateLimitPlugin>;
