import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { log } from '@omniroute/core';
import {
  ACCOUNT_POLICY, IP_POLICY, addressBucket, afterAttempt, afterSuccess, waitOf, type ThrottlePolicy, type ThrottleState,
} from './login-throttle.rules.ts';

export interface LoginThrottleOptions {
  /** Shared by every identity replica when given (REDIS_URL); in memory otherwise (embedded mode is one process). */
  redisUrl?: string;
  /** Redis key prefix (tests use a unique one). */
  keyPrefix?: string;
  account?: Partial<ThrottlePolicy>;
  ip?: Partial<ThrottlePolicy>;
  /** In-memory counters kept at most (least recently used dropped first). */
  maxLocalKeys?: number;
  /** Clock of the in-memory counters (Redis uses its own TIME so replicas agree). */
  now?: () => number;
}

export interface LoginThrottle {
  /**
   * Counts one sign-in attempt for the email and the client address, before the password is checked. Returns the
   * milliseconds to wait when either is throttled (nothing counted then), else 0.
   */
  attempt(email: string, ip: string | null | undefined): Promise<number>;
  /** The attempt succeeded: the account's counter starts over, the address gets the attempt back. */
  succeeded(email: string, ip: string | null | undefined): Promise<void>;
  close(): Promise<void>;
}

// Mirrors afterAttempt/waitOf of login-throttle.rules.ts over Redis hashes { n: attempts, u: locked until (ms) }:
// refuses when any key is locked, else counts the attempt on every key. Redis TIME: one clock for all replicas.
const ATTEMPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, k in ipairs(KEYS) do
  local u = tonumber(redis.call('HGET', k, 'u') or '0')
  if u - now > wait then wait = u - now end
end
if wait > 0 then return wait end
for i, k in ipairs(KEYS) do
  local o = (i - 1) * 4
  local free, base, max, forget = tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), tonumber(ARGV[o + 3]), tonumber(ARGV[o + 4])
  local n = redis.call('HINCRBY', k, 'n', 1)
  local delay = 0
  if n >= free then
    delay = math.min(max, base * 2 ^ (n - free))
    redis.call('HSET', k, 'u', string.format('%.0f', now + delay))
  end
  redis.call('PEXPIRE', k, string.format('%.0f', delay + forget))
end
return 0
`;
// KEYS[1] account (forgotten), KEYS[2] address (one attempt given back, its wait lifted; forgotten at zero), as
// afterSuccess.
const SUCCEEDED = `
redis.call('DEL', KEYS[1])
if KEYS[2] and redis.call('EXISTS', KEYS[2]) == 1 then
  if redis.call('HINCRBY', KEYS[2], 'n', -1) <= 0 then redis.call('DEL', KEYS[2]) else redis.call('HDEL', KEYS[2], 'u') end
end
return 0
`;

const accountKey = (email: string) => 'acct:' + createHash('sha256').update(email).digest('base64url').slice(0, 32); // no emails in Redis
const addressKey = (ip: string) => 'ip:' + addressBucket(ip);

/**
 * Failed sign-ins throttled per account and per client address with exponential backoff (rules in
 * login-throttle.rules.ts). Unknown emails are counted like known ones, so the throttle tells nothing about which
 * accounts exist.
 */
export function createLoginThrottle(opts: LoginThrottleOptions = {}): LoginThrottle {
  const account = { ...ACCOUNT_POLICY, ...opts.account };
  const ip = { ...IP_POLICY, ...opts.ip };
  const prefix = opts.keyPrefix ?? 'omniroute:identity:login:';
  const now = opts.now ?? Date.now;
  const maxLocal = opts.maxLocalKeys ?? 100_000;
  const local = new Map<string, ThrottleState>();
  const redis = opts.redisUrl ? new Redis(opts.redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 }) : null;
  redis?.on('error', (e) => log.warn('login throttle: redis error', { error: String(e) }));
  const connected = redis?.connect().catch((e) => log.warn('login throttle: redis unavailable, counting in memory', { error: String(e) }));
  let warned = 0;

  const keysOf = (email: string, address: string | null | undefined): [string, ThrottlePolicy][] =>
    address ? [[accountKey(email), account], [addressKey(address), ip]] : [[accountKey(email), account]];

  function put(key: string, state: ThrottleState | null) {
    local.delete(key); // re-insert: Map order doubles as least-recently-used order
    if (!state) return;
    local.set(key, state);
    if (local.size > maxLocal) local.delete(local.keys().next().value!);
  }

  function attemptLocal(keys: [string, ThrottlePolicy][]): number {
    const t = now();
    const wait = Math.max(...keys.map(([k]) => waitOf(local.get(k), t)));
    if (wait > 0) return wait;
    for (const [k, policy] of keys) put(k, afterAttempt(local.get(k), t, policy));
    return 0;
  }

  async function viaRedis<T>(fn: (r: Redis) => Promise<T>, fallback: () => T): Promise<T> {
    await connected;
    if (redis && redis.status === 'ready') {
      try {
        return await fn(redis);
      } catch (e) {
        if (Date.now() - warned > 60_000) { warned = Date.now(); log.warn('login throttle: redis failed, counting in memory', { error: String(e) }); }
      }
    }
    return fallback();
  }

  return {
    attempt(email, address) {
      const keys = keysOf(email, address);
      return viaRedis(
        async (r) => Number(await r.eval(ATTEMPT, keys.length, ...keys.map(([k]) => prefix + k),
          ...keys.flatMap(([, p]) => [p.freeAttempts, p.baseDelayMs, p.maxDelayMs, p.forgetAfterMs]))),
        () => attemptLocal(keys),
      );
    },
    succeeded(email, address) {
      const keys = keysOf(email, address);
      return viaRedis(
        async (r) => { await r.eval(SUCCEEDED, keys.length, ...keys.map(([k]) => prefix + k)); },
        () => {
          put(keys[0]![0], null);
          if (keys[1]) put(keys[1][0], afterSuccess(local.get(keys[1][0]), 'ip'));
        },
      );
    },
    async close() {
      if (redis) await redis.quit().catch(() => redis.disconnect());
    },
  };
}
