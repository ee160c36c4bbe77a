// Issue 19: the boundaries where commerce applies its rules, on PGlite (the Postgres side is concurrency.test.ts):
// exactly the available stock, one unit more; contract prices in another currency or of another customer; and the
// stock rows an order does not touch stay as they were when it is placed, cancelled or rejected.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { createEventBus, newEventId, type EventBus } from '@omniroute/events';
import { callSubgraph, eventually } from '@omniroute/testkit';
import { consumeReservedStock, releaseStock, reserveStock } from '../src/modules/inventory/stock.ts';
import { create } from '../src/server.ts';

const SECRET = 'commerce-issue-19-secret';
const [LAGOS, ACCRA] = demoPlan();
const ADMIN: Viewer = { tenantId: LAGOS!.id, userId: LAGOS!.users[0]!.id, roles: ['ADMIN'], scopes: [] };
const retailer = LAGOS!.customers.find((c) => c.type === 'RETAILER')!;
const otherRetailer = LAGOS!.customers.filter((c) => c.type === 'RETAILER')[1]!;
const location = LAGOS!.locations[0]!;
const variants = LAGOS!.products.flatMap((p) => p.variants);

let bus: EventBus;
let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  bus = createEventBus();
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
const PLACE = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status lines { pricingRule unitPrice { amount currencyCode } } } userErrors { code field } } }`;
const place = (sku: string, quantity: number, customerId = retailer.id) =>
  call(PLACE, { i: { customerId, channel: 'PORTAL', locationId: location.id, lines: [{ sku, quantity }], paymentTerms: 'CASH_ON_DELIVERY' } });
const QUOTE = `query($i: PriceQuoteInput!) { priceQuote(input: $i) { lines { variant { sku } pricingRule unitPrice { amount currencyCode } } } }`;
const quote = async (customerId: string, sku: string) => (await call(QUOTE, { i: { customerId, lines: [{ sku, quantity: 1 }] } })).data.priceQuote.lines[0];

/** Every stock row of every tenant: id → "onHand/reserved". */
async function stock(): Promise<Map<string, string>> {
  const rows = await sg.prisma.stockLevel.findMany();
  return new Map(rows.map((r) => [r.id, `${r.onHand}/${r.reserved}`]));
}
/** The rows that differ between two snapshots (id → [before, after]). */
function changed(before: Map<string, string>, after: Map<string, string>): Record<string, [string | undefined, string | undefined]> {
  expect(before.size).toBeGreaterThan(10);
  const out: Record<string, [string | undefined, string | undefined]> = {};
  for (const k of new Set([...before.keys(), ...after.keys()])) if (before.get(k) !== after.get(k)) out[k] = [before.get(k), after.get(k)];
  return out;
}
async function rowOf(variantId: string) {
  return sg.prisma.stockLevel.findFirstOrThrow({ where: { tenantId: LAGOS!.id, locationId: location.id, variantId } });
}

describe('exactly the available stock, on PGlite (issue 19)', () => {
  it('one more than available is refused; exactly available is reserved to zero; then one more is refused', async () => {
    const v = variants[11]!;
    const row = await rowOf(v.id);
    const available = row.onHand - row.reserved;
    expect(available).toBeGreaterThan(0);
    const before = await stock();

    const over = await place(v.sku, available + 1);
    expect(over.data.placeOrder).toMatchObject({ order: null, userErrors: [{ code: 'INSUFFICIENT_STOCK', field: ['input', 'lines'] }] });
    expect(changed(before, await stock())).toEqual({});

    const exact = await place(v.sku, available);
    expect(exact.data.placeOrder.userErrors).toEqual([]);
    expect(changed(before, await stock())).toEqual({ [row.id]: [`${row.onHand}/${row.reserved}`, `${row.onHand}/${row.onHand}`] });

    const more = await place(v.sku, 1);
    expect(more.data.placeOrder.userErrors).toMatchObject([{ code: 'INSUFFICIENT_STOCK' }]);

    // cancelling gives back exactly this order's units, on this row only
    const atZero = await stock();
    const c = await call(`mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } userErrors { code } } }`, { i: { orderId: exact.data.placeOrder.order.id } });
    expect(c.data.cancelOrder).toMatchObject({ order: { status: 'CANCELLED' }, userErrors: [] });
    expect(changed(atZero, await stock())).toEqual({ [row.id]: [`${row.onHand}/${row.onHand}`, `${row.onHand}/${row.reserved}`] });
  });

  it('a rejection by credit releases this order’s units and no other row’s', async () => {
    const v = variants[12]!;
    const row = await rowOf(v.id);
    const placed = await place(v.sku, 3);
    expect(placed.data.placeOrder.userErrors).toEqual([]);
    const orderId = placed.data.placeOrder.order.id;
    const held = await stock();
    expect(held.get(row.id)).toBe(`${row.onHand}/${row.reserved + 3}`);
    await bus.publish([{ id: newEventId(), type: 'credit.rejected', tenantId: LAGOS!.id, aggregateId: orderId, payload: { orderId, customerId: retailer.id, reason: 'INSUFFICIENT_CREDIT' }, occurredAt: new Date().toISOString(), source: 'finance' }]);
    await eventually(async () => (await sg.prisma.order.findUniqueOrThrow({ where: { id: orderId } })).status === 'REJECTED');
    expect(changed(held, await stock())).toEqual({ [row.id]: [`${row.onHand}/${row.reserved + 3}`, `${row.onHand}/${row.reserved}`] });
  });
});

describe('contract prices (issue 19)', () => {
  // Variants without a seeded contract for these customers, so the rows below decide alone.
  let foreign: (typeof variants)[number];
  let local: (typeof variants)[number];
  beforeAll(async () => {
    const contracted = new Set((await sg.prisma.contractPrice.findMany({ where: { customerId: { in: [retailer.id, otherRetailer.id] } } })).map((c) => c.variantId));
    const free = variants.filter((v) => !contracted.has(v.id));
    expect(free.length).toBeGreaterThan(40);
    [foreign, local] = [free[40]!, free[41]!];
    await sg.prisma.contractPrice.createMany({
      data: [
        { id: 'ctp_I19_GHS', tenantId: LAGOS!.id, customerId: retailer.id, variantId: foreign.id, unitPrice: '1.00', currency: 'GHS' },
        { id: 'ctp_I19_NGN', tenantId: LAGOS!.id, customerId: retailer.id, variantId: local.id, unitPrice: '1.00', currency: 'NGN' },
      ],
    });
  });

  it('a contract in the tenant’s currency applies (the control: the rows are seen)', async () => {
    expect(await quote(retailer.id, local.sku)).toMatchObject({ pricingRule: 'CONTRACT', unitPrice: { amount: '1.00', currencyCode: 'NGN' } });
  });

  it('a contract in another currency is left out, in quotes and in placed orders', async () => {
    const q = await quote(retailer.id, foreign.sku);
    expect(q.pricingRule).not.toBe('CONTRACT');
    expect(q.unitPrice.amount).not.toBe('1.00');
    const placed = await place(foreign.sku, 1);
    expect(placed.data.placeOrder.userErrors).toEqual([]);
    expect(placed.data.placeOrder.order.lines[0]).toMatchObject({ pricingRule: q.pricingRule, unitPrice: { amount: q.unitPrice.amount, currencyCode: 'NGN' } });
  });

  it('another customer’s contract does not apply', async () => {
    expect((await quote(otherRetailer.id, local.sku)).pricingRule).not.toBe('CONTRACT');
  });
});

describe('stock movements called directly, on PGlite (issue 19: stock.ts in the mutation run)', () => {
  const call = <T>(fn: (tx: Parameters<Parameters<typeof sg.prisma.$transaction>[0]>[0]) => Promise<T>) => sg.prisma.$transaction(fn);
  const level = (variantId: string) => rowOf(variantId).then((r) => ({ onHand: r.onHand, reserved: r.reserved }));

  it('reserve is all or nothing and sums repeated lines; release and consume sum them too, never go below zero, and consume writes its SALE movements', async () => {
    const [a, b] = [variants[15]!, variants[16]!];
    const [sa, sb] = [await level(a.id), await level(b.id)];
    const availableA = sa.onHand - sa.reserved;
    expect(availableA).toBeGreaterThan(3);
    expect(sb.onHand - sb.reserved).toBeGreaterThan(5);

    // one unit more than available, an unknown variant: both reported, and the caller's rollback undoes the rest
    const missing = await call(async (tx) => {
      const m = await reserveStock(tx, LAGOS!.id, location.id, [{ variantId: a.id, quantity: availableA + 1 }, { variantId: b.id, quantity: 1 }, { variantId: 'var_NOPE', quantity: 1 }]);
      throw Object.assign(new Error('rollback'), { m });
    }).catch((e: { m?: string[] }) => e.m);
    expect(missing?.sort()).toEqual([a.id, 'var_NOPE'].sort());
    expect(await level(b.id)).toEqual(sb);
    // two lines of a variant whose sum is one more than available: refused (they are summed, not taken one by one)
    expect(await call((tx) => reserveStock(tx, LAGOS!.id, location.id, [{ variantId: a.id, quantity: availableA }, { variantId: a.id, quantity: 1 }]))).toEqual([a.id]);
    expect(await level(a.id)).toEqual(sa);

    // exactly available, and 2 + 3 of b as two lines
    expect(await call((tx) => reserveStock(tx, LAGOS!.id, location.id, [{ variantId: a.id, quantity: availableA }, { variantId: b.id, quantity: 2 }, { variantId: b.id, quantity: 3 }]))).toEqual([]);
    expect(await level(a.id)).toEqual({ onHand: sa.onHand, reserved: sa.onHand });
    expect(await level(b.id)).toEqual({ onHand: sb.onHand, reserved: sb.reserved + 5 });
    // the same ids in another tenant or at another location never match
    expect(await call((tx) => reserveStock(tx, 'tnt_ACCRA', location.id, [{ variantId: b.id, quantity: 1 }]))).toEqual([b.id]);
    expect(await call((tx) => reserveStock(tx, LAGOS!.id, LAGOS!.locations[1]!.id, [{ variantId: 'var_NOPE', quantity: 1 }]))).toEqual(['var_NOPE']);

    // more than reserved: nothing moves; nothing asked: nothing moves
    expect(await call((tx) => releaseStock(tx, LAGOS!.id, location.id, [{ variantId: b.id, quantity: 5 }, { variantId: b.id, quantity: 1 }]))).toBe(0);
    expect(await call((tx) => consumeReservedStock(tx, LAGOS!.id, location.id, [{ variantId: b.id, quantity: 5 }, { variantId: b.id, quantity: 1 }]))).toBe(0);
    expect(await call((tx) => releaseStock(tx, LAGOS!.id, location.id, []))).toBe(0);
    expect(await call((tx) => consumeReservedStock(tx, LAGOS!.id, location.id, []))).toBe(0);
    expect(await call((tx) => releaseStock(tx, 'tnt_ACCRA', location.id, [{ variantId: b.id, quantity: 1 }]))).toBe(0);
    expect(await call((tx) => consumeReservedStock(tx, 'tnt_ACCRA', location.id, [{ variantId: b.id, quantity: 1 }]))).toBe(0);
    expect(await level(b.id)).toEqual({ onHand: sb.onHand, reserved: sb.reserved + 5 });

    // release 1 + 1 of b; consume 1 + 2 of b with a reference: on hand and reserved both down, one SALE movement of −3
    expect(await call((tx) => releaseStock(tx, LAGOS!.id, location.id, [{ variantId: b.id, quantity: 1 }, { variantId: b.id, quantity: 1 }]))).toBe(1);
    expect(await level(b.id)).toEqual({ onHand: sb.onHand, reserved: sb.reserved + 3 });
    const ref = { orderId: 'ord_I19_STOCK', reference: 'I19-STOCK' };
    expect(await call((tx) => consumeReservedStock(tx, LAGOS!.id, location.id, [{ variantId: b.id, quantity: 1 }, { variantId: b.id, quantity: 2 }], ref))).toBe(1);
    expect(await level(b.id)).toEqual({ onHand: sb.onHand - 3, reserved: sb.reserved });
    const sales = await sg.prisma.stockMovement.findMany({ where: { orderId: ref.orderId } });
    expect(sales.map((m) => ({ type: m.type, tenantId: m.tenantId, locationId: m.locationId, variantId: m.variantId, quantity: m.quantity, reference: m.reference })))
      .toEqual([{ type: 'SALE', tenantId: LAGOS!.id, locationId: location.id, variantId: b.id, quantity: -3, reference: 'I19-STOCK' }]);
    expect(sales[0]!.id).toMatch(/^smv_/);
    // without a reference the movement has none
    expect(await call((tx) => consumeReservedStock(tx, LAGOS!.id, location.id, [{ variantId: a.id, quantity: 1 }]))).toBe(1);
    const [last] = await sg.prisma.stockMovement.findMany({ where: { variantId: a.id, locationId: location.id, type: 'SALE' }, orderBy: { seq: 'desc' }, take: 1 });
    expect(last).toMatchObject({ quantity: -1, reference: null, orderId: null });
    expect(await level(a.id)).toEqual({ onHand: sa.onHand - 1, reserved: sa.onHand - 1 });
  });
});

describe('priceQuote: only the caller tenant’s rules, and precise refusals (found by the pricing.service mutation run)', () => {
  const Q = `query($i: PriceQuoteInput!) { priceQuote(input: $i) { customer { id } lines { variant { sku } pricingRule unitPrice { amount } } total { amount currencyCode } } }`;
  const sku = variants[0]!.sku;
  const ask = (customerId: string, lines: { sku: string; quantity: number }[], viewer: Viewer = ADMIN) =>
    callSubgraph({ url, name: 'commerce' }, SECRET, viewer, Q, { i: { customerId, lines } });

  it('another tenant’s price list and volume tier never apply', async () => {
    // the retailer's own price list set aside, so that one of another tenant for the same type would be the only one
    const own = await sg.prisma.priceList.findMany({ where: { tenantId: LAGOS!.id, customerType: 'RETAILER' } });
    const tiers = await sg.prisma.volumeTier.findMany({ where: { tenantId: LAGOS!.id, minQuantity: 1 } });
    expect(tiers).toEqual([]); // one unit gets no tier of Lagos: a tier at 1 could only come from elsewhere
    await sg.prisma.priceList.deleteMany({ where: { id: { in: own.map((p) => p.id) } } });
    try {
      const before = (await ask(retailer.id, [{ sku, quantity: 1 }])).data.priceQuote;
      expect(before.lines[0].pricingRule).toBe('BASE_PRICE');
      await sg.prisma.priceList.upsert({ where: { tenantId_customerType: { tenantId: ACCRA!.id, customerType: 'RETAILER' } }, create: { id: 'prl_I19_ACCRA', tenantId: ACCRA!.id, customerType: 'RETAILER', discountPercent: '60' }, update: { discountPercent: '60' } });
      await sg.prisma.volumeTier.create({ data: { id: 'vtr_I19_ACCRA', tenantId: ACCRA!.id, minQuantity: 1, discountPercent: '55' } });
      const after = (await ask(retailer.id, [{ sku, quantity: 1 }])).data.priceQuote;
      expect(after).toEqual(before);
    } finally {
      await sg.prisma.volumeTier.deleteMany({ where: { id: 'vtr_I19_ACCRA' } });
      await sg.prisma.priceList.deleteMany({ where: { id: 'prl_I19_ACCRA' } });
      for (const p of own) await sg.prisma.priceList.create({ data: p });
    }
  });

  it('a retailer quotes for its own customer only', async () => {
    const me: Viewer = { tenantId: LAGOS!.id, userId: 'usr_I19_RETAILER', roles: ['RETAILER'], scopes: [], customerId: retailer.id };
    expect((await ask(retailer.id, [{ sku, quantity: 1 }], me)).data.priceQuote.customer).toEqual({ id: retailer.id });
    const other = await ask(otherRetailer.id, [{ sku, quantity: 1 }], me);
    expect(other.errors).toBeUndefined();
    expect(other.data.priceQuote).toBeNull();
  });

  it('refuses a too long customer id, bad lines and unknown SKUs with the message and the field', async () => {
    const refusal = async (customerId: string, lines: { sku: string; quantity: number }[]) => {
      const r = await ask(customerId, lines);
      expect(r.errors).toHaveLength(1);
      return { message: r.errors[0].message, code: r.errors[0].extensions.code, field: r.errors[0].extensions.field };
    };
    expect(await refusal('c'.repeat(201), [{ sku, quantity: 1 }])).toEqual({ message: 'customerId is too long', code: 'BAD_USER_INPUT', field: ['input', 'customerId'] });
    // exactly the longest id: no such customer, no refusal
    const longest = await ask('c'.repeat(200), [{ sku, quantity: 1 }]);
    expect(longest.errors).toBeUndefined();
    expect(longest.data.priceQuote).toBeNull();
    expect(await refusal(retailer.id, [{ sku, quantity: 0 }, { sku: '', quantity: 1 }])).toEqual({
      message: 'Quantity must be a whole number from 1 to 100000; SKU must be 1 to 200 characters', code: 'BAD_USER_INPUT', field: ['input', 'lines', '0', 'quantity'],
    });
    expect(await refusal(retailer.id, [{ sku: 'NO-SUCH-1', quantity: 1 }, { sku, quantity: 1 }, { sku: 'NO-SUCH-2', quantity: 2 }])).toEqual({
      message: 'Unknown SKU: NO-SUCH-1, NO-SUCH-2', code: 'BAD_USER_INPUT', field: ['input', 'lines'],
    });
    // another tenant's SKU is unknown here
    const accraSku = ACCRA!.products.flatMap((p) => p.variants).map((v) => v.sku).find((s) => !variants.some((v) => v.sku === s))!;
    expect(accraSku).toBeDefined();
    expect(await refusal(retailer.id, [{ sku: accraSku, quantity: 1 }])).toEqual({ message: `Unknown SKU: ${accraSku}`, code: 'BAD_USER_INPUT', field: ['input', 'lines'] });
  });
});
