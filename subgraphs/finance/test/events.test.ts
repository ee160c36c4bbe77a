// The order-to-cash consumer on an in-memory bus: events in as commerce and logistics publish them, finance's
// answers out through its outbox relay. In-memory PGlite, seeded demo plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, type DomainEvent, type EventBus } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { eventually } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { CONSUMER_GROUP } from '../src/events/order-to-cash.ts';
import { client, CREDIT_LINE, ENTITIES, INVOICE_FIELDS, LAGOS, lagosFinance, LEDGER_BALANCE, SECRET, event } from './helpers.ts';

let sg: Awaited<ReturnType<typeof create>>;
let bus: EventBus;
let stop: () => Promise<void>;
let q: ReturnType<typeof client>;
const out: DomainEvent[] = [];
const lagos = demoPlan().find((t) => t.id === LAGOS)!;
// A retailer (limit 500 000 NGN) with some credit in use.
const customer = lagos.customers[0]!;

const placed = (orderId: string, paymentTerms: string, amount: string, customerId = customer.id, currencyCode = 'NGN') =>
  event('order.placed', orderId, { orderId, number: `T-${orderId}`, customerId, paymentTerms, total: { amount, currencyCode }, lines: [{ sku: 'X', quantity: 1 }], placedAt: new Date().toISOString() });
