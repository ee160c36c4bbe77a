// Issue 19: orders.service.ts' life cycle rules beyond order-lifecycle.test.ts and events.test.ts — dispatch and
// delivery from each status (the stock taken out once, as SALE movements naming the order, and the exact
// order.status_changed / order.dispatched they announce), the events that change nothing (stale, duplicate, another
// tenant's, unknown orders or types, order ids that are not strings), order.confirmed's customer fields when the
// customer is not fully known, and an idempotency key replayed for an order without a request hash. In-memory PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlTransactionFor } from '@omniroute/db';
import { newEventId, type DomainEvent } from '@omniroute/events';
import type { Order, OrderStatus } from '../src/generated/prisma/client.ts';
import { handleLifecycleEvent } from '../src/modules/orders/orders.module.ts';
import type { RequestScope } from '../src/context.ts';
import { ACCRA, LAGOS, staff, startCommerce } from './helpers.ts';

const SECRET = 'commerce-order-lifecycle-rules-secret';
type Started = Awaited<ReturnType<typeof startCommerce>>;
let sg: Started['sg'];
let call: Started['call'];
let stop: Started['stop'] | undefined;

beforeAll(async () => void ({ sg, call, stop } = await startCommerce(SECRET)));
afterAll(() => stop?.());

const tenantId = LAGOS.id;
const ADMIN = staff(LAGOS, ['ADMIN']);
const located = LAGOS.customers.filter((c) => c.lat != null && c.lng != null && c.territoryId);
const customer = located[0]!;
const location = LAGOS.locations[1]!;
const variants = LAGOS.products.flatMap((p) => p.variants);
const [a, b] = [variants[6]!, variants[9]!];

const handle = (e: DomainEvent) => handleLifecycleEvent(sg.prisma, sg.services.orders, e);
const incoming = (type: string, payload: Record<string, unknown>, tenant = tenantId): DomainEvent => ({
  id: newEventId(), type, tenantId: tenant, aggregateId: String(payload.orderId), payload,
  occurredAt: new Date().toISOString(), source: type.startsWith('credit') ? 'finance' : 'logistics',
});

async function place(lines: { sku: string; quantity: number }[], customerId = customer.id): Promise<Order> {
  const r = await sg.services.orders.placeOrder({ viewer: ADMIN } as unknown as RequestScope, { customerId, channel: 'PORTAL', locationId: location.id, lines });
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}
/** A placed order taken to `status` (credit.approved, then the column for PACKED). */
async function orderIn(status: 'CONFIRMED' | 'PACKED', lines = [{ sku: a.sku, quantity: 2 }, { sku: b.sku, quantity: 3 }]): Promise<Order> {
  const order = await place(lines);
  expect(await handle(incoming('credit.approved', { orderId: order.id }))).toBe(true);
  if (status === 'PACKED') await sg.prisma.order.update({ where: { id: order.id }, data: { status: 'PACKED' } });
  return sg.prisma.order.findUniqueOrThrow({ where: { id: order.id } });
}
const orderRow = (id: string) => sg.prisma.order.findUniqueOrThrow({ where: { id } });
const outbox = (orderId: string) => sg.prisma.outboxEvent.findMany({ where: { aggregateId: orderId }, orderBy: { id: 'asc' }, select: { tenantId: true, type: true, payload: true } });
const movements = (orderId: string) =>
  sg.prisma.stockMovement.findMany({ where: { orderId }, orderBy: { variantId: 'asc' }, select: { tenantId: true, type: true, locationId: true, variantId: true, quantity: true, reference: true } });
/** onHand/reserved of a and b at the location. */
const stock = async () =>
  Object.fromEntries((await sg.prisma.stockLevel.findMany({ where: { tenantId, locationId: location.id, variantId: { in: [a.id, b.id] } } })).map((s) => [s.variantId, [s.onHand, s.reserved]]));
