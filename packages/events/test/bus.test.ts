// The EventBus contract, run against the in-memory bus and against Redis Streams (real Redis, unique prefix).
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainEvent, EventBus } from '../src/index.ts';
import { busFactory, ev, sleep, until, type Mode } from './helpers.ts';

describe.each<Mode>(['memory', 'redis'])('EventBus (%s)', (mode) => {
  let f = busFactory(mode);
  afterEach(async () => {
    await f.cleanup();
    f = busFactory(mode);
  });
  /** A second "process": another bus on the same Redis prefix; in memory, the same bus. */
  const pair = (): [EventBus, EventBus] => {
    const a = f.make();
    return [a, mode === 'redis' ? f.make() : a];
  };

  it('publish → consume delivers every event intact, in order', async () => {
    const bus = f.make();
    const got: DomainEvent[] = [];
    await bus.consume('billing', async (e) => void got.push(e));
    const events = [ev('order.confirmed', { n: 1, nested: { a: [1, 2] } }), ev('order.confirmed', { n: 2 }), ev('order.cancelled', { n: 3 })];
    await bus.publish(events);
    await until(() => got.length === 3);
    expect(got).toEqual(events);
    await sleep(50);
    expect(got).toHaveLength(3);
  });

  it('a group created after publishing starts from the retained events; from: "new" skips them', async () => {
    const bus = f.make();
    await bus.publish([ev('order.confirmed', { n: 1 })]);
    const late: DomainEvent[] = [];
    const fresh: DomainEvent[] = [];
    await bus.consume('late', async (e) => void late.push(e));
    await bus.consume('fresh', async (e) => void fresh.push(e), { from: 'new' });
    await bus.publish([ev('order.confirmed', { n: 2 })]);
    await until(() => late.length === 2 && fresh.length === 1);
    expect(fresh[0]!.payload).toEqual({ n: 2 });
  });

  it('two consumers in one group share the work, each event handled once', async () => {
    const [a, b] = pair();
    const byA: string[] = [];
    const byB: string[] = [];
    await a.consume('shipping', async (e) => void (byA.push(e.id), await sleep(15)), { types: ['order.*'] });
    await b.consume('shipping', async (e) => void (byB.push(e.id), await sleep(15)), { types: ['order.*'] });
    const events = Array.from({ length: 30 }, (_, n) => ev('order.confirmed', { n }));
    for (const e of events) {
      await a.publish([e]);
      await sleep(3);
    }
    await until(() => byA.length + byB.length >= 30);
    await sleep(100);
    expect(byA.length).toBeGreaterThan(0);
    expect(byB.length).toBeGreaterThan(0);
    expect([...byA, ...byB].sort()).toEqual(events.map((e) => e.id).sort());
  });

  it('two groups both get everything', async () => {
    const [a, b] = pair();
    const finance: string[] = [];
    const logistics: string[] = [];
    await a.consume('finance', async (e) => void finance.push(e.id));
    await b.consume('logistics', async (e) => void logistics.push(e.id));
    const events = Array.from({ length: 10 }, (_, n) => ev(n % 2 ? 'order.confirmed' : 'payment.recorded', { n }));
    await a.publish(events);
    await until(() => finance.length === 10 && logistics.length === 10);
    expect(new Set(finance)).toEqual(new Set(events.map((e) => e.id)));
    expect(new Set(logistics)).toEqual(new Set(events.map((e) => e.id)));
  });

  it('type filters: exact types, topic wildcards, and events of other types are skipped (acked)', async () => {
    const bus = f.make();
    const exact: string[] = [];
    const topic: string[] = [];
    const all: string[] = [];
    await bus.consume('g-exact', async (e) => void exact.push(e.type), { types: ['order.confirmed', 'payment.recorded'] });
    await bus.consume('g-topic', async (e) => void topic.push(e.type), { types: ['order.*'] });
    await bus.consume('g-all', async (e) => void all.push(e.type));
    await bus.publish([ev('order.confirmed'), ev('order.cancelled'), ev('vehicle.moved'), ev('payment.recorded'), ev('orders.other')]);
    await until(() => all.length === 5 && exact.length === 2 && topic.length === 2);
    await sleep(100);
    expect(exact.sort()).toEqual(['order.confirmed', 'payment.recorded']);
    expect(topic.sort()).toEqual(['order.cancelled', 'order.confirmed']);
    // a second consumer of g-exact must not see the skipped ones again
    const again: string[] = [];
    await bus.consume('g-exact', async (e) => void again.push(e.type), { types: ['order.confirmed', 'payment.recorded'] });
    await sleep(150);
    expect(again).toEqual([]);
  });

  it('listen: every listener (in every bus instance) gets matching events; unlisten stops them', async () => {
    const [a, b] = pair();
    const heardA: string[] = [];
    const heardB: string[] = [];
    const heardOrders: string[] = [];
    const offA = a.listen((e) => heardA.push(e.type));
    const offB = b.listen((e) => heardB.push(e.type));
    const offOrders = b.listen((e) => heardOrders.push(e.type), { types: ['order.*'] });
    await Promise.all([offA.ready, offB.ready, offOrders.ready]);
    await a.publish([ev('order.confirmed'), ev('vehicle.moved')]);
    await until(() => heardA.length === 2 && heardB.length === 2 && heardOrders.length === 1);
    expect(heardOrders).toEqual(['order.confirmed']);
    offA();
    offOrders();
    await sleep(50);
    await b.publish([ev('order.cancelled')]);
    await until(() => heardB.length === 3);
    await sleep(100);
    expect(heardA).toHaveLength(2);
    expect(heardOrders).toHaveLength(1);
    offB();
  });

  it('a handler that throws gets the event again (redelivery, at-least-once), possibly on another member', async () => {
    const [a, b] = pair();
    const attempts: string[] = [];
    const done: string[] = [];
    let failFirst = true;
    const handler = (who: string) => async (e: DomainEvent) => {
      attempts.push(who);
      if (failFirst) {
        failFirst = false;
        throw new Error('boom');
      }
      done.push(e.id);
    };
    await a.consume('flaky', handler('a'));
    await b.consume('flaky', handler('b'));
    const e = ev('order.confirmed');
    await a.publish([e]);
    await until(() => done.length === 1, 5_000, 'redelivery');
    expect(done).toEqual([e.id]);
    expect(attempts.length).toBe(2);
    await sleep(400);
    expect(done).toEqual([e.id]);
  });

  it('stop() waits for the handler in flight and acks it; later events go to the remaining member', async () => {
    const [a, b] = pair();
    const byA: string[] = [];
    const byB: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const ca = await a.consume('stopper', async (e) => {
      await gate;
      byA.push(e.id);
    }, { types: ['order.*'] });
    const first = ev('order.confirmed', { n: 1 });
    await a.publish([first]);
    await sleep(100); // a holds it (only member so far)
    await b.consume('stopper', async (e) => void byB.push(e.id), { types: ['order.*'] });
    const stopping = ca.stop();
    setTimeout(release, 50);
    await stopping;
    expect(byA).toEqual([first.id]);
    const second = ev('order.confirmed', { n: 2 });
    await a.publish([second]);
    await until(() => byB.includes(second.id));
    await sleep(400); // past the idle timeout: the acked first event must not come back
    expect(byB).toEqual([second.id]);
  });

  it('batch: events at hand go to batch.handle together, never two of one order or one key; a failed batch goes to the handler one by one', async () => {
    const bus = f.make();
    const orderOf = (e: DomainEvent) => (e.payload as { orderId: string }).orderId;
    const events = [
      ev('order.placed', { orderId: 'o1', customerId: 'c2' }), ev('order.placed', { orderId: 'o2', customerId: 'c1' }), ev('credit.approved', { orderId: 'o1' }),
      ev('order.placed', { orderId: 'o3', customerId: 'c2' }), ev('order.placed', { orderId: 'o4', customerId: 'c3' }), ev('order.cancelled', { orderId: 'o5' }),
      ev('order.placed', { orderId: 'o6', customerId: 'c4' }), ev('order.placed', { orderId: 'o7', customerId: 'c5' }),
    ];
    await bus.publish(events); // before the group exists: all of them at hand when it starts
    const batches: string[][] = [];
    const singles: string[] = [];
    let failOnce = true;
    await bus.consume('batching', async (e) => void singles.push(`${e.type}:${orderOf(e)}`), {
      types: ['order.*', 'credit.*'],
      batch: {
        max: 10,
        types: ['order.placed', 'credit.approved'],
        key: (e) => (e.payload as { customerId?: string }).customerId ?? null,
        handle: async (batch) => {
          if (batch.some((e) => orderOf(e) === 'o6') && failOnce) {
            failOnce = false;
            throw new Error('this batch fails');
          }
          batches.push(batch.map((e) => `${e.type}:${orderOf(e)}/${(e.payload as { customerId?: string }).customerId ?? '-'}`));
        },
      },
    });
    await until(() => batches.flat().length + singles.length >= 8, 10_000, 'every event');
    await sleep(100);
    const all = [...batches.flat().map((b) => b.split('/')[0]!), ...singles];
    expect(all.sort()).toEqual(events.map((e) => `${e.type}:${orderOf(e)}`).sort());
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      expect(b.length).toBeGreaterThan(1);
      const orders = b.map((x) => x.split(':')[1]!.split('/')[0]);
      const keys = b.map((x) => x.split('/')[1]).filter((k) => k !== '-');
      expect(new Set(orders).size).toBe(orders.length);
      expect(new Set(keys).size).toBe(keys.length);
      expect([...keys].sort()).toEqual(keys);
    }
    expect(singles).toContain('order.cancelled:o5');
    // the batch with o6 failed: its events went to the handler, alone
    expect(singles).toContain('order.placed:o6');
    expect(batches.flat().some((b) => b.includes('o6'))).toBe(false);
  });

  it('rejects invalid events and payloads that are not objects', async () => {
    const bus = f.make();
    await expect(bus.publish([{ ...ev('order.confirmed'), id: '' }])).rejects.toThrow(/id/);
    await expect(bus.publish([{ ...ev('bad topic!.x') }])).rejects.toThrow(/topic/);
    await expect(bus.publish([{ ...ev('order.x'), payload: null as never }])).rejects.toThrow(/payload/);
  });
});

