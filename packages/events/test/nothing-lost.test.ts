// Issue 14 ("Nothing lost"): the ways events used to get lost, each reproduced against real components —
// a crash with events not yet handled (in-memory bus over PGlite), a consumer lagging behind more than the
// in-memory cap, Redis trimming entries a group had not read, and a Redis restart without persistence.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDatabase, type Database } from '@omniroute/db';
import { generateClients } from '@omniroute/db/tooling';
import { freePort } from '@omniroute/testkit';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, enqueue, handleOnce, startOutboxRelay, type DomainEvent, type EventBus, type OutboxClient } from '../src/index.ts';
import { deletePrefix, ev, FAST, REDIS_URL, sleep, uniquePrefix, until } from './helpers.ts';

const schemaPath = fileURLToPath(new URL('./fixtures/schema.prisma', import.meta.url));
const migrationsDir = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));

type Client = OutboxClient & {
  outboxEvent: OutboxClient['outboxEvent'] & { count(args?: any): Promise<number> };
  $disconnect(): Promise<void>;
  $executeRawUnsafe(sql: string): Promise<number>;
};
let prisma: Client;
let db: Database;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  await generateClients([schemaPath]);
  const { PrismaClient } = (await import('./fixtures/generated/client.ts')) as unknown as { PrismaClient: new (o: object) => Client };
  db = await openDatabase({ subgraph: 'events_lost', migrationsDir });
  prisma = new PrismaClient({ adapter: db.adapter });
});
afterAll(async () => {
  await prisma?.$disconnect();
  await db?.close();
});
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  await prisma.$executeRawUnsafe('TRUNCATE "OutboxEvent", "ProcessedEvent", "Counter"');
});

const placed = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ type: 'order.placed', tenantId: 't1', aggregateId: `ord_${i}`, payload: { orderId: `ord_${i}` } }));
/** A promise handlers wait on; released by the test, or at cleanup so that closing the bus never hangs. */
function gated(): [Promise<void>, () => void] {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  cleanups.push(async () => release());
  return [gate, release];
}
const unpublished = () => prisma.outboxEvent.count({ where: { publishedAt: null } });

function relay(bus: EventBus, extra: Partial<Parameters<typeof startOutboxRelay>[0]> = {}) {
  const r = startOutboxRelay({ prisma, bus, source: 'commerce', intervalMs: 50, onError: () => undefined, ...extra });
  cleanups.push(() => r.stop());
  return r;
}

