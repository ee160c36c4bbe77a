// The order-to-cash consumer as wired in the subgraph (startOrderToCashConsumer), with the outbox relay's poll set to
// ten minutes: an answer reaches the bus only when the consumer kicks the relay after handling an event. What it does
// with events it has seen before (a shipment.delivered re-sent by logistics' reconciler re-sends invoice.issued, at
// most once a minute), what it logs for malformed ones, and what a cancellation and a rejection leave behind
// (the void's reason, the order gate). Found by the mutation run of order-to-cash.ts (docs/testing.md).
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createEventBus, newEventId, type DomainEvent, type EventBus } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { eventually } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { CONSUMER_GROUP } from '../src/events/order-to-cash.ts';
import { LAGOS, SECRET, event } from './helpers.ts';

let sg: Awaited<ReturnType<typeof create>>;
let bus: EventBus;
const out: DomainEvent[] = [];
const customer = demoPlan().find((t) => t.id === LAGOS)!.customers[0]!;

const placed = (orderId: string) =>
  event('order.placed', orderId, { orderId, number: `T-${orderId}`, customerId: customer.id, paymentTerms: 'NET_7', total: { amount: '100.00', currencyCode: 'NGN' }, lines: [], placedAt: new Date().toISOString() });
const delivered = (orderId: string) => event('shipment.delivered', `shp_${orderId}`, { shipmentId: `shp_${orderId}`, orderId, deliveredAt: new Date().toISOString() }, 'logistics');
const processed = (e: DomainEvent) => sg.prisma.processedEvent.count({ where: { consumer: CONSUMER_GROUP, eventId: e.id } });
const handled = async (e: DomainEvent) => {
  await bus.publish([e]);
  await eventually(async () => (await processed(e)) === 1);
};
const seen = (type: string, aggregateId: string) => out.filter((e) => e.type === type && e.aggregateId === aggregateId);
const invoiceOf = (orderId: string) => sg.prisma.invoice.findUniqueOrThrow({ where: { tenantId_orderId: { tenantId: LAGOS, orderId } } });
const settle = () => new Promise((r) => setTimeout(r, 300));

beforeAll(async () => {
  bus = createEventBus();
  bus.listen((e) => void out.push(e), { types: ['credit.*', 'invoice.*'] });
  // the relay polls every ten minutes: within a test, only the consumer's kick publishes
  sg = await create({ secret: SECRET, bus, relayIntervalMs: 600_000 });
  await sg.seed();
  await sg.listen(0);
});
afterAll(async () => {
  await sg?.close();
  await bus?.close();
});
afterEach(() => vi.restoreAllMocks());

