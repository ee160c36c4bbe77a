// Redis-specific behaviour: stream layout, trimming, crash recovery across processes, reconnects, clean close.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvent } from '../src/index.ts';
import { busFactory, deletePrefix, ev, REDIS_URL, sleep, uniquePrefix, until } from './helpers.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

function runChild(script: string, args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture(script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } });
  const lines: string[] = [];
  let buf = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buf += chunk.toString();
    const parts = buf.split('\n');
    buf = parts.pop()!;
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => {
    if (code) process.stderr.write(stderr);
    r(code);
  }));
  return { child, lines, exited };
}

describe('Redis bus', () => {
  let f = busFactory('redis');
  let redis: Redis;
  beforeAll(() => void (redis = new Redis(REDIS_URL, { protocol: 2 })));
  afterAll(() => redis.disconnect());
  afterEach(async () => {
    await f.cleanup();
    f = busFactory('redis');
  });

  it('layout: one stream per topic, a topic set, entries { type, e }', async () => {
    const bus = f.make();
    const e = ev('order.confirmed', { total: '10.5000' });
    await bus.publish([e, ev('vehicle.positionReported', { lat: 6.5 })]);
    expect((await redis.smembers(`${f.prefix}:topics`)).sort()).toEqual(['order', 'vehicle']);
    const entries = await redis.xrange(`${f.prefix}:stream:order`, '-', '+');
    expect(entries).toHaveLength(1);
    expect(entries[0]![1]).toEqual(['type', 'order.confirmed', 'e', JSON.stringify(e)]);
    expect(await redis.xlen(`${f.prefix}:stream:vehicle`)).toBe(1);
  });

  it('on a young Redis, the first publish waits for the epoch check, so the inherited loss never covers it', async () => {
    // Found by CI: relays that published before the first epoch check had those rows covered by the loss the
    // check then reported as inherited at start-up, and the rows went out twice. Another replica set the epoch
    // a moment ago, so the check needs a second round trip (SET NX, then GET) that a queued publish would pass.
    await redis.set(`${f.prefix}:epoch`, `${Date.now()}.other-host-1-000000000000`);
    const bus = f.make();
    let heardAt = 0;
    bus.onDataLoss!(() => void (heardAt ||= performance.now()));
    await bus.publish([ev('order.confirmed', { n: 1 })]); // sent before the connection is ready
    const publishedAt = performance.now();
    expect(heardAt).toBeGreaterThan(0);
    expect(heardAt).toBeLessThanOrEqual(publishedAt);
    expect(await redis.xlen(`${f.prefix}:stream:order`)).toBe(1);
  });

  it('streams are bounded (XADD MAXLEN ~)', async () => {
    const bus = f.make({ maxLen: 100 });
    for (let i = 0; i < 20; i++) await bus.publish(Array.from({ length: 100 }, (_, n) => ev('vehicle.positionReported', { n })));
    const len = await redis.xlen(`${f.prefix}:stream:vehicle`);
    expect(len).toBeGreaterThanOrEqual(100);
    expect(len).toBeLessThan(400);
  });

  it('a consumer process killed mid-event (no ack): the event is redelivered to another member', async () => {
    const { child, lines, exited } = runChild('crash-consumer.ts', [REDIS_URL, f.prefix, 'crashy']);
    try {
      await until(() => lines.includes('READY'), 10_000, 'child consumer');
      const bus = f.make();
      const e = ev('order.confirmed', { n: 1 });
      await bus.publish([e]);
      await until(() => lines.includes(`GOT ${e.id}`), 5_000, 'child to take the event');
      child.kill('SIGKILL');
      await exited;
      const got: DomainEvent[] = [];
      const started = Date.now();
      await bus.consume('crashy', async (x) => void got.push(x), { types: ['order.*'] });
      await until(() => got.length === 1, 5_000, 'redelivery');
      expect(got[0]!.id).toBe(e.id);
      expect(Date.now() - started).toBeLessThan(2_000);
      await sleep(500);
      expect(got).toHaveLength(1); // acked now: not delivered again
      expect(((await redis.xpending(`${f.prefix}:stream:order`, 'crashy')) as unknown[])[0]).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a handler slower than the idle timeout is not redelivered while its process is alive (heartbeat)', async () => {
    // idle timeout 600 ms (heartbeat every 200 ms), handler 1.5 s: without heartbeats b would take it over
    const [a, b] = [f.make({ idleTimeoutMs: 600 }), f.make({ idleTimeoutMs: 600 })];
    const calls: string[] = [];
    await a.consume('slow', async (e) => void (calls.push(`a:${e.id}`), await sleep(1_500)), { types: ['order.*'] });
    const e = ev('order.confirmed');
    await a.publish([e]);
    await until(() => calls.length === 1);
    await b.consume('slow', async (x) => void calls.push(`b:${x.id}`), { types: ['order.*'] });
    await sleep(1_700);
    expect(calls).toEqual([`a:${e.id}`]);
  });

  it('a consumer without a type filter finds topics first published after it started', async () => {
    const bus = f.make();
    const got: string[] = [];
    await bus.consume('all', async (e) => void got.push(e.type));
    await bus.publish([ev('invoice.issued')]);
    await bus.publish([ev('task.created')]);
    await until(() => got.length === 2, 3_000);
    expect(got.sort()).toEqual(['invoice.issued', 'task.created']);
  });

  it('survives dropped connections (consume and listen resume) and a deleted stream (group recreated)', async () => {
    const bus = f.make();
    const got: string[] = [];
    const heard: string[] = [];
    await bus.consume('resilient', async (e) => void got.push(e.id), { types: ['order.*'] });
    const off = bus.listen((e) => heard.push(e.id), { types: ['order.*'] });
    await off.ready;
    const e1 = ev('order.confirmed');
    await bus.publish([e1]);
    await until(() => got.length === 1 && heard.length === 1);

    // Kill only this test's connections (they are named after the prefix).
    const clients = (await redis.client('LIST')) as string;
    const ours = clients.split('\n').filter((l) => l.includes(`name=${f.prefix}:`)).map((l) => /id=(\d+)/.exec(l)![1]!);
    expect(ours.length).toBeGreaterThanOrEqual(3); // cmd, consumer, listen
    for (const id of ours) await redis.client('KILL', 'ID', id);
    await sleep(300);
    const e2 = ev('order.confirmed');
    await until(async () => {
      if (!heard.includes(e2.id)) await bus.publish([{ ...e2, id: `${e2.id}-${Date.now()}` }]).catch(() => undefined);
      return got.length >= 2 && heard.length >= 2;
    }, 8_000, 'delivery after reconnect');

    await redis.del(`${f.prefix}:stream:order`);
    const e3 = ev('order.cancelled');
    await bus.publish([e3]);
    await until(() => got.includes(e3.id), 8_000, 'delivery after the stream was deleted');
    off();
  });

  it('names of dead consumers that hold nothing are swept from the group; stop() removes its own name', async () => {
    const key = `${f.prefix}:stream:order`;
    await redis.xgroup('CREATE', key, 'sweep', '0', 'MKSTREAM');
    await redis.xgroup('CREATECONSUMER', key, 'sweep', 'long-gone');
    const bus = f.make({ staleConsumerMs: 100 });
    await sleep(150);
    const got: string[] = [];
    const c = await bus.consume('sweep', async (e) => void got.push(e.id), { types: ['order.*'] });
    await bus.publish([ev('order.confirmed')]); // a consumer name exists in Redis once it has read something
    await until(() => got.length === 1);
    const names = async () => ((await redis.xinfo('CONSUMERS', key, 'sweep')) as string[][]).map((i) => i[1]);
    await until(async () => !(await names()).includes('long-gone'), 3_000, 'sweep');
    expect(await names()).toHaveLength(1);
    await c.stop();
    expect(await names()).toEqual([]);
  });

  it('stop() of an idle consumer returns at once (CLIENT UNBLOCK), not after the block time', async () => {
    const bus = f.make({ blockMs: 5_000 });
    const c = await bus.consume('idle', async () => undefined, { types: ['order.*'] });
    await sleep(200);
    const t = Date.now();
    await c.stop();
    expect(Date.now() - t).toBeLessThan(1_500); // blockMs is 5 s
  });

  it.each([['redis'], ['memory']])('close() leaves no open handles: a process using the %s bus exits by itself', async (mode) => {
    const prefix = uniquePrefix();
    try {
      const { lines, exited } = runChild('close-child.ts', mode === 'redis' ? [REDIS_URL, prefix] : []);
      const code = await Promise.race([exited, sleep(10_000).then(() => 'hung')]);
      expect(code).toBe(0);
      const report = JSON.parse(lines.at(-1)!) as { consumed: number; heard: number; active: string[] };
      expect(report.consumed).toBeGreaterThanOrEqual(1);
      expect(report.heard).toBe(2);
      // (ConnectWrap/PipeWrap: the test runner's own pipes to the child; FSReqCallback: a one-shot fs request of the
      // TypeScript loader, seen on Node 24, that finishes by itself — the exit code above proves nothing lingers)
      expect(report.active.filter((r) => !['ConnectWrap', 'PipeWrap', 'FSReqCallback'].includes(r))).toEqual([]);
    } finally {
      await deletePrefix(prefix);
    }
  });
});