describe('in-memory bus (embedded mode)', () => {
  it('a crash before the consumer handled an event does not lose it: the restarted process handles it', async () => {
    await prisma.$transaction((tx) => enqueue(tx, 'commerce', placed(3)));
    // First life: the finance consumer is slow; the process dies with the events relayed but not handled.
    const first = createEventBus(FAST);
    let took = 0;
    await first.consume('finance.credit-check', () => (took++, new Promise(() => undefined)));
    const r1 = relay(first);
    await until(() => took === 1, 5_000, 'the consumer to take the first event');
    await sleep(200); // the old relay marked the rows published right after handing them over
    await r1.stop(); // the "crash": neither the bus nor the consumer finishes anything
    expect(await unpublished()).toBe(3);

    // Second life on the same database: every event is handled, once.
    const second = createEventBus(FAST);
    cleanups.push(() => second.close());
    const handled: string[] = [];
    await second.consume('finance.credit-check', (e) => handleOnce(prisma, 'finance.credit-check', e, async () => void handled.push(e.aggregateId)));
    relay(second);
    await until(() => handled.length === 3, 5_000, 'redelivery after the restart');
    await until(async () => (await unpublished()) === 0, 5_000, 'rows marked once handled');
    expect(handled).toEqual(['ord_0', 'ord_1', 'ord_2']);
  });

  it('rows are marked published only when every consumer group has handled them', async () => {
    const bus = createEventBus(FAST);
    cleanups.push(() => bus.close());
    const [gate, release] = gated();
    const fast: string[] = [];
    await bus.consume('fast', async (e) => void fast.push(e.id));
    await bus.consume('slow', () => gate);
    await prisma.$transaction((tx) => enqueue(tx, 'commerce', placed(1)));
    relay(bus);
    await until(() => fast.length === 1);
    await sleep(150);
    expect(await unpublished()).toBe(1); // "slow" has not handled it
    release();
    await until(async () => (await unpublished()) === 0, 5_000);
  });

  it('a lagging consumer loses nothing: 25 000 business events queue (the old cap was 10 000)', async () => {
    const bus = createEventBus(FAST);
    cleanups.push(() => bus.close());
    const [gate, release] = gated();
    const got = new Set<string>();
    await bus.consume('lagging', async (e) => {
      await gate;
      got.add(e.id);
    });
    const events = Array.from({ length: 25_000 }, (_, n) => ev('order.placed', { n }));
    for (let i = 0; i < events.length; i += 1_000) await bus.publish(events.slice(i, i + 1_000));
    release();
    await until(() => got.size === events.length, 20_000, 'every event handled');
  });

  it('the relay applies back-pressure: at most maxInFlight rows are handed to a stalled consumer, the rest wait in the table', async () => {
    const bus = createEventBus(FAST);
    cleanups.push(() => bus.close());
    const [gate, release] = gated();
    const seen: string[] = [];
    await bus.consume('stalled', async (e) => {
      await gate;
      seen.push(e.id);
    });
    let handed = 0;
    const counting: EventBus = { ...bus, publishUntilHandled: (events) => ((handed += events.length), bus.publishUntilHandled!(events)) };
    for (let i = 0; i < 4; i++) await prisma.$transaction((tx) => enqueue(tx, 'commerce', placed(50)));
    relay(counting, { maxInFlight: 60, batchSize: 20 });
    await sleep(400);
    expect(handed).toBe(60);
    release();
    await until(() => seen.length === 200, 10_000);
    await until(async () => (await unpublished()) === 0, 5_000);
  });

  it('vehicle.position events waiting for a busy consumer are coalesced to the latest per vehicle', async () => {
    const bus = createEventBus(FAST);
    cleanups.push(() => bus.close());
    const [gate, release] = gated();
    const got: DomainEvent[] = [];
    await bus.consume('tracker', async (e) => {
      await gate;
      got.push(e);
    });
    const position = (vehicleId: string, n: number): DomainEvent => ({ ...ev('vehicle.position', { n }), aggregateId: vehicleId });
    for (let n = 0; n < 50; n++) await bus.publish([position('v1', n), position('v2', n)]);
    await bus.publish([ev('order.placed')]);
    release();
    await until(() => got.some((e) => e.type === 'order.placed'));
    await sleep(50);
    const last = (v: string) => got.filter((e) => e.aggregateId === v).at(-1)!.payload.n;
    expect(got.length).toBeLessThanOrEqual(4); // the one in flight, then the latest of each vehicle, then the order
    expect([last('v1'), last('v2')]).toEqual([49, 49]);
  });
});