const answerFor = (orderId: string) => eventually(async () => out.find((e) => e.aggregateId === orderId && e.type.startsWith('credit.')));
const creditLine = async (customerId = customer.id) => (await q(lagosFinance, ENTITIES, { r: [{ __typename: 'Customer', id: customerId }] })).data._entities[0].creditLine;
const invoiceOf = async (orderId: string) => (await q(lagosFinance, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { invoice { ${INVOICE_FIELDS} } } } }`, { r: [{ __typename: 'Order', id: orderId }] })).data._entities[0].invoice;

beforeAll(async () => {
  bus = createEventBus();
  bus.listen((e) => void out.push(e), { types: ['credit.*', 'invoice.*', 'payment.*'] });
  sg = await create({ secret: SECRET, bus, relayIntervalMs: 50 });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  q = client(running.url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await bus?.close();
});

describe('order.placed → credit check', () => {
  it('approves a NET order within available credit: utilized grows, DRAFT invoice, credit.approved', async () => {
    const before = await creditLine();
    await bus.publish([placed('ord_EV_A', 'NET_14', '100000.00')]);
    const answer = await answerFor('ord_EV_A');
    expect(answer).toMatchObject({ type: 'credit.approved', source: 'finance', tenantId: LAGOS, payload: { orderId: 'ord_EV_A', customerId: customer.id } });
    const invoice = await invoiceOf('ord_EV_A');
    expect(answer.payload.invoiceId).toBe(invoice.id);
    expect(invoice).toMatchObject({ status: 'DRAFT', total: { amount: '100000.00', currencyCode: 'NGN' }, amountDue: { amount: '100000.00' }, issuedAt: null, dueDate: null });
    expect(invoice.number).toMatch(/^INV-LAG-\d+$/);
    const after = await creditLine();
    expect(Number(after.utilized.amount) - Number(before.utilized.amount)).toBe(100000);
    expect(Number(before.available.amount) - Number(after.available.amount)).toBe(100000);
  });

  it('rejects a NET order above available credit with reason, available and required', async () => {
    const line = await creditLine();
    await bus.publish([placed('ord_EV_BIG', 'NET_7', '99000000.00')]);
    const answer = await answerFor('ord_EV_BIG');
    expect(answer).toMatchObject({
      type: 'credit.rejected',
      payload: { orderId: 'ord_EV_BIG', customerId: customer.id, reason: 'INSUFFICIENT_CREDIT', available: { amount: line.available.amount, currencyCode: 'NGN' }, required: { amount: '99000000.00', currencyCode: 'NGN' } },
    });
    expect(await invoiceOf('ord_EV_BIG')).toBeNull();
    expect((await creditLine()).utilized).toEqual(line.utilized);
  });

  it('skips the check for cash on delivery and prepaid (still a DRAFT invoice), and rejects unknown customers on NET', async () => {
    const line = await creditLine();
    await bus.publish([placed('ord_EV_COD', 'CASH_ON_DELIVERY', '99000000.00'), placed('ord_EV_PRE', 'PREPAID', '2500.00'), placed('ord_EV_UNK', 'NET_30', '10.00', 'cus_UNKNOWN')]);
    expect((await answerFor('ord_EV_COD')).type).toBe('credit.approved');
    expect((await answerFor('ord_EV_PRE')).type).toBe('credit.approved');
    expect((await answerFor('ord_EV_UNK')).payload).toMatchObject({ reason: 'NO_CREDIT_LINE', available: { amount: '0.00' } });
    expect((await invoiceOf('ord_EV_COD')).status).toBe('DRAFT');
    expect((await creditLine()).utilized).toEqual(line.utilized);
  });

  it('rejects an order in another currency than the credit line', async () => {
    await bus.publish([placed('ord_EV_GHS', 'NET_7', '10.00', customer.id, 'GHS')]);
    expect((await answerFor('ord_EV_GHS')).payload.reason).toBe('CURRENCY_MISMATCH');
  });

  it('handles a redelivered event once', async () => {
    const e = placed('ord_EV_DUP', 'NET_7', '1000.00');
    const before = await creditLine();
    await bus.publish([e, e]);
    await answerFor('ord_EV_DUP');
    await eventually(async () => (await sg.prisma.processedEvent.count({ where: { consumer: CONSUMER_GROUP, eventId: e.id } })) === 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(out.filter((x) => x.aggregateId === 'ord_EV_DUP')).toHaveLength(1);
    expect(Number((await creditLine()).utilized.amount) - Number(before.utilized.amount)).toBe(1000);
  });
});

describe('order.cancelled / order.rejected', () => {
  it('cancel releases the credit and voids the invoice', async () => {
    await bus.publish([placed('ord_EV_CAN', 'NET_30', '50000.00')]);
    await answerFor('ord_EV_CAN');
    const held = await creditLine();
    await bus.publish([event('order.cancelled', 'ord_EV_CAN', { orderId: 'ord_EV_CAN', customerId: customer.id, total: { amount: '50000.00', currencyCode: 'NGN' } })]);
    await eventually(async () => (await invoiceOf('ord_EV_CAN'))?.status === 'VOID');
    expect((await invoiceOf('ord_EV_CAN')).amountDue.amount).toBe('0.00');
    expect(Number(held.utilized.amount) - Number((await creditLine()).utilized.amount)).toBe(50000);
    await eventually(async () => out.some((e) => e.type === 'invoice.voided' && e.payload.orderId === 'ord_EV_CAN'));
  });

  it('a cancellation handled before the order.placed (out of order): no credit held, no invoice, no answer', async () => {
    const before = await creditLine();
    await bus.publish([event('order.cancelled', 'ord_EV_EARLY', { orderId: 'ord_EV_EARLY', customerId: customer.id, total: { amount: '40000.00', currencyCode: 'NGN' } })]);
    const late = placed('ord_EV_EARLY', 'NET_30', '40000.00');
    await bus.publish([late]);
    await eventually(async () => (await sg.prisma.processedEvent.count({ where: { consumer: CONSUMER_GROUP, eventId: late.id } })) === 1);
    expect(await invoiceOf('ord_EV_EARLY')).toBeNull();
    expect((await creditLine()).utilized).toEqual(before.utilized);
    await new Promise((r) => setTimeout(r, 200));
    expect(out.filter((x) => x.aggregateId === 'ord_EV_EARLY')).toEqual([]);
  });

  it('rejected order: the draft invoice is voided and its credit released', async () => {
    await bus.publish([placed('ord_EV_REJ', 'NET_7', '7000.00')]);
    await answerFor('ord_EV_REJ');
    const held = await creditLine();
    await bus.publish([event('order.rejected', 'ord_EV_REJ', { orderId: 'ord_EV_REJ', customerId: customer.id, reason: 'OUT_OF_STOCK' })]);
    await eventually(async () => (await invoiceOf('ord_EV_REJ'))?.status === 'VOID');
    expect(Number(held.utilized.amount) - Number((await creditLine()).utilized.amount)).toBe(7000);
  });
});

describe('shipment.delivered → invoice issued', () => {
  it('issues the invoice at delivery, due after the payment terms, and posts the receivable', async () => {
    await bus.publish([placed('ord_EV_DEL', 'NET_30', '12345.67'), placed('ord_EV_DCOD', 'CASH_ON_DELIVERY', '500.00')]);
    await answerFor('ord_EV_DEL');
    await answerFor('ord_EV_DCOD');
    const deliveredAt = '2026-11-20T15:00:00.000Z';
    const delivered = (orderId: string) =>
      event('shipment.delivered', `shp_${orderId}`, { shipmentId: `shp_${orderId}`, orderId, riderId: 'wrk_1', vehicleId: 'veh_1', deliveredAt, onTime: true, proof: { recipientName: 'Ada', lat: 6.5, lng: 3.3 } }, 'logistics');
    await bus.publish([delivered('ord_EV_DEL'), delivered('ord_EV_DCOD')]);
    await eventually(async () => (await invoiceOf('ord_EV_DEL'))?.status === 'ISSUED');
    expect(await invoiceOf('ord_EV_DEL')).toMatchObject({ issuedAt: deliveredAt, dueDate: '2026-12-20T15:00:00.000Z', amountDue: { amount: '12345.67' } });
    await eventually(async () => (await invoiceOf('ord_EV_DCOD'))?.dueDate === deliveredAt);
    const issued = await eventually(async () => out.find((e) => e.type === 'invoice.issued' && e.payload.orderId === 'ord_EV_DEL'));
    expect(issued.payload).toMatchObject({ amount: { amount: '12345.67', currencyCode: 'NGN' }, status: 'ISSUED' });
    const postings = await sg.prisma.ledgerPosting.findMany({ where: { invoiceId: issued.payload.invoiceId as string }, select: { kind: true } });
    expect(postings.map((p) => p.kind)).toEqual(['INVOICE_ISSUED']);
  });

  it('the ledger still sums to zero', async () => {
    const r = await q(lagosFinance, LEDGER_BALANCE);
    expect(r.data.ledgerBalance[0]).toMatchObject({ balanced: true, net: { amount: '0.00' } });
    const reserved = await q(lagosFinance, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { ${CREDIT_LINE} } } }`, { r: [{ __typename: 'Customer', id: customer.id }] });
    const exposure = r.data.ledgerBalance[0].accounts.find((a: any) => a.account === 'CREDIT_EXPOSURE');
    expect(Number(exposure.balance.amount)).toBeGreaterThanOrEqual(Number(reserved.data._entities[0].creditLine.utilized.amount));
  });
});

