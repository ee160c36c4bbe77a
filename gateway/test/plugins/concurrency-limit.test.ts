import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConcurrencyLimitPlugin } from '../../src/plugins/concurrency-limit.ts';
import { TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';

let a: Redis;
let b: Redis;
beforeAll(async () => {
  a = new Redis(REDIS_URL);
  b = new Redis(REDIS_URL);
  await Promise.all([a.ping(), b.ping()]);
});
afterAll(() => { a.disconnect(); b.disconnect(); });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('concurrency limit plugin', () => {
  it('admits `limit` slots per bucket until one is released (memory)', async () => {
    const cc = createConcurrencyLimitPlugin();
    const slots = [await cc.acquire('k', 2), await cc.acquire('k', 2)];
    expect(slots.every(Boolean)).toBe(true);
    expect(await cc.acquire('k', 2)).toBeNull();
    expect(await cc.acquire('other', 2)).not.toBeNull();
    slots[0]!.release();
    slots[0]!.release(); // idempotent: frees one slot, not two
    expect(await cc.acquire('k', 2)).not.toBeNull();
    expect(await cc.acquire('k', 2)).toBeNull();
    cc.close();
  });

  it('shares buckets between replicas through Redis', async () => {
    const keyPrefix = `test:${randomUUID()}:cc:`;
    const one = createConcurrencyLimitPlugin({ redis: a, keyPrefix });
    const two = createConcurrencyLimitPlugin({ redis: b, keyPrefix });
    const s1 = await one.acquire('key:k1', 2);
    const s2 = await two.acquire('key:k1', 2);
    expect(s1 && s2).toBeTruthy();
    expect(await one.acquire('key:k1', 2)).toBeNull();
    expect(await two.acquire('key:k1', 2)).toBeNull();
    s1!.release();
    await eventuallyAcquired(() => two.acquire('key:k1', 2));
    one.close();
    two.close();
  });

  it('keeps held slots alive by renewing their leases, and frees the slots of a replica that died', async () => {
    const keyPrefix = `test:${randomUUID()}:cc:`;
    const holder = createConcurrencyLimitPlugin({ redis: a, keyPrefix, leaseMs: 300 });
    const other = createConcurrencyLimitPlugin({ redis: b, keyPrefix, leaseMs: 300 });
    expect(await holder.acquire('user:u', 1)).not.toBeNull();
    await sleep(900); // three leases long: renewed meanwhile
    expect(await other.acquire('user:u', 1)).toBeNull();
    holder.close(); // dies without releasing: renewals stop
    await sleep(450); // the lease runs out
    expect(await other.acquire('user:u', 1)).not.toBeNull();
    other.close();
  });

  it('falls back to memory when Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    const cc = createConcurrencyLimitPlugin({ redis: dead });
    expect(await cc.acquire('x', 1)).not.toBeNull();
    expect(await cc.acquire('x', 1)).toBeNull();
    cc.close();
    dead.disconnect();
  });
});

async function eventuallyAcquired(acquire: () => Promise<unknown>) {
  for (let i = 0; i < 50; i++) {
    if (await acquire()) return;
    await sleep(20);
  }
  throw new Error('slot never freed');
}