/** The SALE movements an order's lines (2 × a, 3 × b) leave. */
const sales = (order: Order) =>
  [{ variantId: a.id, quantity: -2 }, { variantId: b.id, quantity: -3 }]
    .map((m) => ({ tenantId, type: 'SALE', locationId: location.id, reference: order.number, ...m }))
    .sort((x, y) => x.variantId.localeCompare(y.variantId));
const statusChanged = (order: Order, previousStatus: OrderStatus, after: Order) => ({
  tenantId, type: 'order.status_changed', payload: { orderId: order.id, customerId: order.customerId, previousStatus, status: after.status, at: after.updatedAt.toISOString() },
});
/** Another order keeps units of a and b reserved, so a second take-out of an order's stock would find them. */
let holder: Order;

describe('dispatch and delivery (issue 19)', () => {
  beforeAll(async () => void (holder = await place([{ sku: a.sku, quantity: 5 }, { sku: b.sku, quantity: 5 }])));

  it('shipment.dispatched of a CONFIRMED order: DISPATCHED, the stock out once as SALE movements naming it, its two events; then delivered without a second take-out', async () => {
    const order = await orderIn('CONFIRMED');
    const stockBefore = await stock();
    const events = (await outbox(order.id)).length;
    expect(await handle(incoming('shipment.dispatched', { shipmentId: 'shp_rules_1', orderId: order.id, vehicleId: 'veh_1' }))).toBe(true);
    const dispatched = await orderRow(order.id);
    expect(dispatched).toEqual({ ...order, status: 'DISPATCHED', updatedAt: dispatched.updatedAt });
    expect(await stock()).toEqual({ [a.id]: [stockBefore[a.id]![0] - 2, stockBefore[a.id]![1] - 2], [b.id]: [stockBefore[b.id]![0] - 3, stockBefore[b.id]![1] - 3] });
    expect(await movements(order.id)).toEqual(sales(order));
    expect((await outbox(order.id)).slice(events)).toEqual([
      statusChanged(order, 'CONFIRMED', dispatched),
      { tenantId, type: 'order.dispatched', payload: { orderId: order.id, shipmentId: 'shp_rules_1', at: dispatched.updatedAt.toISOString() } },
    ]);

    // a second dispatch (another event, another shipment) changes nothing
    const afterDispatch = await stock();
    expect(await handle(incoming('shipment.dispatched', { shipmentId: 'shp_rules_2', orderId: order.id }))).toBe(false);
    expect(await orderRow(order.id)).toEqual(dispatched);
    expect(await stock()).toEqual(afterDispatch);
    expect((await outbox(order.id)).length).toBe(events + 2);

    // delivered: the stock left at the dispatch, it is not taken again (the holder's reservation would allow it)
    expect(await handle(incoming('shipment.delivered', { shipmentId: 'shp_rules_1', orderId: order.id }))).toBe(true);
    const delivered = await orderRow(order.id);
    expect(delivered).toEqual({ ...dispatched, status: 'DELIVERED', updatedAt: delivered.updatedAt });
    expect(await stock()).toEqual(afterDispatch);
    expect(await movements(order.id)).toEqual(sales(order));
    expect((await outbox(order.id)).slice(events + 2)).toEqual([statusChanged(order, 'DISPATCHED', delivered)]);
    // delivered twice, dispatched after delivery: nothing
    expect(await handle(incoming('shipment.delivered', { orderId: order.id }))).toBe(false);
    expect(await handle(incoming('shipment.dispatched', { shipmentId: 'shp_rules_1', orderId: order.id }))).toBe(false);
    expect(await orderRow(order.id)).toEqual(delivered);
    expect(await stock()).toEqual(afterDispatch);
    expect((await outbox(order.id)).length).toBe(events + 3);
  });

  it('a PACKED order is dispatched too; order.dispatched says shipmentId null when the event has none or not a string', async () => {
    for (const shipmentId of [undefined, 42]) {
      const order = await orderIn('PACKED');
      const stockBefore = await stock();
      const events = (await outbox(order.id)).length;
      expect(await handle(incoming('shipment.dispatched', { orderId: order.id, ...(shipmentId === undefined ? {} : { shipmentId }) }))).toBe(true);
      const dispatched = await orderRow(order.id);
      expect(dispatched.status).toBe('DISPATCHED');
      expect(await stock()).toEqual({ [a.id]: [stockBefore[a.id]![0] - 2, stockBefore[a.id]![1] - 2], [b.id]: [stockBefore[b.id]![0] - 3, stockBefore[b.id]![1] - 3] });
      expect(await movements(order.id)).toEqual(sales(order));
      expect((await outbox(order.id)).slice(events)).toEqual([
        statusChanged(order, 'PACKED', dispatched),
        { tenantId, type: 'order.dispatched', payload: { orderId: order.id, shipmentId: null, at: dispatched.updatedAt.toISOString() } },
      ]);
    }
  });

  it('shipment.delivered of a CONFIRMED or PACKED order (no dispatch heard): DELIVERED and the reserved stock taken out then', async () => {
    for (const status of ['CONFIRMED', 'PACKED'] as const) {
      const order = await orderIn(status);
      const stockBefore = await stock();
      const events = (await outbox(order.id)).length;
      expect(await handle(incoming('shipment.delivered', { shipmentId: 'shp_rules_3', orderId: order.id }))).toBe(true);
      const delivered = await orderRow(order.id);
      expect(delivered).toEqual({ ...order, status: 'DELIVERED', updatedAt: delivered.updatedAt });
      expect(await stock()).toEqual({ [a.id]: [stockBefore[a.id]![0] - 2, stockBefore[a.id]![1] - 2], [b.id]: [stockBefore[b.id]![0] - 3, stockBefore[b.id]![1] - 3] });
      expect(await movements(order.id)).toEqual(sales(order));
      expect((await outbox(order.id)).slice(events)).toEqual([statusChanged(order, status, delivered)]);
    }
  });

  it('dispatch and delivery change nothing for orders not in their statuses, of another tenant, unknown, or named by no string; nor do unknown event types', async () => {
    const pending = await place([{ sku: a.sku, quantity: 1 }]);
    const rejected = await place([{ sku: a.sku, quantity: 1 }]);
    expect(await handle(incoming('credit.rejected', { orderId: rejected.id, reason: 'no' }))).toBe(true);
    const cancelled = await orderIn('CONFIRMED', [{ sku: b.sku, quantity: 1 }]);
    expect((await sg.services.orders.cancelOrder({ viewer: ADMIN } as unknown as RequestScope, { orderId: cancelled.id, reason: 'test' })).ok).toBe(true);
    const confirmed = await orderIn('CONFIRMED', [{ sku: b.sku, quantity: 1 }]);
    const ids = [pending.id, rejected.id, cancelled.id, confirmed.id];
    const snapshot = async () => ({
      orders: await Promise.all(ids.map(orderRow)),
      outbox: await Promise.all(ids.map(outbox)),
      movements: await sg.prisma.stockMovement.count(),
      stock: await stock(),
    });
    const before = await snapshot();
    const events = [
      ...[pending, rejected, cancelled].flatMap((o) => ['shipment.dispatched', 'shipment.delivered'].map((t) => incoming(t, { shipmentId: 'shp_x', orderId: o.id }))),
      ...['shipment.dispatched', 'shipment.delivered'].flatMap((t) => [
        incoming(t, { orderId: confirmed.id }, ACCRA.id),
        incoming(t, { orderId: 'ord_UNKNOWN' }),
        incoming(t, { orderId: 7 }),
        incoming(t, { orderId: [confirmed.id] }),
        incoming(t, { shipmentId: 'shp_x' }),
      ]),
      incoming('shipment.returned', { orderId: confirmed.id }),
      incoming('order.placed', { orderId: confirmed.id }),
    ];
    for (const e of events) expect(await handle(e), `${e.type} ${JSON.stringify(e.payload)} of ${e.tenantId}`).toBe(false);
    expect(await snapshot()).toEqual(before);
  });
});