// Issue 19 (order-to-cash.ts in the mutation run): what the consumer refuses, what it does once only, and the
// fallbacks it applies — each checked against the rows, not only the absence of an error.
describe('malformed, repeated and partial events (issue 19)', () => {
  const handled = async (e: DomainEvent) => {
    await bus.publish([e]);
    await eventually(async () => (await sg.prisma.processedEvent.count({ where: { consumer: CONSUMER_GROUP, eventId: e.id } })) === 1);
  };
  const invoiceRow = (orderId: string) => sg.prisma.invoice.findUnique({ where: { tenantId_orderId: { tenantId: LAGOS, orderId } } });

  it('an order.placed without a usable orderId, customerId, total or paymentTerms is acknowledged and changes nothing; ids of 200 characters pass, 201 do not', async () => {
    const before = await creditLine();
    const long = `ord_${'m'.repeat(197)}`; // 201
    const ok200 = `ord_${'n'.repeat(196)}`; // 200
    const base = { number: 'T-BAD', customerId: customer.id, paymentTerms: 'NET_7', total: { amount: '10.00', currencyCode: 'NGN' }, lines: [] };
    const bad: [string, object][] = [
      ['ord_EV_BAD1', { ...base, orderId: undefined }],
      ['', { ...base, orderId: '' }],
      [long, { ...base, orderId: long }],
      ['ord_EV_BAD2', { ...base, orderId: 'ord_EV_BAD2', customerId: '' }],
      ['ord_EV_BAD3', { ...base, orderId: 'ord_EV_BAD3', customerId: `cus_${'c'.repeat(197)}` }],
      ['ord_EV_BAD4', { ...base, orderId: 'ord_EV_BAD4', total: { amount: 'ten', currencyCode: 'NGN' } }],
      ['ord_EV_BAD5', { ...base, orderId: 'ord_EV_BAD5', paymentTerms: 'NET_999' }],
    ];
    for (const [orderId, payload] of bad) await handled(event('order.placed', orderId || 'ord_EV_BAD0', payload));
    for (const [orderId] of bad) expect(await invoiceRow(orderId)).toBeNull();
    expect((await creditLine()).utilized).toEqual(before.utilized);

    await handled(event('order.placed', ok200, { ...base, orderId: ok200, number: '' }));
    expect(await invoiceRow(ok200)).toMatchObject({ status: 'DRAFT', customerId: customer.id });
    expect(Number((await creditLine()).utilized.amount) - Number(before.utilized.amount)).toBe(10);
    // with an empty number the order id is the posting's reference
    expect(await sg.prisma.ledgerPosting.count({ where: { kind: 'CREDIT_RESERVED', description: `Credit reserved for order ${ok200}` } })).toBe(1);
    await new Promise((r) => setTimeout(r, 200));
    expect(out.filter((x) => bad.some(([id]) => id && x.aggregateId === id))).toEqual([]);
  });

  it('an order.placed sent again (new event id) is decided once: one invoice, credit reserved once, one answer', async () => {
    const before = await creditLine();
    await handled(placed('ord_EV_TWICE', 'NET_14', '300.00'));
    await handled(placed('ord_EV_TWICE', 'NET_14', '300.00'));
    expect(await sg.prisma.invoice.count({ where: { tenantId: LAGOS, orderId: 'ord_EV_TWICE' } })).toBe(1);
    expect(Number((await creditLine()).utilized.amount) - Number(before.utilized.amount)).toBe(300);
    await answerFor('ord_EV_TWICE');
    await new Promise((r) => setTimeout(r, 200));
    expect(out.filter((x) => x.aggregateId === 'ord_EV_TWICE' && x.type.startsWith('credit.'))).toHaveLength(1);
  });

  it('shipment.delivered without a valid deliveredAt is issued at the event’s time; order.rejected leaves an issued invoice as it is', async () => {
    await handled(placed('ord_EV_NODATE', 'NET_7', '80.00'));
    await handled(placed('ord_EV_BADDATE', 'NET_7', '90.00'));
    const at = '2026-11-25T10:00:00.000Z';
    const e1 = { ...event('shipment.delivered', 'shp_ND', { shipmentId: 'shp_ND', orderId: 'ord_EV_NODATE' }, 'logistics'), occurredAt: at };
    const e2 = { ...event('shipment.delivered', 'shp_BD', { shipmentId: 'shp_BD', orderId: 'ord_EV_BADDATE', deliveredAt: 'yesterday' }, 'logistics'), occurredAt: at };
    await handled(e1);
    await handled(e2);
    for (const id of ['ord_EV_NODATE', 'ord_EV_BADDATE']) expect(await invoiceRow(id)).toMatchObject({ status: 'ISSUED', issuedAt: new Date(at), dueDate: new Date('2026-12-02T10:00:00.000Z') });
    // neither a usable deliveredAt nor occurredAt: skipped
    await handled(placed('ord_EV_NOTIME', 'NET_7', '70.00'));
    await handled({ ...event('shipment.delivered', 'shp_NT', { shipmentId: 'shp_NT', orderId: 'ord_EV_NOTIME' }, 'logistics'), occurredAt: 'never' });
    expect(await invoiceRow('ord_EV_NOTIME')).toMatchObject({ status: 'DRAFT', issuedAt: null });

    const line = await creditLine();
    await handled(event('order.rejected', 'ord_EV_NODATE', { orderId: 'ord_EV_NODATE', customerId: customer.id, reason: 'OUT_OF_STOCK' }));
    expect(await invoiceRow('ord_EV_NODATE')).toMatchObject({ status: 'ISSUED' });
    expect((await creditLine()).utilized).toEqual(line.utilized);
  });
});
