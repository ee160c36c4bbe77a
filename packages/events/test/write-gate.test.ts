// The write gate (src/write-gate.ts) over the real in-memory bus: how far behind its consumer groups are, and writes
// taking turns while they are behind.
import { afterEach, describe, expect, it } from 'vitest';
import { createWriteGate, type DomainEvent } from '../src/index.ts';
import { busFactory, ev, sleep, until } from './helpers.ts';

const aged = (ms: number, orderId = `o-${Math.random()}`): DomainEvent => ({ ...ev('order.placed', { orderId }), occurredAt: new Date(Date.now() - ms).toISOString() });

/** A consumer whose handler waits until `let go()`; `handled` counts what it finished. */
function heldConsumer() {
  let release!: () => void;
  let held = new Promise<void>((r) => (release = r));
  const c = {
    handled: 0,
    started: 0,
    handler: async () => {
      c.started++;
      await held;
      c.handled++;
    },
    letGo() {
      release();
      held = Promise.resolve();
    },
  };
  return c;
}

describe('in-memory bus: oldestUnhandledMs', () => {
  const f = busFactory('memory');
  afterEach(() => f.cleanup());

  it('is 0 while idle, the age of the oldest event not yet handled (its outbox time), and 0 again once handled', async () => {
    const bus = f.make({ consumerConcurrency: 2 });
    const c = heldConsumer();
    await bus.consume('finance', c.handler);
    expect(bus.oldestUnhandledMs!()).toBe(0);
    // in flight, queued behind busy members, and waiting in a busy lane all count
    // a and b in flight, a's second event waiting in a's lane, c at the queue's head
    await bus.publish([aged(1_000, 'a'), aged(5_000, 'a'), aged(2_000, 'b'), aged(3_000, 'c')]);
    await until(() => c.started === 2);
    const age = bus.oldestUnhandledMs!();
    c.letGo();
    expect(age).toBeGreaterThanOrEqual(5_000);
    expect(age).toBeLessThan(6_000);
    await until(() => c.handled === 4);
    await sleep(5);
    expect(bus.oldestUnhandledMs!()).toBe(0);
  });

  it('counts every group, and not a group no one consumes any more', async () => {
    const bus = f.make();
    const slow = heldConsumer();
    const quick = await bus.consume('quick', async () => undefined);
    const consumer = await bus.consume('slow', slow.handler);
    await bus.publish([aged(2_000)]);
    await until(() => slow.started === 1);
    expect(bus.oldestUnhandledMs!()).toBeGreaterThanOrEqual(2_000);
    await quick.stop();
    expect(bus.oldestUnhandledMs!()).toBeGreaterThanOrEqual(2_000);
    slow.letGo();
    await consumer.stop();
    await bus.publish([aged(9_000)]); // queued for 'slow', which has no member now
    expect(bus.oldestUnhandledMs!()).toBe(0);
  });
});

describe('write gate', () => {
  const f = busFactory('memory');
  afterEach(() => f.cleanup());

  it('is undefined for a bus that cannot tell its lag, or with maxLagMs 0', () => {
    const bus = f.make();
    expect(createWriteGate({ ...bus, oldestUnhandledMs: undefined }, { maxLagMs: 500 })).toBeUndefined();
    expect(createWriteGate(bus, { maxLagMs: 0 })).toBeUndefined();
  });

  it('lets writes run freely while events keep up, one at a time while they are behind, freely again once caught up', async () => {
    const bus = f.make();
    const c = heldConsumer();
    await bus.consume('finance', c.handler);
    const gate = createWriteGate(bus, { maxLagMs: 500, pollMs: 5 })!;
    const free = await Promise.all([gate.enter(), gate.enter(), gate.enter()]);
    expect(gate.stats().waited).toBe(0);
    free.forEach((done) => done());

    await bus.publish([aged(1_000)]); // events behind
    await until(() => c.started === 1);
    const first = await gate.enter();
    let secondIn = false;
    let thirdIn = false;
    const second = gate.enter().then((done) => ((secondIn = true), done));
    const third = gate.enter().then((done) => ((thirdIn = true), done));
    await sleep(30);
    expect([secondIn, thirdIn]).toEqual([false, false]);
    first();
    first(); // a second call changes nothing
    await until(() => secondIn);
    await sleep(30);
    expect(thirdIn).toBe(false); // still one at a time
    c.letGo(); // caught up: the waiting write goes in without the running one finishing
    await until(() => thirdIn);
    (await second)();
    (await third)();
    expect(gate.stats()).toMatchObject({ waited: 2, timedOut: 0 });
    expect(gate.stats().waitedMs).toBeGreaterThan(0);
  });

  it('never holds a write longer than maxWaitMs, even behind a consumer that never catches up', async () => {
    const bus = f.make();
    const c = heldConsumer();
    await bus.consume('finance', c.handler);
    await bus.publish([aged(1_000)]);
    await until(() => c.started === 1);
    const gate = createWriteGate(bus, { maxLagMs: 500, maxWaitMs: 100, pollMs: 5, whileBehind: 2 })!;
    const running = [await gate.enter(), await gate.enter()];
    const t0 = Date.now();
    const late = await gate.enter();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(95);
    expect(gate.stats()).toMatchObject({ waited: 1, timedOut: 1 });
    [...running, late].forEach((done) => done());
    c.letGo();
  });
});

describe('write gate and a stuck consumer', () => {
  const f = busFactory('memory');
  afterEach(() => f.cleanup());

  it('an event unhandled for longer than stuckAfterMs (a handler that keeps failing) no longer paces writes', async () => {
    const bus = f.make({ idleTimeoutMs: 50 });
    let attempts = 0;
    await bus.consume('finance', async () => {
      attempts++;
      throw new Error('poison');
    });
    await bus.publish([aged(800)]);
    await until(() => attempts >= 1);
    const gate = createWriteGate(bus, { maxLagMs: 500, stuckAfterMs: 1_000, pollMs: 5 })!;
    const first = await gate.enter();
    let secondIn = false;
    const second = gate.enter().then((done) => ((secondIn = true), done));
    await sleep(50);
    expect(secondIn).toBe(false); // 0.8 s behind: writes take turns
    await until(() => bus.oldestUnhandledMs!() > 1_000, 3_000); // still failing a moment later: stuck, not slow
    await until(() => secondIn, 1_000);
    const third = await gate.enter(); // runs at once beside the others
    expect(gate.stats().waited).toBe(1);
    [first, await second, third].forEach((done) => done());
  });
});