describe('credit decisions on the driver path (issue 19)', () => {
  const applySql = (e: DomainEvent) => sqlTransactionFor(sg.prisma)((sql, last) => sg.services.orders.applyEventSql(sql, e, last));

  it('an event type it does not know, or an order id that is not a string, changes nothing', async () => {
    const order = await place([{ sku: a.sku, quantity: 1 }]);
    const before = { order: await orderRow(order.id), outbox: await outbox(order.id), stock: await stock() };
    for (const e of [
      incoming('credit.unknown', { orderId: order.id }),
      incoming('shipment.dispatched', { orderId: order.id }),
      incoming('credit.approved', { orderId: [order.id] }),
      incoming('credit.rejected', { orderId: [order.id], reason: 'no' }),
      incoming('shipment.created', { orderId: [order.id] }),
    ]) {
      expect(await applySql(e), `${e.type} ${JSON.stringify(e.payload)}`).toBe(false);
    }
    expect({ order: await orderRow(order.id), outbox: await outbox(order.id), stock: await stock() }).toEqual(before);
  });

  it("order.confirmed gives a destination only when both lat and lng are known, and nulls the customer's fields when it is not in the tenant", async () => {
    const c = located[1] ?? customer;
    const confirmedOf = async (orderId: string) => (await outbox(orderId)).find((e) => e.type === 'order.confirmed')!.payload as Record<string, unknown>;
    const confirm = async () => {
      const order = await place([{ sku: a.sku, quantity: 1 }], c.id);
      expect(await handle(incoming('credit.approved', { orderId: order.id }))).toBe(true);
      return confirmedOf(order.id);
    };
    try {
      await sg.prisma.customer.update({ where: { id: c.id }, data: { lat: null } });
      expect(await confirm()).toMatchObject({ customerName: c.name, territoryId: c.territoryId, destination: null });
      await sg.prisma.customer.update({ where: { id: c.id }, data: { lat: c.lat, lng: null } });
      expect(await confirm()).toMatchObject({ customerName: c.name, territoryId: c.territoryId, destination: null });
      await sg.prisma.customer.update({ where: { id: c.id }, data: { lng: c.lng } });
      expect(await confirm()).toMatchObject({ customerName: c.name, territoryId: c.territoryId, destination: { lat: c.lat, lng: c.lng } });
      // an order whose customer row is not (or no longer) the tenant's: confirmed all the same, without its details
      const order = await place([{ sku: a.sku, quantity: 1 }], c.id);
      await sg.prisma.customer.update({ where: { id: c.id }, data: { tenantId: ACCRA.id } });
      expect(await handle(incoming('credit.approved', { orderId: order.id }))).toBe(true);
      expect(await confirmedOf(order.id)).toMatchObject({ orderId: order.id, customerId: c.id, customerName: null, territoryId: null, destination: null });
    } finally {
      await sg.prisma.customer.update({ where: { id: c.id }, data: { tenantId, lat: c.lat, lng: c.lng } });
    }
  });
});

describe('an idempotency key replayed (issue 19)', () => {
  const PLACE = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } userErrors { code message field } } }`;

  it('an order recorded without a request hash is returned for any request with its key; a hash that differs is refused', async () => {
    const i = { customerId: customer.id, channel: 'PORTAL', locationId: location.id, lines: [{ sku: a.sku, quantity: 1 }], idempotencyKey: 'rules-replay' };
    const first = await call(ADMIN, PLACE, { i });
    const id = first.data.placeOrder.order.id as string;
    const other = { i: { ...i, lines: [{ sku: a.sku, quantity: 2 }] } };
    expect((await call(ADMIN, PLACE, other)).data.placeOrder).toEqual({
      order: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', message: 'This idempotency key was used for a different order', field: ['input', 'idempotencyKey'] }],
    });
    await sg.prisma.order.update({ where: { id }, data: { requestHash: null } });
    expect((await call(ADMIN, PLACE, other)).data.placeOrder).toEqual({ order: { id }, userErrors: [] });
  });
});
