import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { log } from '@omniroute/core';

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
}

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

  return {
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
}

export type ConcurrencyLimitPlugin = ReturnType<typeof createConcurrencyLimitPlugin>;
