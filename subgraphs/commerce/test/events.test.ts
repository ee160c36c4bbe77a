import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combinedRange, type Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { createEventBus, newEventId, type DomainEvent, type EventBus } from '@omniroute/events';
import { callSubgraph, eventually } from '@omniroute/testkit';
import { create } from '../src/server.ts';

// The order life cycle over the in-memory bus: commerce's outbox relayed out, finance's and logistics' events in.
const SECRET = 'commerce-events-secret';
const [LAGOS, ACCRA] = demoPlan();
const ADMIN: Viewer = { tenantId: LAGOS!.id, userId: LAGOS!.users[0]!.id, roles: ['ADMIN'], scopes: [] };
const customer = LAGOS!.customers.find((c) => c.type === 'RETAILER')!;
const location = LAGOS!.locations[1]!;
const variants = LAGOS!.products.flatMap((p) => p.variants);

let bus: EventBus;
let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;
const seen: DomainEvent[] = [];

beforeAll(async () => {
  bus = createEventBus();
  bus.listen((e) => void seen.push(e), { types: ['order.*'] });
  sg = await create({ secret: SECRET, bus, relayIntervalMs: 50 });
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await bus?.close();
});

const call = (query: string, variables: Record<string, unknown> = {}) => callSubgraph({ url, name: 'commerce' }, SECRET, ADMIN, query, variables);
const ATP = `query($sku: String!, $loc: ID!) { availableToPromise(sku: $sku, locationId: $loc) { onHand reserved available } }`;
const atp = async (sku: string) => (await call(ATP, { sku, loc: location.id })).data.availableToPromise;
const status = async (id: string) => (await call(`query($id: ID!) { order(id: $id) { status rejectionReason } }`, { id })).data.order;
const eventsOf = (orderId: string) => seen.filter((e) => e.aggregateId === orderId);
const incoming = (type: string, payload: Record<string, unknown>, tenantId = LAGOS!.id, id = newEventId()): DomainEvent => ({
  id, type, tenantId, aggregateId: String(payload.shipmentId ?? payload.orderId), payload, occurredAt: new Date().toISOString(), source: type.startsWith('credit') ? 'finance' : 'logistics',
});

