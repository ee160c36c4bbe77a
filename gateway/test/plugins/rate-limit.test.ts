import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRateLimitPlugin } from '../../src/plugins/rate-limit.ts';
import { TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';

let a: Redis;
let b: Redis;
beforeAll(async () => {
  a = new Redis(REDIS_URL);
  b = new Redis(REDIS_URL);
  await Promise.all([a.ping(), b.ping()]);
});
afterAll(() => { a.disconnect(); b.disconnect(); });

describe('rate limit plugin', () => {
  it('admits a minute of budget at once, then refuses with Retry-After until tokens come back (memory)', async () => {
    const rl = createRateLimitPlugin();
    for (let i = 0; i < 5; i++) expect((await rl.take('k', 5)).allowed).toBe(true);
    const refused = await rl.take('k', 5);
    expect(refused).toEqual({ allowed: false, retryAfter: 12 }); // one token per 12 s at 5/min
    expect((await rl.take('other', 5)).allowed).toBe(true);
    const fast = createRateLimitPlugin();
    for (let i = 0; i < 600; i++) await fast.take('f', 600);
    expect((await fast.take('f', 600)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 120)); // 600/min = one every 100 ms
    expect((await fast.take('f', 600)).allowed).toBe(true);
  });

  it('shares buckets between replicas through Redis (Lua GCRA on Redis time)', async () => {
    const keyPrefix = `test:${randomUUID()}:rl:`;
    const one = createRateLimitPlugin({ redis: a, keyPrefix });
    const two = createRateLimitPlugin({ redis: b, keyPrefix });
    const results = [];
    for (let i = 0; i < 6; i++) results.push((await (i % 2 ? two : one).take('user:u1', 4)).allowed);
    expect(results).toEqual([true, true, true, true, false, false]);
    const pttl = await a.pttl(`${keyPrefix}user:u1`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it('checks the key (its app budget) or the user, and the IP; errors carry 429 and Retry-After', async () => {
    const rl = createRateLimitPlugin({ perMinute: { user: 2, ip: 3, apiKey: 100 } });
    expect(await rl.check({ userId: 'u', ip: '1.1.1.1' })).toBeNull();
    expect(await rl.check({ userId: 'u', ip: '1.1.1.1' })).toBeNull();
    const e = await rl.check({ userId: 'u', ip: '1.1.1.1' });
    expect(e?.extensions).toMatchObject({ code: 'RATE_LIMITED', http: { status: 429, headers: { 'retry-after': '30' } } });
    expect(await rl.check({ apiKeyId: 'k', apiKeyPerMinute: 1 })).toBeNull();
    expect((await rl.check({ apiKeyId: 'k', apiKeyPerMinute: 1 }))?.extensions.code).toBe('RATE_LIMITED');
  });

  it('takes a cost of several tokens at once, all or none, in memory and in Redis', async () => {
    for (const rl of [createRateLimitPlugin({ perMinute: { user: 6 } }), createRateLimitPlugin({ redis: a, keyPrefix: `test:${randomUUID()}:rl:`, perMinute: { user: 6 } })]) {
      expect((await rl.take('u', 6, 5)).allowed).toBe(true);
      expect((await rl.take('u', 6, 2)).allowed).toBe(false); // 7 > 6: refused, nothing taken
      expect((await rl.take('u', 6, 1)).allowed).toBe(true);
      expect(await rl.check({ userId: 'v' }, 6)).toBeNull();
      expect((await rl.check({ userId: 'v' }))?.extensions.code).toBe('RATE_LIMITED');
    }
  });

  it('falls back to memory when Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const rl = createRateLimitPlugin({ redis: dead });
    expect((await rl.take('x', 1)).allowed).toBe(true);
    expect((await rl.take('x', 1)).allowed).toBe(false);
    dead.disconnect();
  });
});
