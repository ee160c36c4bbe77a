import { describe, expect, it } from 'vitest';
import { createEventBus, newEventId, type DomainEvent } from '../src/index.ts';

const ev = (type: string, n = 0): DomainEvent => ({
  id: newEventId(), type, tenantId: 't1', aggregateId: `a${n}`, payload: { n }, occurredAt: new Date().toISOString(), source: 'test',
});
const until = async (cond: () => boolean, ms = 3000) => {
  const end = Date.now() + ms;
  while (!cond()) { if (Date.now() > end) throw new Error('timeout'); await new Promise((r) => setTimeout(r, 5)); }
};

describe('in-memory bus (smoke)', () => {
  it('publish / consume / listen', async () => {
    const bus = createEventBus();
    const got: DomainEvent[] = [];
    const heard: DomainEvent[] = [];
    await bus.consume('g', async (e) => void got.push(e));
    bus.listen((e) => heard.push(e), { types: ['order.*'] });
    await bus.publish([ev('order.confirmed', 1), ev('vehicle.moved', 2)]);
    await until(() => got.length === 2 && heard.length === 1);
    expect(got.map((e) => e.type)).toEqual(['order.confirmed', 'vehicle.moved']);
    expect(heard[0]!.type).toBe('order.confirmed');
    await bus.close();
  });
});
