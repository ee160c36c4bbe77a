import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { createEventBus, newEventId, type DomainEvent, type EventBus, type EventBusOptions } from '../src/index.ts';

import { TEST_DATABASE_URL, TEST_REDIS_URL } from '@omniroute/testkit';

export const REDIS_URL = TEST_REDIS_URL;
export const POSTGRES_URL = TEST_DATABASE_URL;

/** Short timeouts so redelivery happens within a test. */
export const FAST: EventBusOptions = { idleTimeoutMs: 300, claimIntervalMs: 100, blockMs: 200, onError: () => undefined };

export const uniquePrefix = () => `omniroute-test-${process.pid}-${randomBytes(4).toString('hex')}`;

let seq = 0;
export function ev(type: string, payload: Record<string, unknown> = {}, tenantId = 't1'): DomainEvent {
  return { id: newEventId(), type, tenantId, aggregateId: `agg-${++seq}`, payload, occurredAt: new Date().toISOString(), source: 'test' };
}

export async function until(cond: () => boolean | Promise<boolean>, ms = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Deletes every key under the prefix (streams, topic set). */
export async function deletePrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { protocol: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export type Mode = 'memory' | 'redis';

/** Makes buses sharing one Redis prefix (or one in-memory bus per call) and closes/cleans them all. */
export function busFactory(mode: Mode) {
  const prefix = uniquePrefix();
  const buses: EventBus[] = [];
  return {
    prefix,
    make(extra: EventBusOptions = {}): EventBus {
      const bus = createEventBus({ ...FAST, ...(mode === 'redis' ? { redisUrl: REDIS_URL, stream: prefix } : {}), ...extra });
      buses.push(bus);
      return bus;
    },
    async cleanup() {
      await Promise.all(buses.splice(0).map((b) => b.close()));
      if (mode === 'redis') await deletePrefix(prefix);
    },
  };
}