describe('order-to-cash consumer', () => {
  it('kicks the outbox relay after each event it handled: the answer is on the bus at once, not at the next poll', async () => {
    await bus.publish([placed('ord_OC_KICK')]);
    await eventually(async () => seen('credit.approved', 'ord_OC_KICK').length === 1, { timeoutMs: 5_000 });
    await handled(delivered('ord_OC_KICK'));
    const inv = await invoiceOf('ord_OC_KICK');
    await eventually(async () => seen('invoice.issued', inv.id).length === 1, { timeoutMs: 5_000 });
  });

  it('a shipment.delivered seen before re-sends invoice.issued (same event) only when its last publication is over a minute old, and only its own order’s', async () => {
    const place = placed('ord_OC_RESEND');
    await handled(place);
    const delivery = delivered('ord_OC_RESEND');
    await handled(delivery);
    const inv = await invoiceOf('ord_OC_RESEND');
    await eventually(async () => seen('invoice.issued', inv.id).length === 1);
    const first = seen('invoice.issued', inv.id)[0]!;

    // re-sent within the minute: handled already, nothing re-sent
    await bus.publish([delivery]);
    await settle();
    expect(seen('invoice.issued', inv.id)).toHaveLength(1);

    const backdate = () => sg.prisma.outboxEvent.updateMany({ where: { type: 'invoice.issued', aggregateId: inv.id }, data: { publishedAt: new Date(Date.now() - 61_000) } });
    await backdate();
    // another order's delivery, handled before, whose invoice is not issued (no invoice at all): re-sends nothing of ours
    const stranger = delivered('ord_OC_NONE');
    await handled(stranger);
    await bus.publish([stranger]);
    // and a re-sent delivery without an order id: nothing to look up
    const blank = { ...delivery, id: newEventId(), payload: { shipmentId: 'shp_x' } };
    await handled(blank);
    await bus.publish([blank]);
    await settle();
    expect(seen('invoice.issued', inv.id)).toHaveLength(1);

    // its own delivery again, over a minute after: the same invoice.issued event once more
    await bus.publish([delivery]);
    await eventually(async () => seen('invoice.issued', inv.id).length === 2, { timeoutMs: 5_000 });
    expect(seen('invoice.issued', inv.id)[1]!.id).toBe(first.id);

    // any other event of that order seen before (here its order.placed, re-sent) re-sends nothing
    await backdate();
    await bus.publish([place]);
    await settle();
    expect(seen('invoice.issued', inv.id)).toHaveLength(2);
  });

  it('logs each malformed event it acknowledges: type, event id and what was missing', async () => {
    const lines: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    vi.spyOn(process.stderr, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(String(chunk));
      return write(chunk, ...rest);
    }) as typeof process.stderr.write);
    const bad = [
      [event('order.placed', 'ord_OC_BAD', { orderId: 'ord_OC_BAD' }), 'order.placed needs orderId, customerId, total and paymentTerms'],
      [event('order.cancelled', 'ord_OC_BAD', {}), 'order.cancelled needs orderId'],
      [event('order.rejected', 'ord_OC_BAD', { orderId: '' }), 'order.rejected needs orderId'],
      [event('shipment.delivered', 'shp_OC_BAD', { shipmentId: 'shp_OC_BAD' }, 'logistics'), 'shipment.delivered needs orderId and deliveredAt'],
    ] as const;
    for (const [e] of bad) await handled(e);
    const warnings = lines.filter((l) => l.includes('"finance: skipped malformed event"')).map((l) => JSON.parse(l));
    expect(warnings.map(({ level, type, eventId, why }) => ({ level, type, eventId, why }))).toEqual(
      bad.map(([e, why]) => ({ level: 'warn', type: e.type, eventId: e.id, why })),
    );
  });

  it('a cancellation voids the invoice for ORDER_CANCELLED and closes the order gate; a rejection voids for ORDER_REJECTED and leaves the gate open', async () => {
    await handled(placed('ord_OC_CAN'));
    await handled(placed('ord_OC_REJ'));
    const cancelledAt = '2026-12-01T08:00:00.000Z';
    await handled({ ...event('order.cancelled', 'ord_OC_CAN', { orderId: 'ord_OC_CAN' }), occurredAt: cancelledAt });
    await handled(event('order.rejected', 'ord_OC_REJ', { orderId: 'ord_OC_REJ', reason: 'OUT_OF_STOCK' }));
    const [can, rej] = [await invoiceOf('ord_OC_CAN'), await invoiceOf('ord_OC_REJ')];
    expect([can.status, rej.status]).toEqual(['VOID', 'VOID']);
    await eventually(async () => seen('invoice.voided', can.id).length === 1 && seen('invoice.voided', rej.id).length === 1);
    expect(seen('invoice.voided', can.id)[0]!.payload.reason).toBe('ORDER_CANCELLED');
    expect(seen('invoice.voided', rej.id)[0]!.payload.reason).toBe('ORDER_REJECTED');
    const gates = await sg.prisma.$queryRawUnsafe<{ orderId: string; cancelledAt: Date | null }[]>(
      `SELECT "orderId", "cancelledAt" FROM "OrderGate" WHERE "tenantId" = $1 AND "orderId" IN ('ord_OC_CAN', 'ord_OC_REJ') ORDER BY "orderId"`, LAGOS);
    expect(gates).toEqual([{ orderId: 'ord_OC_CAN', cancelledAt: new Date(cancelledAt) }, { orderId: 'ord_OC_REJ', cancelledAt: null }]);
  });

  // Queued events go together (the bus's batches, handleManyOnceSql), never two of one customer in a batch: each
  // order.placed reads the credit line it draws on, so two of one customer together would both see it untouched.
  it('order.placed events queued together: as many approved on one credit line as it holds, every answer on the bus at once', async () => {
    const plan = demoPlan().find((t) => t.id === LAGOS)!;
    const [tight, other] = [plan.customers[3]!, plan.customers[4]!];
    await sg.prisma.creditLine.update({ where: { tenantId_customerId: { tenantId: LAGOS, customerId: tight.id } }, data: { limit: 1000, utilized: 0, heldAt: null } });
    const order = (i: number, customerId: string, amount: string) =>
      event('order.placed', `ord_OC_B${i}`, { orderId: `ord_OC_B${i}`, number: `T-B${i}`, customerId, paymentTerms: 'NET_7', total: { amount, currencyCode: 'NGN' }, lines: [], placedAt: new Date().toISOString() });
    // ten of the tight customer's (300 each, 1 000 of credit) between ten of another's, published at once
    const events = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? order(i, tight.id, '300.00') : order(i, other.id, '1.00')));
    const at = new Map<string, number>();
    await bus.publish(events);
    await eventually(async () => (await sg.prisma.processedEvent.count({ where: { consumer: CONSUMER_GROUP, eventId: { in: events.map((e) => e.id) } } })) === 20, { timeoutMs: 10_000 });
    for (const p of await sg.prisma.processedEvent.findMany({ where: { consumer: CONSUMER_GROUP, eventId: { in: events.map((e) => e.id) } } })) {
      at.set(p.eventId, p.processedAt.getTime());
    }
    // some went together (one ProcessedEvent statement: one time), never two of the tight customer's
    const byTime = new Map<number, string[]>();
    for (const e of events) byTime.set(at.get(e.id)!, [...(byTime.get(at.get(e.id)!) ?? []), (e.payload as { customerId: string }).customerId]);
    expect([...byTime.values()].some((ids) => ids.length > 1)).toBe(true);
    for (const ids of byTime.values()) expect(ids.filter((id) => id === tight.id).length).toBeLessThanOrEqual(1);
    await eventually(async () => events.every((e) => seen('credit.approved', e.aggregateId).length + seen('credit.rejected', e.aggregateId).length === 1), { timeoutMs: 5_000 });
    const tights = events.filter((_, i) => i % 2 === 0);
    expect(tights.filter((e) => seen('credit.approved', e.aggregateId).length === 1)).toHaveLength(3);
    expect(tights.filter((e) => seen('credit.rejected', e.aggregateId).length === 1)).toHaveLength(7);
    expect(events.filter((_, i) => i % 2 === 1).every((e) => seen('credit.approved', e.aggregateId).length === 1)).toBe(true);
    const line = await sg.prisma.creditLine.findUniqueOrThrow({ where: { tenantId_customerId: { tenantId: LAGOS, customerId: tight.id } } });
    expect(line.utilized.toFixed(2)).toBe('900.00');
  });
});
