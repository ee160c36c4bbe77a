// Issue 19: reading orders (orders.service.ts `order` and `orders`): every filter, the cursor (also between orders
// placed in the same millisecond), the exact pageInfo, bad cursors and oversized filters, and the object rules —
// a retailer reads only its customer's orders, a sales rep only those of their territories' customers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { nodes } from '@omniroute/testkit';
import type { Prisma } from '../src/generated/prisma/client.ts';
import { MAX_STRING } from '../src/modules/orders/order-input.ts';
import { ACCRA, LAGOS, retailerOf, staff, startCommerce } from './helpers.ts';

let c: Awaited<ReturnType<typeof startCommerce>>;
beforeAll(async () => {
  c = await startCommerce('commerce-orders-queries-secret');
});
afterAll(async () => {
  await c?.stop();
});

const OPS = staff(ACCRA, ['OPERATIONS']);
const REP_TERRITORIES = ACCRA.repTerritories[0]!;
const REP: Viewer = { ...staff(ACCRA, ['SALES_REP']), userId: REP_TERRITORIES.userId };
const inTerritory = ACCRA.customers.filter((x) => REP_TERRITORIES.territoryIds.includes(x.territoryId!));
const outside = ACCRA.customers.filter((x) => !REP_TERRITORIES.territoryIds.includes(x.territoryId!));
/** A customer with at least one seeded order. */
const withOrders = (list: typeof ACCRA.customers) => list.find((x) => ACCRA.orders.some((o) => o.customerId === x.id))!;

const ORDERS = `query($n: Int, $a: String, $f: OrderFilter) { orders(first: $n, after: $a, filter: $f) {
  edges { cursor node { id status channel placedAt customer { id } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`;
const ORDER = `query($id: ID!) { order(id: $id) { id customer { id } } }`;
const list = async (viewer: Viewer, vars: { n?: number; a?: string | null; f?: Record<string, unknown> }) => {
  const r = await c.call(viewer, ORDERS, { n: 100, ...vars });
  expect(r.errors).toBeUndefined();
  return r.data.orders;
};
const ids = (conn: any) => nodes<{ id: string }>(conn).map((o) => o.id);
/** The ids the database holds for a where, newest first (placedAt, then id, descending). */
const expected = async (where: Prisma.OrderWhereInput) =>
  (await c.sg.prisma.order.findMany({ where: { tenantId: ACCRA.id, ...where }, orderBy: [{ placedAt: 'desc' }, { id: 'desc' }], select: { id: true } })).map((o) => o.id);
/** `order(id)` answers null, without an error, for this viewer. */
async function expectNoOrder(viewer: Viewer, id: string) {
  const r = await c.call(viewer, ORDER, { id });
  expect(r.errors, id).toBeUndefined();
  expect(r.data.order, id).toBeNull();
}
/** The cursor format of orders: base64url of `c:<placedAt ISO>|<id>`. */
const cursorOf = (placedAt: Date | string, id: string) => Buffer.from(`c:${new Date(placedAt).toISOString()}|${id}`).toString('base64url');
const raw = (text: string) => Buffer.from(text).toString('base64url');

describe('orders: filters (issue 19)', () => {
  it('each filter narrows the list to exactly its orders, and the filters combine', async () => {
    const all = await expected({});
    expect(ids(await list(OPS, {}))).toEqual(all);
    expect(ids(await list(OPS, { f: { status: null, customerId: null, channel: null } }))).toEqual(all);

    const byStatus = await expected({ status: 'CONFIRMED' });
    expect(byStatus.length).toBeGreaterThan(0);
    expect(byStatus.length).toBeLessThan(all.length);
    expect(ids(await list(OPS, { f: { status: 'CONFIRMED' } }))).toEqual(byStatus);

    const byChannel = await expected({ channel: 'WHATSAPP' });
    expect(byChannel.length).toBeGreaterThan(0);
    expect(byChannel.length).toBeLessThan(all.length);
    expect(ids(await list(OPS, { f: { channel: 'WHATSAPP' } }))).toEqual(byChannel);

    const customer = ACCRA.orders[0]!.customerId;
    const byCustomer = await expected({ customerId: customer });
    expect(byCustomer.length).toBeGreaterThan(0);
    expect(ids(await list(OPS, { f: { customerId: customer } }))).toEqual(byCustomer);

    const seeded = ACCRA.orders[0]!;
    const combined = await expected({ status: seeded.status, channel: seeded.channel, customerId: seeded.customerId });
    expect(combined).toContain(seeded.id);
    expect(ids(await list(OPS, { f: { status: seeded.status, channel: seeded.channel, customerId: seeded.customerId } }))).toEqual(combined);
    const otherStatus = seeded.status === 'DELIVERED' ? 'CANCELLED' : 'DELIVERED';
    expect(ids(await list(OPS, { f: { status: otherStatus, channel: seeded.channel, customerId: seeded.customerId } }))).toEqual(
      await expected({ status: otherStatus, channel: seeded.channel, customerId: seeded.customerId }),
    );
  });

  it('filter.customerId of MAX_STRING characters is accepted, one more is refused on [filter, customerId]', async () => {
    expect(ids(await list(OPS, { f: { customerId: 'x'.repeat(MAX_STRING) } }))).toEqual([]);
    const r = await c.call(OPS, ORDERS, { n: 1, f: { customerId: 'x'.repeat(MAX_STRING + 1) } });
    expect(r.errors).toMatchObject([{ message: 'filter.customerId is too long', extensions: { code: 'BAD_USER_INPUT', field: ['filter', 'customerId'] } }]);
  });
});