async function place(lines: { sku: string; quantity: number }[]) {
  const r = await call(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id number total { amount } } userErrors { code } } }`, {
    i: { customerId: customer.id, channel: 'PORTAL', locationId: location.id, lines },
  });
  expect(r.data.placeOrder.userErrors).toEqual([]);
  return r.data.placeOrder.order as { id: string; number: string; total: { amount: string } };
}

describe('commerce order life cycle over the event bus', () => {
  it('publishes order.placed and order.status_changed; credit.approved confirms with order.confirmed for logistics', async () => {
    const [a, b] = [variants[2]!, variants[7]!];
    const order = await place([{ sku: a.sku, quantity: 2 }, { sku: b.sku, quantity: 1 }]);
    await eventually(() => eventsOf(order.id).length >= 2);
    expect(eventsOf(order.id).map((e) => e.type)).toEqual(['order.placed', 'order.status_changed']);
    expect(eventsOf(order.id)[0]).toMatchObject({ source: 'commerce', tenantId: LAGOS!.id, payload: { orderId: order.id, total: { amount: order.total.amount, currencyCode: 'NGN' } } });

    const approved = incoming('credit.approved', { orderId: order.id, customerId: customer.id, invoiceId: 'inv_x' });
    await bus.publish([approved]);
    await eventually(async () => (await status(order.id)).status === 'CONFIRMED');
    await eventually(() => eventsOf(order.id).length >= 4);
    const confirmed = eventsOf(order.id).find((e) => e.type === 'order.confirmed')!;
    expect(confirmed.payload).toEqual({
      orderId: order.id, number: order.number, customerId: customer.id, customerName: customer.name, locationId: location.id,
      territoryId: customer.territoryId, destination: { lat: customer.lat, lng: customer.lng },
      total: { amount: order.total.amount, currencyCode: 'NGN' }, weightKg: a.weightKg * 2 + b.weightKg,
      // issue 15: the goods' volume where the catalogue knows it (litres → m³), null when it knows none
      volumeM3: a.volumeL == null && b.volumeL == null ? null : expect.closeTo(((a.volumeL ?? 0) * 2 + (b.volumeL ?? 0)) / 1000, 6),
      temperature: combinedRange([a, b].map((v) => LAGOS!.products.find((p) => p.variants.includes(v))!.temperature)),
    });
    expect(eventsOf(order.id).find((e) => e.type === 'order.status_changed' && (e.payload as any).status === 'CONFIRMED')!.payload).toMatchObject({ previousStatus: 'PENDING' });

    // redelivery of the same event (at-least-once bus) changes nothing
    await bus.publish([approved]);
    await new Promise((r) => setTimeout(r, 300));
    expect(eventsOf(order.id)).toHaveLength(4);
  });

  it('issue 15: a product made chilled makes its orders announce the range; bad ranges change nothing', async () => {
    const product = LAGOS!.products.find((p) => !p.temperature && p.variants.length > 0)!;
    const SET = `mutation($i: SetProductTemperatureRangeInput!) { setProductTemperatureRange(input: $i) { product { id temperatureRange { minC maxC } } userErrors { code field } } }`;
    for (const [range, field] of [[{ minC: 8, maxC: 2 }, 'range'], [{ minC: -90, maxC: 2 }, 'range']] as const) {
      const bad = await call(SET, { i: { productId: product.id, range } });
      expect(bad.data.setProductTemperatureRange).toEqual({ product: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', field] }] });
    }
    expect((await call(SET, { i: { productId: 'prd_nope', range: { minC: 2, maxC: 8 } } })).data.setProductTemperatureRange.userErrors[0].code).toBe('PRODUCT_NOT_FOUND');
    const sales = await callSubgraph({ url, name: 'commerce' }, SECRET, { ...ADMIN, roles: ['SALES_REP'] }, SET, { i: { productId: product.id, range: { minC: 2, maxC: 8 } } });
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const read = `query($id: ID!) { product(id: $id) { temperatureRange { minC maxC } } }`;
    expect((await call(read, { id: product.id })).data.product.temperatureRange).toBeNull();

    const ok = await call(SET, { i: { productId: product.id, range: { minC: 0, maxC: 6 } } });
    expect(ok.data.setProductTemperatureRange).toEqual({ product: { id: product.id, temperatureRange: { minC: 0, maxC: 6 } }, userErrors: [] });
    try {
      const order = await place([{ sku: product.variants[0]!.sku, quantity: 1 }]);
      await bus.publish([incoming('credit.approved', { orderId: order.id, customerId: customer.id, invoiceId: 'inv_y' })]);
      const confirmed = await eventually(() => eventsOf(order.id).find((e) => e.type === 'order.confirmed'));
      expect((confirmed.payload as { temperature: unknown }).temperature).toEqual({ minC: 0, maxC: 6 });
    } finally {
      await call(SET, { i: { productId: product.id, range: null } });
    }
    expect((await call(read, { id: product.id })).data.product.temperatureRange).toBeNull();
  });

  it('shipment.dispatched takes the stock out (on hand and reserved both drop); shipment.delivered delivers', async () => {
    const sku = variants[3]!.sku;
    const before = await atp(sku);
    const order = await place([{ sku, quantity: 5 }]);
    expect(await atp(sku)).toEqual({ onHand: before.onHand, reserved: before.reserved + 5, available: before.available - 5 });
    await bus.publish([incoming('credit.approved', { orderId: order.id, customerId: customer.id, invoiceId: 'inv_y' })]);
    await eventually(async () => (await status(order.id)).status === 'CONFIRMED');
    await bus.publish([incoming('shipment.dispatched', { shipmentId: 'shp_1', orderId: order.id, vehicleId: 'veh_1', riderId: 'wrk_1', at: new Date().toISOString() })]);
    await eventually(async () => (await status(order.id)).status === 'DISPATCHED');
    // the acknowledgement logistics waits for before it accepts the delivery (issue 14)
    const ack = await eventually(async () => eventsOf(order.id).find((e) => e.type === 'order.dispatched'));
    expect(ack.payload).toMatchObject({ orderId: order.id, shipmentId: 'shp_1' });
    expect(await atp(sku)).toEqual({ onHand: before.onHand - 5, reserved: before.reserved, available: before.available - 5 });
    await bus.publish([incoming('shipment.delivered', { shipmentId: 'shp_1', orderId: order.id, riderId: 'wrk_1', vehicleId: 'veh_1', deliveredAt: new Date().toISOString(), onTime: true, proof: { recipientName: 'x', lat: 1, lng: 1 } })]);
    await eventually(async () => (await status(order.id)).status === 'DELIVERED');
    await eventually(() => eventsOf(order.id).filter((e) => e.type === 'order.status_changed').length === 4);
    expect(eventsOf(order.id).filter((e) => e.type === 'order.status_changed').map((e) => (e.payload as any).status)).toEqual(['PENDING', 'CONFIRMED', 'DISPATCHED', 'DELIVERED']);
    expect(await atp(sku)).toEqual({ onHand: before.onHand - 5, reserved: before.reserved, available: before.available - 5 });
    // cancelling is refused once dispatched
    const c = await call(`mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { userErrors { code } } }`, { i: { orderId: order.id } });
    expect(c.data.cancelOrder.userErrors[0].code).toBe('ORDER_NOT_CANCELLABLE');
  });

  it('credit.rejected rejects with the reason and releases the stock; a seeded PENDING order is handled too', async () => {
    const sku = variants[4]!.sku;
    const before = await atp(sku);
    const order = await place([{ sku, quantity: 3 }]);
    await bus.publish([incoming('credit.rejected', { orderId: order.id, customerId: customer.id, reason: 'Credit limit exceeded', available: { amount: '0.00', currencyCode: 'NGN' }, required: { amount: order.total.amount, currencyCode: 'NGN' } })]);
    await eventually(async () => (await status(order.id)).status === 'REJECTED');
    expect(await status(order.id)).toEqual({ status: 'REJECTED', rejectionReason: 'Credit limit exceeded' });
    expect(await atp(sku)).toEqual(before);
    await eventually(() => eventsOf(order.id).some((e) => e.type === 'order.rejected'));
    expect(eventsOf(order.id).find((e) => e.type === 'order.rejected')!.payload).toEqual({ orderId: order.id, customerId: customer.id, reason: 'Credit limit exceeded' });

    const seeded = LAGOS!.orders.find((o) => o.status === 'PENDING')!;
    await bus.publish([incoming('credit.approved', { orderId: seeded.id, customerId: seeded.customerId, invoiceId: 'inv_z' })]);
    await eventually(async () => (await status(seeded.id)).status === 'CONFIRMED');
  });

  it('a dispatch heard after the cancellation is not acknowledged: no order.dispatched, the order stays CANCELLED (issue 14)', async () => {
    const order = await place([{ sku: variants[4]!.sku, quantity: 1 }]);
    await bus.publish([incoming('credit.approved', { orderId: order.id, customerId: customer.id, invoiceId: 'inv_z' })]);
    await eventually(async () => (await status(order.id)).status === 'CONFIRMED');
    const cancelled = await call(`mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } } }`, { i: { orderId: order.id, reason: 'race' } });
    expect(cancelled.data.cancelOrder.order.status).toBe('CANCELLED');
    await bus.publish([incoming('shipment.dispatched', { shipmentId: 'shp_3', orderId: order.id, vehicleId: 'veh_1', riderId: 'wrk_1', at: new Date().toISOString() })]);
    await eventually(() => eventsOf(order.id).some((e) => e.type === 'order.cancelled'));
    await new Promise((r) => setTimeout(r, 400));
    expect((await status(order.id)).status).toBe('CANCELLED');
    expect(eventsOf(order.id).map((e) => e.type)).not.toContain('order.dispatched');
  });

  it('ignores events of another tenant and events that no longer apply', async () => {
    const order = await place([{ sku: variants[5]!.sku, quantity: 1 }]);
    await bus.publish([incoming('credit.approved', { orderId: order.id, customerId: customer.id, invoiceId: 'inv_q' }, ACCRA!.id)]);
    await bus.publish([incoming('shipment.dispatched', { shipmentId: 'shp_2', orderId: order.id })]); // not confirmed yet
    await bus.publish([incoming('credit.approved', { orderId: 'ord_UNKNOWN', customerId: customer.id })]);
    await new Promise((r) => setTimeout(r, 400));
    expect((await status(order.id)).status).toBe('PENDING');
    const cancelled = await call(`mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } } }`, { i: { orderId: order.id, reason: 'test' } });
    expect(cancelled.data.cancelOrder.order.status).toBe('CANCELLED');
    await eventually(() => eventsOf(order.id).some((e) => e.type === 'order.cancelled'));
    expect(eventsOf(order.id).find((e) => e.type === 'order.cancelled')!.payload).toMatchObject({ orderId: order.id, customerId: customer.id, total: { amount: order.total.amount, currencyCode: 'NGN' } });
    await bus.publish([incoming('credit.approved', { orderId: order.id, customerId: customer.id })]); // too late: stays cancelled
    await new Promise((r) => setTimeout(r, 300));
    expect((await status(order.id)).status).toBe('CANCELLED');
    expect(await sg.prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
  });
});
