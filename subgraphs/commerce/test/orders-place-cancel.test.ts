// Issue 19: placeOrder and cancelOrder (orders.service.ts, found by its mutation run) rule by rule, over GraphQL on
// PGlite: who may order and cancel for whom, each refusal's code, message and field, the defaults, the order number,
// the outbox events' exact payloads, idempotent replays (also concurrent ones) and the relay woken after each commit
// (its poll is set to ten minutes here, so only the wake-up publishes).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { eventually } from '@omniroute/testkit';
import type { RequestScope } from '../src/context.ts';
import { ACCRA, LAGOS, retailerOf, staff, startCommerce } from './helpers.ts';

const SECRET = 'commerce-place-cancel-secret';
type Started = Awaited<ReturnType<typeof startCommerce>>;
let sg: Started['sg'];
let call: Started['call'];
let stop: Started['stop'] | undefined;

beforeAll(async () => void ({ sg, call, stop } = await startCommerce(SECRET, { relayIntervalMs: 600_000 })));
afterAll(() => stop?.());

const ADMIN = staff(LAGOS, ['ADMIN']);
const OPS = staff(LAGOS, ['OPERATIONS']);
const rep = LAGOS.repTerritories[0]!;
const REP: Viewer = { ...staff(LAGOS, ['SALES_REP']), userId: rep.userId };
const mine = LAGOS.customers.find((c) => c.type === 'RETAILER' && rep.territoryIds.includes(c.territoryId))!;
const stranger = LAGOS.customers.find((c) => c.type === 'RETAILER' && !rep.territoryIds.includes(c.territoryId))!;
const RETAILER = retailerOf(LAGOS, mine.id);
const key = (partnerId: string): Viewer => ({ tenantId: LAGOS.id, partnerId, roles: ['PARTNER'], scopes: ['orders:write'] });
const warehouse = LAGOS.locations[0]!;
const van = LAGOS.locations.find((l) => l.kind === 'VAN')!;
const variants = LAGOS.products.flatMap((p) => p.variants);