describe('orders and order: the object rules (issue 19)', () => {
  const mine = withOrders(ACCRA.customers.filter((x) => x.type === 'RETAILER'));
  const other = ACCRA.orders.find((o) => o.customerId !== mine.id)!;

  it("a retailer's list is its own customer's orders, whatever filter.customerId asks", async () => {
    const retailer = retailerOf(ACCRA, mine.id);
    const own = await expected({ customerId: mine.id });
    expect(own.length).toBeGreaterThan(0);
    expect(ids(await list(retailer, {}))).toEqual(own);
    expect(ids(await list(retailer, { f: { customerId: mine.id } }))).toEqual(own);
    expect(ids(await list(retailer, { f: { customerId: other.customerId } }))).toEqual([]);
    const status = ACCRA.orders.find((o) => o.customerId === mine.id)!.status;
    expect(ids(await list(retailer, { f: { status } }))).toEqual(await expected({ customerId: mine.id, status }));
  });

  it('a retailer reads its own order, and null for another customer’s or an unknown one', async () => {
    const retailer = retailerOf(ACCRA, mine.id);
    const own = ACCRA.orders.find((o) => o.customerId === mine.id)!;
    expect(await c.call(retailer, ORDER, { id: own.id })).toMatchObject({ data: { order: { id: own.id, customer: { id: mine.id } } } });
    for (const id of [other.id, 'ord_NO_SUCH']) await expectNoOrder(retailer, id);
    // staff without an object rule read any order of the tenant
    expect((await c.call(OPS, ORDER, { id: other.id })).data.order).toMatchObject({ id: other.id });
  });

  it("a sales rep's list is the orders of their territories' customers, with every filter", async () => {
    const reached = { customer: { territoryId: { in: REP_TERRITORIES.territoryIds } } };
    const theirs = await expected(reached);
    expect(theirs.length).toBeGreaterThan(0);
    expect(theirs.length).toBeLessThan((await expected({})).length);
    // a customer of another tenant under the same territory id stays out of the rep's list
    const lagos = await c.sg.prisma.order.findFirstOrThrow({ where: { tenantId: LAGOS.id } });
    await c.sg.prisma.customer.update({ where: { id: lagos.customerId }, data: { territoryId: REP_TERRITORIES.territoryIds[0]! } });
    expect(ids(await list(REP, {}))).toEqual(theirs);
    // explicit nulls filter nothing
    expect(ids(await list(REP, { f: { status: null, customerId: null, channel: null } }))).toEqual(theirs);

    const status = ACCRA.orders.find((o) => o.customerId === withOrders(inTerritory).id)!.status;
    const byStatus = await expected({ ...reached, status });
    expect(byStatus.length).toBeLessThan(theirs.length);
    expect(ids(await list(REP, { f: { status } }))).toEqual(byStatus);

    const byChannel = await expected({ ...reached, channel: 'PORTAL' });
    expect(byChannel.length).toBeGreaterThan(0);
    expect(byChannel.length).toBeLessThan(theirs.length);
    expect(ids(await list(REP, { f: { channel: 'PORTAL' } }))).toEqual(byChannel);

    const near = withOrders(inTerritory).id;
    const byCustomer = await expected({ customerId: near });
    expect(byCustomer.length).toBeGreaterThan(0);
    expect(byCustomer.length).toBeLessThan(theirs.length);
    expect(ids(await list(REP, { f: { customerId: near } }))).toEqual(byCustomer);
    // a customer outside the rep's territories: nothing, though the customer has orders
    const far = withOrders(outside).id;
    expect(ids(await list(REP, { f: { customerId: far } }))).toEqual([]);

    const page = await list(REP, { n: 2 });
    expect(ids(page)).toEqual(theirs.slice(0, 2));
    expect(ids(await list(REP, { n: 3, a: page.pageInfo.endCursor }))).toEqual(theirs.slice(2, 5));
  });

  it('a sales rep reads the orders of their territories’ customers, and null for others or an unknown id', async () => {
    const near = ACCRA.orders.find((o) => o.customerId === withOrders(inTerritory).id)!;
    const far = ACCRA.orders.find((o) => o.customerId === withOrders(outside).id)!;
    expect((await c.call(REP, ORDER, { id: near.id })).data.order).toMatchObject({ id: near.id });
    for (const id of [far.id, 'ord_NO_SUCH']) await expectNoOrder(REP, id);
  });
});