// Issue 17: in memory a consumer may handle several events at once (consumerConcurrency), one order's one at a time.
describe('in-memory consumerConcurrency', () => {
  const f = busFactory('memory');
  afterEach(() => f.cleanup());

  it('handles events of different orders at the same time and one order’s events one at a time, in publish order', async () => {
    const bus = f.make({ consumerConcurrency: 4 });
    let running = 0;
    let most = 0;
    const byOrder = new Map<string, { n: number; at: 'start' | 'end' }[]>();
    await bus.consume('work', async (e) => {
      const p = e.payload as { orderId: string; n: number };
      const log = byOrder.get(p.orderId) ?? [];
      byOrder.set(p.orderId, log);
      log.push({ n: p.n, at: 'start' });
      most = Math.max(most, ++running);
      await sleep(20);
      running--;
      log.push({ n: p.n, at: 'end' });
    });
    // three events per order, for four orders, interleaved; other aggregates, same order id
    const events = [0, 1, 2].flatMap((n) => ['o1', 'o2', 'o3', 'o4'].map((orderId) => ev(n === 1 ? 'credit.approved' : 'order.confirmed', { orderId, n })));
    await bus.publish(events);
    await until(() => [...byOrder.values()].reduce((s, l) => s + l.length, 0) === 24);
    expect(most).toBe(4);
    for (const log of byOrder.values()) {
      // never two of one order at once, and in the order published
      expect(log).toEqual([0, 1, 2].flatMap((n) => [{ n, at: 'start' }, { n, at: 'end' }]));
    }
  });

  // The collections test's held customer (issue 17): with members idle, an order's second event was parked behind
  // a lane nobody held any more after the first was handled, and never delivered.
  it('delivers an order’s next event when members are idle, as soon as the one before it is handled', async () => {
    const bus = f.make({ consumerConcurrency: 4 });
    const got: number[] = [];
    await bus.consume('work', async (e) => {
      await sleep(10);
      got.push((e.payload as { n: number }).n);
    });
    await bus.publish([0, 1, 2].map((n) => ev(n === 1 ? 'credit.approved' : 'order.placed', { orderId: 'o1', n })));
    await until(() => got.length === 3, 3_000, 'the order’s three events');
    expect(got).toEqual([0, 1, 2]);
    // and again later, on the same lane (nothing left marked busy)
    await bus.publish([3, 4].map((n) => ev('order.confirmed', { orderId: 'o1', n })));
    await until(() => got.length === 5, 3_000, 'two more');
    expect(got).toEqual([0, 1, 2, 3, 4]);
  });

  it('a failed event keeps its order’s lane until it is redelivered and handled; other orders go on', async () => {
    const bus = f.make({ consumerConcurrency: 4 });
    const got: string[] = [];
    let failed = false;
    await bus.consume('work', async (e) => {
      const p = e.payload as { orderId: string; n: number };
      if (p.orderId === 'o1' && p.n === 0 && !failed) {
        failed = true;
        got.push('o1:0 failed');
        throw new Error('transient');
      }
      got.push(`${p.orderId}:${p.n}`);
    });
    await bus.publish([ev('order.placed', { orderId: 'o1', n: 0 }), ev('order.cancelled', { orderId: 'o1', n: 1 }), ev('order.placed', { orderId: 'o2', n: 0 })]);
    await until(() => got.length === 4, 5_000, 'redelivery');
    expect(got.filter((g) => g.startsWith('o1'))).toEqual(['o1:0 failed', 'o1:0', 'o1:1']);
    expect(got.indexOf('o2:0')).toBeLessThan(got.indexOf('o1:0')); // o2 did not wait for o1's redelivery
  });

  it('events of types a group does not handle are acked at once, not behind its busy members', async () => {
    const bus = f.make();
    let busy = 0;
    await bus.consume('work', async () => {
      busy++;
      await sleep(1_000);
    }, { types: ['order.placed'] });
    await bus.publish([ev('order.placed', { orderId: 'o1' })]);
    await until(() => busy === 1, 3_000, 'the slow handler');
    const t0 = Date.now();
    await bus.publishUntilHandled!([ev('order.status_changed', { orderId: 'o2' })]);
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('stays one at a time without it', async () => {
    const bus = f.make();
    let running = 0;
    let most = 0;
    let done = 0;
    await bus.consume('work', async () => {
      most = Math.max(most, ++running);
      await sleep(5);
      running--;
      done++;
    });
    await bus.publish(['a', 'b', 'c', 'd'].map((orderId) => ev('order.confirmed', { orderId })));
    await until(() => done === 4);
    expect(most).toBe(1);
  });
});

// Queued events handled together (issue 17: a consumer group's events in one transaction instead of one each).
describe('in-memory batches', () => {
  const f = busFactory('memory');
  afterEach(() => f.cleanup());
  const orderOf = (e: DomainEvent) => (e.payload as { orderId: string }).orderId;
  const customerOf = (e: DomainEvent) => (e.payload as { customerId?: string }).customerId ?? null;

  it('queued events of its types go together, never two of one order or one key, in key order; the rest one by one', async () => {
    const bus = f.make({ consumerConcurrency: 4 });
    const batches: string[][] = [];
    const singles: string[] = [];
    const handled: string[] = [];
    let inFlight = 0;
    let oldestSeen = 0;
    await bus.consume('work', async (e) => {
      singles.push(`${e.type}:${orderOf(e)}`);
      handled.push(`${e.type}:${orderOf(e)}`);
    }, {
      types: ['order.placed', 'credit.approved', 'order.cancelled'],
      batch: {
        max: 4,
        types: ['order.placed', 'credit.approved'],
        key: (e) => customerOf(e),
        handle: async (events) => {
          inFlight++;
          batches.push(events.map((e) => `${orderOf(e)}/${customerOf(e) ?? '-'}`));
          await sleep(30);
          oldestSeen = Math.max(oldestSeen, bus.oldestUnhandledMs!());
          for (const e of events) handled.push(`${e.type}:${orderOf(e)}`);
          inFlight--;
        },
      },
    });
    const events = [
      ev('order.placed', { orderId: 'o1', customerId: 'c3' }),
      ev('order.placed', { orderId: 'o2', customerId: 'c1' }),
      ev('credit.approved', { orderId: 'o1' }), // o1's lane is busy: after o1's order.placed, in a later batch or alone
      ev('vehicle.position', { orderId: 'v1' }), // not this group's: acked on the way
      ev('order.placed', { orderId: 'o3', customerId: 'c2' }),
      ev('order.placed', { orderId: 'o4', customerId: 'c1' }), // c1 is in this batch already: the batch ends here
      ev('order.placed', { orderId: 'o5', customerId: 'c4' }),
      ev('order.cancelled', { orderId: 'o6' }), // not batched: alone
      ev('order.placed', { orderId: 'o7', customerId: 'c5' }),
      ev('order.placed', { orderId: 'o8', customerId: 'c6' }),
    ];
    await bus.publishUntilHandled!(events);
    expect(inFlight).toBe(0);
    // the first batch: o1, o2, o3 (o1's credit.approved parked on its lane, the vehicle acked), sorted by customer
    expect(batches[0]).toEqual(['o2/c1', 'o3/c2', 'o1/c3']);
    for (const b of batches) {
      expect(b.length).toBeGreaterThan(1);
      expect(b.length).toBeLessThanOrEqual(4);
      const keys = b.map((x) => x.split('/')[1]).filter((k) => k !== '-');
      expect(new Set(keys).size).toBe(keys.length);
      expect([...keys].sort()).toEqual(keys);
      expect(new Set(b.map((x) => x.split('/')[0])).size).toBe(b.length);
    }
    expect(singles).toContain('order.cancelled:o6');
    // each event of the group handled once, an order's events in their order
    expect([...handled].sort()).toEqual(events.filter((e) => e.type !== 'vehicle.position').map((e) => `${e.type}:${orderOf(e)}`).sort());
    expect(handled.indexOf('order.placed:o1')).toBeLessThan(handled.indexOf('credit.approved:o1'));
    expect(oldestSeen).toBeGreaterThan(0); // a batch in flight holds the oldest unhandled event back
    expect(bus.oldestUnhandledMs!()).toBe(0);
  });

  it('a batch that fails hands each of its events to the handler at once, an order’s events still in order', async () => {
    const bus = f.make({ consumerConcurrency: 1 });
    const tried: number[] = [];
    const handled: string[] = [];
    await bus.consume('work', async (e) => {
      if (orderOf(e) === 'o2' && e.type === 'order.placed' && !handled.includes('o2 failed once')) {
        handled.push('o2 failed once');
        throw new Error('o2 is poisoned this time');
      }
      handled.push(`${e.type}:${orderOf(e)}`);
    }, {
      batch: {
        max: 8,
        types: ['order.placed', 'credit.approved'],
        handle: async (events) => {
          tried.push(events.length);
          throw new Error('one of them fails');
        },
      },
    });
    const t0 = Date.now();
    await bus.publishUntilHandled!([
      ev('order.placed', { orderId: 'o1' }), ev('order.placed', { orderId: 'o2' }), ev('credit.approved', { orderId: 'o2' }), ev('order.placed', { orderId: 'o3' }),
    ]);
    expect(tried[0]).toBe(3); // o1, o2, o3 (o2's credit.approved waits on its lane)
    // o1 and o3 at once after the batch; o2 fails alone, is redelivered after the retry delay, then its credit.approved
    expect(handled.filter((h) => h.endsWith('o2') || h.startsWith('o2'))).toEqual(['o2 failed once', 'order.placed:o2', 'credit.approved:o2']);
    expect(handled).toContain('order.placed:o1');
    expect(handled).toContain('order.placed:o3');
    expect(handled.indexOf('order.placed:o3')).toBeLessThan(handled.indexOf('order.placed:o2'));
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('a lone event goes to the handler, not to the batch', async () => {
    const bus = f.make();
    const singles: string[] = [];
    let batches = 0;
    await bus.consume('work', async (e) => void singles.push(orderOf(e)), { batch: { max: 4, types: ['order.placed'], handle: async () => void batches++ } });
    await bus.publishUntilHandled!([ev('order.placed', { orderId: 'o1' })]);
    expect(singles).toEqual(['o1']);
    expect(batches).toBe(0);
  });
});