const PLACE = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { id number status paymentTerms placedAt customer { id } total { amount currencyCode } lines { quantity variant { sku } total { amount } } }
  userErrors { code message field } } }`;
const CANCEL = `mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { id status cancellationReason } userErrors { code message field } } }`;
const place = (viewer: Viewer, patch: Record<string, unknown> = {}) =>
  call(viewer, PLACE, { i: { customerId: mine.id, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku: variants[0]!.sku, quantity: 1 }], ...patch } });
const cancel = (viewer: Viewer, i: Record<string, unknown>) => call(viewer, CANCEL, { i });
/** A placed order's id (the call must succeed). */
async function placed(viewer: Viewer, patch: Record<string, unknown> = {}): Promise<string> {
  const r = await place(viewer, patch);
  expect(r.data?.placeOrder?.userErrors, JSON.stringify(r.errors ?? r.data)).toEqual([]);
  return r.data.placeOrder.order.id;
}
/** A GraphQL error's code and message (FORBIDDEN refusals are errors, not userErrors). */
const refusal = (r: { errors?: { message: string; extensions?: { code?: string } }[] }) => ({ code: r.errors?.[0]?.extensions?.code, message: r.errors?.[0]?.message });
const orderCount = () => sg.prisma.order.count({ where: { tenantId: LAGOS.id } });
const level = (locationId: string, variantId: string) => sg.prisma.stockLevel.findFirstOrThrow({ where: { tenantId: LAGOS.id, locationId, variantId } });
const eventsOf = (aggregateId: string) => sg.prisma.outboxEvent.findMany({ where: { aggregateId }, orderBy: { id: 'asc' } });
/** The relay publishes these events soon: woken by the commit, not by its ten-minute poll. */
const published = (ids: string[]) =>
  eventually(async () => (await sg.prisma.outboxEvent.findMany({ where: { id: { in: ids } } })).every((e) => e.publishedAt !== null), { timeoutMs: 3_000, intervalMs: 50 });

/** Variants with at least `min` units available at the location, in id order (each test takes its own). */
async function inStock(locationId: string, min: number) {
  const rows = await sg.prisma.stockLevel.findMany({ where: { tenantId: LAGOS.id, locationId }, orderBy: { variantId: 'asc' } });
  return rows.filter((r) => r.onHand - r.reserved >= min).map((r) => ({ ...variants.find((v) => v.id === r.variantId)!, available: r.onHand - r.reserved }));
}

describe('placeOrder (issue 19)', () => {
  it('a retailer orders for its own customer only, a sales rep for customers of their territories; staff without a rule and API keys for any', async () => {
    const before = await orderCount();
    expect(refusal(await place(RETAILER, { customerId: stranger.id }))).toEqual({ code: 'FORBIDDEN', message: 'Retailers order only for their own customer' });
    expect(refusal(await place(REP, { customerId: stranger.id }))).toEqual({ code: 'FORBIDDEN', message: 'Sales reps act only for customers in their territories' });
    expect(await orderCount()).toBe(before);
    // an unknown customer passes the territory rule and is answered as such
    expect((await place(REP, { customerId: 'cus_NOPE' })).data.placeOrder.userErrors).toEqual([{ code: 'CUSTOMER_NOT_FOUND', message: 'No such customer', field: ['input', 'customerId'] }]);

    const byRetailer = await placed(RETAILER);
    const byRep = await placed(REP);
    const byOps = await placed(OPS, { customerId: stranger.id });
    const byAdmin = await placed(ADMIN, { customerId: stranger.id });
    const byKey = await placed(key('app_PO_A'), { customerId: stranger.id });
    const rows = await sg.prisma.order.findMany({ where: { id: { in: [byRetailer, byRep, byOps, byAdmin, byKey] } } });
    const who = new Map(rows.map((o) => [o.id, [o.customerId, o.placedByUserId, o.placedByPartnerId]]));
    expect([byRetailer, byRep, byOps, byAdmin, byKey].map((id) => who.get(id))).toEqual([
      [mine.id, RETAILER.userId, null],
      [mine.id, REP.userId, null],
      [stranger.id, OPS.userId, null],
      [stranger.id, ADMIN.userId, null],
      [stranger.id, null, 'app_PO_A'],
    ]);
  });

  it('a customerId that is not a string is invalid input, never a territory lookup (the service called directly)', async () => {
    // a rep with no territories: a territory check of any customer would refuse
    const lost: Viewer = { ...REP, userId: 'usr_PO_NO_TERRITORY' };
    const r = await sg.services.orders.placeOrder({ viewer: lost } as unknown as RequestScope, { customerId: undefined as never, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku: variants[0]!.sku, quantity: 1 }] });
    expect(r).toEqual({ ok: false, errors: [{ code: 'INVALID_INPUT', message: 'customerId must be 1 to 200 characters', field: ['input', 'customerId'] }] });
  });

  it('a tenant without commerce settings is an error that names it, not a crash elsewhere', async () => {
    const nowhere: Viewer = { tenantId: 'tnt_PO_NOWHERE', userId: 'usr_PO', roles: ['ADMIN'], scopes: [] };
    await expect(sg.services.orders.placeOrder({ viewer: nowhere } as unknown as RequestScope, { customerId: mine.id, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku: variants[0]!.sku, quantity: 1 }] }))
      .rejects.toThrow(/^commerce settings missing for tenant tnt_PO_NOWHERE$/);
  });

  it('refuses invalid input, an unknown customer, location and SKUs with code, message and field (the index of the line as sent), and writes nothing', async () => {
    const before = await orderCount();
    const sku = variants[1]!.sku;
    const long = `NO-SUCH-${'Z'.repeat(100)}`;
    const all = await place(ADMIN, {
      customerId: 'cus_NOPE', locationId: ACCRA.locations[0]!.id,
      lines: [{ sku, quantity: 1 }, { sku, quantity: 2 }, { sku: 'NO-SUCH-1', quantity: 1 }, { sku: long, quantity: 1 }],
    });
    expect(all.data.placeOrder).toEqual({
      order: null,
      userErrors: [
        { code: 'CUSTOMER_NOT_FOUND', message: 'No such customer', field: ['input', 'customerId'] },
        { code: 'LOCATION_NOT_FOUND', message: 'No such location', field: ['input', 'locationId'] },
        { code: 'UNKNOWN_SKU', message: 'Unknown SKU NO-SUCH-1', field: ['input', 'lines', '2', 'sku'] },
        { code: 'UNKNOWN_SKU', message: `Unknown SKU ${long.slice(0, 50)}`, field: ['input', 'lines', '3', 'sku'] },
      ],
    });
    // alone, each is the only error
    expect((await place(ADMIN, { customerId: 'cus_NOPE' })).data.placeOrder).toEqual({ order: null, userErrors: [{ code: 'CUSTOMER_NOT_FOUND', message: 'No such customer', field: ['input', 'customerId'] }] });
    expect((await place(ADMIN, { locationId: ACCRA.locations[0]!.id })).data.placeOrder).toEqual({ order: null, userErrors: [{ code: 'LOCATION_NOT_FOUND', message: 'No such location', field: ['input', 'locationId'] }] });
    const accraSku = ACCRA.products.flatMap((p) => p.variants).map((v) => v.sku).find((s) => !variants.some((v) => v.sku === s))!;
    expect((await place(ADMIN, { lines: [{ sku, quantity: 1 }, { sku: accraSku, quantity: 1 }] })).data.placeOrder).toEqual({
      order: null, userErrors: [{ code: 'UNKNOWN_SKU', message: `Unknown SKU ${accraSku}`, field: ['input', 'lines', '1', 'sku'] }],
    });
    expect((await place(ADMIN, { lines: [{ sku, quantity: 0 }] })).data.placeOrder).toEqual({
      order: null, userErrors: [{ code: 'INVALID_QUANTITY', message: 'Quantity must be a whole number from 1 to 100000', field: ['input', 'lines', '0', 'quantity'] }],
    });
    expect(await orderCount()).toBe(before);
  });

  it('payment terms: NET_14 for a customer on credit, CASH_ON_DELIVERY for one without; terms given are kept', async () => {
    const cash = LAGOS.customers.find((c) => c.type === 'RETAILER' && c.id !== mine.id && c.id !== stranger.id)!;
    await sg.prisma.customer.update({ where: { id: cash.id }, data: { onCredit: false } });
    const terms = async (customerId: string, paymentTerms?: string) => {
      const r = await place(ADMIN, { customerId, ...(paymentTerms ? { paymentTerms } : {}) });
      expect(r.data.placeOrder.userErrors).toEqual([]);
      return r.data.placeOrder.order.paymentTerms;
    };
    expect([await terms(mine.id), await terms(cash.id), await terms(mine.id, 'PREPAID'), await terms(cash.id, 'NET_30')]).toEqual(['NET_14', 'CASH_ON_DELIVERY', 'PREPAID', 'NET_30']);
  });

  it('records the order: number <prefix>-<20000 + seq>, its ids, its totals, and order.placed + order.status_changed exactly; the relay is woken', async () => {
    const [a, b] = await inStock(warehouse.id, 50);
    const r = await place(ADMIN, { customerId: stranger.id, channel: 'WHATSAPP', lines: [{ sku: a!.sku, quantity: 3 }, { sku: b!.sku, quantity: 2 }, { sku: a!.sku, quantity: 1 }] });
    expect(r.data.placeOrder.userErrors).toEqual([]);
    const order = r.data.placeOrder.order;
    const row = await sg.prisma.order.findUniqueOrThrow({ where: { id: order.id } });
    expect(order.id).toMatch(/^ord_/);
    expect(order.number).toBe(`LAG-${20000 + row.seq}`);
    expect(order).toMatchObject({ status: 'PENDING', paymentTerms: 'NET_14', customer: { id: stranger.id }, total: { currencyCode: 'NGN' } });
    expect(order.lines.map((l: { quantity: number; variant: { sku: string } }) => [l.variant.sku, l.quantity])).toEqual([[a!.sku, 4], [b!.sku, 2]]);
    expect((await sg.prisma.orderLine.findMany({ where: { orderId: order.id } })).map((l) => l.id.slice(0, 4))).toEqual(['oln_', 'oln_']);
    const sum = order.lines.reduce((s: number, l: { total: { amount: string } }) => s + Number(l.total.amount), 0);
    expect(order.total.amount).toBe(sum.toFixed(2));
    expect(Number(order.total.amount)).toBeGreaterThan(0);
    const at = row.placedAt.toISOString();
    expect(new Date(order.placedAt).toISOString()).toBe(at);
    expect(Math.abs(row.placedAt.getTime() - Date.now())).toBeLessThan(60_000);

    const events = await eventsOf(order.id);
    expect(events.map((e) => ({ type: e.type, tenantId: e.tenantId, payload: e.payload }))).toEqual([
      {
        type: 'order.placed', tenantId: LAGOS.id,
        payload: { orderId: order.id, number: order.number, customerId: stranger.id, paymentTerms: 'NET_14', total: { amount: order.total.amount, currencyCode: 'NGN' }, lines: [{ sku: a!.sku, quantity: 4 }, { sku: b!.sku, quantity: 2 }], placedAt: at },
      },
      { type: 'order.status_changed', tenantId: LAGOS.id, payload: { orderId: order.id, customerId: stranger.id, previousStatus: null, status: 'PENDING', at } },
    ]);
    await published(events.map((e) => e.id));
  });

  it('INSUFFICIENT_STOCK names the location and the short SKUs only, in the order sent, and reserves nothing', async () => {
    const [a, b, c] = await inStock(van.id, 1);
    expect(c).toBeDefined();
    const before = await Promise.all([a!, b!, c!].map((v) => level(van.id, v.id)));
    const r = await place(ADMIN, { locationId: van.id, lines: [{ sku: c!.sku, quantity: c!.available + 1 }, { sku: b!.sku, quantity: 1 }, { sku: a!.sku, quantity: a!.available + 1 }] });
    expect(r.data.placeOrder).toEqual({ order: null, userErrors: [{ code: 'INSUFFICIENT_STOCK', message: `Not enough stock at ${van.name} for: ${c!.sku}, ${a!.sku}`, field: ['input', 'lines'] }] });
    expect(await Promise.all([a!, b!, c!].map((v) => level(van.id, v.id)))).toEqual(before);
  });

  it('idempotency: a replay gets the first order even when its stock is gone; another request with the key is refused', async () => {
    const [, , , v] = await inStock(warehouse.id, 2);
    const i = { lines: [{ sku: v!.sku, quantity: v!.available }], idempotencyKey: 'po-replay' };
    const first = await placed(ADMIN, i);
    expect((await level(warehouse.id, v!.id)).reserved).toBe((await level(warehouse.id, v!.id)).onHand); // nothing left
    const count = await orderCount();
    const again = await place(ADMIN, i);
    expect(again.data.placeOrder.userErrors).toEqual([]);
    expect(again.data.placeOrder.order.id).toBe(first);
    const other = await place(ADMIN, { ...i, lines: [{ sku: v!.sku, quantity: 1 }] });
    expect(other.data.placeOrder).toEqual({ order: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', message: 'This idempotency key was used for a different order', field: ['input', 'idempotencyKey'] }] });
    expect(await orderCount()).toBe(count);
  });

  it('requests racing with one new key: one order, which every identical one gets; a different one is refused (the unique index decides)', async () => {
    // Called in one tick, every call reads "no order with this key yet" before the first writes, so all but one
    // meet the unique index on insert (through HTTP the requests would mostly arrive one after the other).
    const [, , , , , v] = await inStock(warehouse.id, 20);
    const scope = { viewer: ADMIN } as unknown as RequestScope;
    const i = { customerId: mine.id, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku: v!.sku, quantity: 2 }], idempotencyKey: 'po-race' };
    const results = await Promise.all([i, i, { ...i, lines: [{ sku: v!.sku, quantity: 3 }] }].map((x) => sg.services.orders.placeOrder(scope, x)));
    const rows = await sg.prisma.order.findMany({ where: { tenantId: LAGOS.id, idempotencyKey: 'po-race' } });
    expect(rows.map((o) => o.id)).toEqual([(results[0] as { value: { id: string } }).value?.id]);
    expect(results.map((r) => (r.ok ? r.value.id : r.errors))).toEqual([
      rows[0]!.id,
      rows[0]!.id,
      [{ code: 'IDEMPOTENCY_KEY_REUSED', message: 'This idempotency key was used for a different order', field: ['input', 'idempotencyKey'] }],
    ]);
  });
});

describe('cancelOrder (issue 19)', () => {
  it('refuses an orderId over 200 characters and a reason over 500 once trimmed, with code, message and field', async () => {
    expect((await cancel(ADMIN, { orderId: 'o'.repeat(201) })).data.cancelOrder).toEqual({ order: null, userErrors: [{ code: 'INVALID_INPUT', message: 'orderId is too long', field: ['input', 'orderId'] }] });
    expect((await cancel(ADMIN, { orderId: 'o'.repeat(200) })).data.cancelOrder).toEqual({ order: null, userErrors: [{ code: 'ORDER_NOT_FOUND', message: 'No such order', field: ['input', 'orderId'] }] });
    const direct = await sg.services.orders.cancelOrder({ viewer: ADMIN } as unknown as RequestScope, { orderId: undefined as never });
    expect(direct).toEqual({ ok: false, errors: [{ code: 'INVALID_INPUT', message: 'orderId is too long', field: ['input', 'orderId'] }] });

    const id = await placed(ADMIN);
    expect((await cancel(ADMIN, { orderId: id, reason: 'r'.repeat(501) })).data.cancelOrder).toEqual({
      order: null, userErrors: [{ code: 'INVALID_INPUT', message: 'reason is at most 500 characters', field: ['input', 'reason'] }],
    });
    expect((await cancel(ADMIN, { orderId: id, reason: ` ${'r'.repeat(500)}\n ` })).data.cancelOrder).toEqual({ order: { id, status: 'CANCELLED', cancellationReason: 'r'.repeat(500) }, userErrors: [] });
  });

  it('stores the reason trimmed; a blank or absent reason is null, in the order and in order.cancelled', async () => {
    const ids = [await placed(ADMIN), await placed(ADMIN), await placed(ADMIN)];
    const out = [
      await cancel(ADMIN, { orderId: ids[0], reason: '  Customer changed their mind \t' }),
      await cancel(ADMIN, { orderId: ids[1], reason: ' \n ' }),
      await cancel(ADMIN, { orderId: ids[2] }),
    ].map((r) => r.data.cancelOrder);
    expect(out).toEqual([
      { order: { id: ids[0], status: 'CANCELLED', cancellationReason: 'Customer changed their mind' }, userErrors: [] },
      { order: { id: ids[1], status: 'CANCELLED', cancellationReason: null }, userErrors: [] },
      { order: { id: ids[2], status: 'CANCELLED', cancellationReason: null }, userErrors: [] },
    ]);
    const reasons = await Promise.all(ids.map(async (id) => ((await eventsOf(id)).find((e) => e.type === 'order.cancelled')!.payload as { reason: unknown }).reason));
    expect(reasons).toEqual(['Customer changed their mind', null, null]);
  });

  it('a retailer cancels its customer’s orders only, a sales rep those of their territories, a key those its app placed; another tenant’s order is not found', async () => {
    const forbidden = (message: string) => ({ code: 'FORBIDDEN', message });
    const notFound = { order: null, userErrors: [{ code: 'ORDER_NOT_FOUND', message: 'No such order', field: ['input', 'orderId'] }] };
    const ofStranger = await placed(ADMIN, { customerId: stranger.id });
    const accraOrder = ACCRA.orders.find((o) => o.status === 'PENDING')!.id;

    expect(refusal(await cancel(RETAILER, { orderId: ofStranger }))).toEqual(forbidden("Retailers cancel only their own customer's orders"));
    expect(refusal(await cancel(REP, { orderId: ofStranger }))).toEqual(forbidden('Sales reps act only for customers in their territories'));
    expect(refusal(await cancel(key('app_PO_A'), { orderId: ofStranger }))).toEqual(forbidden('API keys cancel only orders their partner app placed'));
    for (const v of [RETAILER, REP, key('app_PO_A'), ADMIN]) {
      expect((await cancel(v, { orderId: 'ord_PO_NOPE' })).data.cancelOrder).toEqual(notFound);
      expect((await cancel(v, { orderId: accraOrder })).data.cancelOrder).toEqual(notFound);
    }
    expect((await sg.prisma.order.findUniqueOrThrow({ where: { id: ofStranger } })).status).toBe('PENDING');
    expect((await sg.prisma.order.findUniqueOrThrow({ where: { id: accraOrder } })).status).toBe('PENDING');

    const ofApp = await placed(key('app_PO_A'), { customerId: stranger.id });
    expect(refusal(await cancel(key('app_PO_B'), { orderId: ofApp }))).toEqual(forbidden('API keys cancel only orders their partner app placed'));
    const cancelled = (r: { data: { cancelOrder: { order: { status: string } | null } } }) => r.data.cancelOrder.order?.status;
    expect([
      cancelled(await cancel(key('app_PO_A'), { orderId: ofApp })),
      cancelled(await cancel(RETAILER, { orderId: await placed(ADMIN, { customerId: mine.id }) })),
      cancelled(await cancel(REP, { orderId: await placed(ADMIN, { customerId: mine.id }) })),
      cancelled(await cancel(OPS, { orderId: ofStranger })),
    ]).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED', 'CANCELLED']);
  });

  it('refuses an order past PACKED naming its status; a PACKED order is cancelled, its stock released, order.cancelled and order.status_changed written exactly, the relay woken', async () => {
    for (const status of ['DISPATCHED', 'DELIVERED', 'REJECTED'] as const) {
      const o = LAGOS.orders.find((x) => x.status === status)!;
      expect((await cancel(ADMIN, { orderId: o.id })).data.cancelOrder).toEqual({
        order: null, userErrors: [{ code: 'ORDER_NOT_CANCELLABLE', message: `An order that is ${status} can no longer be cancelled`, field: ['input', 'orderId'] }],
      });
    }
    const packed = LAGOS.orders.find((x) => x.status === 'PACKED')!;
    const lines = await sg.prisma.orderLine.findMany({ where: { orderId: packed.id } });
    const held = await Promise.all(lines.map((l) => level(packed.locationId, l.variantId)));
    const total = (await call(ADMIN, 'query($id: ID!) { order(id: $id) { total { amount currencyCode } } }', { id: packed.id })).data.order.total;

    const r = await cancel(ADMIN, { orderId: packed.id, reason: 'Out of budget' });
    expect(r.data.cancelOrder).toEqual({ order: { id: packed.id, status: 'CANCELLED', cancellationReason: 'Out of budget' }, userErrors: [] });
    const released = await Promise.all(lines.map((l) => level(packed.locationId, l.variantId)));
    expect(released.map((s) => s.reserved)).toEqual(held.map((s, n) => s.reserved - lines[n]!.quantity));
    expect(released.map((s) => s.onHand)).toEqual(held.map((s) => s.onHand));

    const after = await sg.prisma.order.findUniqueOrThrow({ where: { id: packed.id } });
    const events = await eventsOf(packed.id);
    expect(events.map((e) => ({ type: e.type, tenantId: e.tenantId, payload: e.payload }))).toEqual([
      { type: 'order.cancelled', tenantId: LAGOS.id, payload: { orderId: packed.id, customerId: packed.customerId, total, reason: 'Out of budget' } },
      { type: 'order.status_changed', tenantId: LAGOS.id, payload: { orderId: packed.id, customerId: packed.customerId, previousStatus: 'PACKED', status: 'CANCELLED', at: after.updatedAt.toISOString() } },
    ]);
    await published(events.map((e) => e.id));
  });
});