describe('orders: cursors and pageInfo (issue 19)', () => {
  // three orders of a new customer in the rep's territory: two placed in the same millisecond, one a millisecond before
  // whose id sorts above both (so a list ordered by id alone, or by placedAt alone, comes out in another order)
  const customer = 'cus_ACCRA_SAME_MS';
  const at = new Date('2026-06-01T10:00:00.123Z');
  const [b, a, older] = ['ord_SAME_MS_B', 'ord_SAME_MS_A', 'ord_SAME_MS_Z'];
  beforeAll(async () => {
    const seeded = await c.sg.prisma.order.findFirstOrThrow({ where: { tenantId: ACCRA.id } });
    await c.sg.prisma.customer.create({ data: { id: customer, tenantId: ACCRA.id, name: 'Same Millisecond Stores', type: 'RETAILER', tier: 'BRONZE', phone: '+233000000000', territoryId: REP_TERRITORIES.territoryIds[0]! } });
    const row = (id: string, number: string, placedAt: Date) => ({
      id, tenantId: ACCRA.id, number, customerId: customer, locationId: seeded.locationId, channel: 'PORTAL' as const, status: 'PENDING' as const,
      paymentTerms: 'PREPAID' as const, currency: seeded.currency, subtotal: '1', discountTotal: '0', total: '1', placedAt,
    });
    await c.sg.prisma.order.createMany({ data: [row(older, 'ACC-SAME-0', new Date(at.getTime() - 1)), row(b, 'ACC-SAME-B', at), row(a, 'ACC-SAME-A', at)] });
  });

  for (const [who, viewer] of [['staff (one statement)', OPS], ['a retailer (one statement, own customer)', retailerOf(ACCRA, customer)], ['a sales rep (Prisma)', REP]] as const) {
    it(`pages one by one through orders placed in the same millisecond, with exact pageInfo: ${who}`, async () => {
      const f = { customerId: customer };
      const p1 = await list(viewer, { n: 1, f });
      expect(p1).toEqual({
        edges: [{ cursor: cursorOf(at, b), node: { id: b, status: 'PENDING', channel: 'PORTAL', placedAt: at.toISOString(), customer: { id: customer } } }],
        pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: cursorOf(at, b), endCursor: cursorOf(at, b) },
      });
      const p2 = await list(viewer, { n: 1, a: p1.pageInfo.endCursor, f });
      expect(ids(p2)).toEqual([a]);
      expect(p2.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: true, startCursor: cursorOf(at, a), endCursor: cursorOf(at, a) });
      const p3 = await list(viewer, { n: 5, a: p2.pageInfo.endCursor, f });
      expect(ids(p3)).toEqual([older]);
      expect(p3.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: true, startCursor: cursorOf(new Date(at.getTime() - 1), older), endCursor: cursorOf(new Date(at.getTime() - 1), older) });
      const p4 = await list(viewer, { n: 5, a: p3.pageInfo.endCursor, f });
      expect(p4).toEqual({ edges: [], pageInfo: { hasNextPage: false, hasPreviousPage: true, startCursor: null, endCursor: null } });

      // exactly as many as asked for: no next page; one fewer: a next page; start and end are the first and last
      const all = await list(viewer, { n: 3, f });
      expect(ids(all)).toEqual([b, a, older]);
      expect(all.pageInfo).toEqual({ hasNextPage: false, hasPreviousPage: false, startCursor: cursorOf(at, b), endCursor: cursorOf(new Date(at.getTime() - 1), older) });
      const two = await list(viewer, { n: 2, f });
      expect(two.pageInfo).toEqual({ hasNextPage: true, hasPreviousPage: false, startCursor: cursorOf(at, b), endCursor: cursorOf(at, a) });
      // a cursor at the same instant with an id between A and B, and one with an id below both
      expect(ids(await list(viewer, { n: 5, a: cursorOf(at, 'ord_SAME_MS_AA'), f }))).toEqual([a, older]);
      expect(ids(await list(viewer, { n: 5, a: cursorOf(at, 'ord_SAME_MS_1'), f }))).toEqual([older]);
    });
  }

  it('a cursor without "|" or with an unreadable time is refused on [after]', async () => {
    for (const bad of [raw(`c:${at.toISOString()}x`), raw(`c:not-a-time|${a}`), raw(`c:|${a}`)]) {
      const r = await c.call(OPS, ORDERS, { n: 1, a: bad });
      expect(r.errors).toMatchObject([{ message: 'Invalid cursor', extensions: { code: 'BAD_USER_INPUT', field: ['after'] } }]);
      expect(r.errors![0]!.extensions!.field).toEqual(['after']);
    }
  });
});