describe('Redis bus', () => {
  it('trimming never removes entries a group has not acknowledged', async () => {
    const prefix = uniquePrefix();
    const redis = new Redis(REDIS_URL, { protocol: 2 });
    const bus = createEventBus({ ...FAST, redisUrl: REDIS_URL, stream: prefix, maxLen: 100 });
    cleanups.push(async () => {
      await bus.close();
      await deletePrefix(prefix);
      redis.disconnect();
    });
    const key = `${prefix}:stream:order`;
    await redis.xgroup('CREATE', key, 'finance', '0', 'MKSTREAM'); // a group that is down: reads nothing
    for (let i = 0; i < 10; i++) await bus.publish(Array.from({ length: 100 }, (_, n) => ev('order.placed', { n: i * 100 + n })));
    await sleep(1_100); // trimming runs at most once a second per topic
    await bus.publish([ev('order.placed', { n: 1000 })]);
    await sleep(200);
    expect(await redis.xlen(key)).toBe(1001);
    // Once the group has read and acknowledged everything, the stream is trimmed.
    const reply = (await redis.xreadgroup('GROUP', 'finance', 'c1', 'COUNT', 2000, 'STREAMS', key, '>')) as [string, [string, string[]][]][];
    const ids = reply[0]![1].map(([id]) => id);
    expect(ids).toHaveLength(1001);
    await redis.xack(key, 'finance', ...ids);
    await sleep(1_100);
    await bus.publish([ev('order.placed', { n: 1001 })]);
    await until(async () => (await redis.xlen(key)) <= 2, 3_000, 'trim of acknowledged entries');
  });

  it('a Redis restart without persistence: the outbox publishes again what the streams lost', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let server = await startRedis(port);
    cleanups.push(async () => void server.kill('SIGKILL'));
    const bus = createEventBus({ ...FAST, redisUrl: url, stream: 'lost' });
    cleanups.push(() => bus.close());
    // The finance group exists, but its consumer is down while the events are published.
    const c = await bus.consume('finance', async () => undefined, { types: ['order.*'] });
    await c.stop();
    await prisma.$transaction((tx) => enqueue(tx, 'commerce', placed(5)));
    relay(bus);
    await until(async () => (await unpublished()) === 0, 5_000, 'rows published to Redis');

    server.kill('SIGKILL');
    await new Promise((r) => server.once('exit', r));
    server = await startRedis(port); // empty: no persistence
    const handled: string[] = [];
    await until(async () => {
      try {
        await bus.consume('finance', (e) => handleOnce(prisma, 'finance', e, async () => void handled.push(e.aggregateId)), { types: ['order.*'] });
        return true;
      } catch {
        return false;
      }
    }, 10_000, 'consumer back on the restarted Redis');
    await until(() => handled.length === 5, 10_000, 'the lost events handled after republishing');
    expect(handled.sort()).toEqual(['ord_0', 'ord_1', 'ord_2', 'ord_3', 'ord_4']);
  });
});

describe('Redis restart, then the publisher killed before it noticed (chaos)', () => {
  it('the restarted publisher publishes again what the streams lost, even though another process set the new epoch', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    let server = await startRedis(port);
    cleanups.push(async () => void server.kill('SIGKILL'));
    const old = createEventBus({ ...FAST, redisUrl: url, stream: 'inherit' });
    const c = await old.consume('finance', async () => undefined, { types: ['order.*'] });
    await c.stop(); // finance is behind: the entries wait unread in the stream
    await prisma.$transaction((tx) => enqueue(tx, 'commerce', placed(3)));
    const r = startOutboxRelay({ prisma, bus: old, source: 'commerce', intervalMs: 50, onError: () => undefined });
    await until(async () => (await unpublished()) === 0, 5_000, 'rows published to Redis');
    // the publisher dies without ever seeing the restart
    await r.stop();
    await old.close();
    server.kill('SIGKILL');
    await new Promise((res) => server.once('exit', res));
    server = await startRedis(port); // empty: no persistence
    // another subgraph reconnects first and sets the new epoch
    const other = createEventBus({ ...FAST, redisUrl: url, stream: 'inherit' });
    cleanups.push(() => other.close());
    await other.consume('workforce', async () => undefined, { types: ['nothing.*'] });
    // the publisher's successor starts
    const bus = createEventBus({ ...FAST, redisUrl: url, stream: 'inherit' });
    cleanups.push(() => bus.close());
    const handled: string[] = [];
    await bus.consume('finance', (e) => handleOnce(prisma, 'finance', e, async () => void handled.push(e.aggregateId)), { types: ['order.*'] });
    relay(bus);
    await until(() => handled.length === 3, 10_000, 'the lost events handled after republishing');
    expect(handled.sort()).toEqual(['ord_0', 'ord_1', 'ord_2']);
  });
});

async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], { stdio: 'ignore' });
  const probe = new Redis(`redis://127.0.0.1:${port}`, { protocol: 2, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined);
  await until(async () => {
    try {
      if (probe.status !== 'ready') await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      probe.disconnect();
      return false;
    }
  }, 5_000, `redis-server on ${port}`);
  probe.disconnect();
  return child;
}
