import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { callSubgraph, gql, nodes } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { applyTerritoryEvent } from '../src/modules/territories/rep-territories.ts';

// The commerce subgraph over HTTP, on an in-memory PGlite seeded with the demo plan (no bus: no events relayed).
const SECRET = 'commerce-test-secret';
const [LAGOS, ACCRA] = demoPlan();
const admin = (t: typeof LAGOS): Viewer => ({ tenantId: t!.id, userId: t!.users[0]!.id, roles: ['ADMIN'], scopes: [] });
const LAGOS_ADMIN = admin(LAGOS);
const ACCRA_ADMIN = admin(ACCRA);
const LAGOS_SALES: Viewer = { tenantId: LAGOS!.id, userId: LAGOS!.users[2]!.id, roles: ['SALES_REP'], scopes: [] };
const LAGOS_FINANCE: Viewer = { tenantId: LAGOS!.id, userId: LAGOS!.users[1]!.id, roles: ['FINANCE'], scopes: [] };

let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;
const call = (viewer: Viewer | null, query: string, variables: Record<string, unknown> = {}) => callSubgraph({ url, name: 'commerce' }, SECRET, viewer, query, variables);

beforeAll(async () => {
  sg = await create({ secret: SECRET });
  await sg.seed();
  await sg.seed(); // idempotent
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

const PLACE = `mutation($i: PlaceOrderInput!) { placeOrder(input: $i) {
  order { id number status channel paymentTerms placedAt customer { id } subtotal { amount currencyCode } discountTotal { amount } total { amount currencyCode }
          lines { quantity pricingRule unitPrice { amount currencyCode } total { amount } variant { sku } } }
  userErrors { code field message } } }`;
const CANCEL = `mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { id status cancellationReason } userErrors { code field message } } }`;
const ATP = `query($sku: String!, $loc: ID!) { availableToPromise(sku: $sku, locationId: $loc) { onHand reserved available location { id } variant { sku } } }`;

const lagosVariants = LAGOS!.products.flatMap((p) => p.variants);
const retailer = LAGOS!.customers.find((c) => c.type === 'RETAILER')!;
// in a territory the sales rep works: a SALES_REP orders only for the customers of their territories (issue 15)
const wholesaler = LAGOS!.customers.find((c) => c.type === 'WHOLESALER' && LAGOS!.repTerritories[0]!.territoryIds.includes(c.territoryId))!;
const warehouse = LAGOS!.locations[0]!;
const van = LAGOS!.locations.find((l) => l.kind === 'VAN')!;
const atp = async (sku: string, loc: string, viewer = LAGOS_ADMIN) => (await call(viewer, ATP, { sku, loc })).data.availableToPromise;
const orderCount = async () => (await sg.prisma.order.count()) + (await sg.prisma.orderLine.count()) + (await sg.prisma.outboxEvent.count());

describe('commerce subgraph: reads', () => {
  it('serves the seeded catalog with categories, variants, Money and stock', async () => {
    const r = await call(LAGOS_ADMIN, `{ products(first: 3) { edges { cursor node { id name brand category { name } variants { id sku name basePrice { amount currencyCode } weightKg product { id } stockLevels { location { id } onHand reserved available } } } } pageInfo { hasNextPage hasPreviousPage endCursor } } }`);
    expect(r.errors).toBeUndefined();
    const products = nodes(r.data.products);
    expect(products.map((p: any) => p.id)).toEqual(LAGOS!.products.slice(0, 3).map((p) => p.id));
    const plan = LAGOS!.products[0]!;
    expect(products[0]).toMatchObject({ name: plan.name, brand: plan.brand, category: { name: LAGOS!.categories.find((c) => c.id === plan.categoryId)!.name } });
    expect(products[0].variants[0]).toMatchObject({ sku: plan.variants[0]!.sku, basePrice: { amount: plan.variants[0]!.basePrice, currencyCode: 'NGN' }, weightKg: plan.variants[0]!.weightKg, product: { id: plan.id } });
    expect(products[0].variants[0].basePrice.amount).toMatch(/^\d+\.\d{2}$/);
    expect(products[0].variants[0].stockLevels).toHaveLength(LAGOS!.locations.length);
    expect(r.data.products.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });

    const filtered = await call(LAGOS_ADMIN, `{ products(first: 100, filter: { search: "indomie" }) { edges { node { brand } } } }`);
    expect(nodes(filtered.data.products).length).toBeGreaterThan(0);
    expect(nodes(filtered.data.products).every((p: any) => p.brand === 'Indomie')).toBe(true);
    const byCategory = await call(LAGOS_ADMIN, `query($c: ID!) { products(first: 100, filter: { categoryId: $c }) { edges { node { category { id } } } } }`, { c: plan.categoryId });
    expect(nodes(byCategory.data.products).length).toBeGreaterThan(0);
    expect(nodes(byCategory.data.products).every((p: any) => p.category.id === plan.categoryId)).toBe(true);
  });

  it('pages every list with cursors, without gaps or repeats', async () => {
    const all: string[] = [];
    let after: string | null = null;
    for (;;) {
      const r: any = await call(LAGOS_ADMIN, `query($a: String) { customers(first: 50, after: $a) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`, { a: after });
      all.push(...nodes<{ id: string }>(r.data.customers).map((c) => c.id));
      if (!r.data.customers.pageInfo.hasNextPage) break;
      after = r.data.customers.pageInfo.endCursor;
    }
    expect(all).toEqual(LAGOS!.customers.map((c) => c.id));

    const page1 = await call(LAGOS_ADMIN, `{ orders(first: 5) { edges { node { id placedAt } } pageInfo { endCursor hasNextPage } } }`);
    const page2 = await call(LAGOS_ADMIN, `query($a: String) { orders(first: 5, after: $a) { edges { node { id placedAt } } pageInfo { hasPreviousPage } } }`, { a: page1.data.orders.pageInfo.endCursor });
    const ids = [...nodes<any>(page1.data.orders), ...nodes<any>(page2.data.orders)];
    const times = ids.map((o) => Date.parse(o.placedAt));
    expect(times).toEqual([...times].sort((a, b) => b - a)); // newest first
    expect(new Set(ids.map((o) => o.id)).size).toBe(10);
    expect(page2.data.orders.pageInfo.hasPreviousPage).toBe(true);

    const bad = await call(LAGOS_ADMIN, `{ orders(first: 101) { edges { node { id } } } }`);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badCursor = await call(LAGOS_ADMIN, `{ orders(first: 1, after: "bm9wZQ") { edges { node { id } } } }`);
    expect(badCursor.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('filters customers and orders', async () => {
    const w = await call(LAGOS_ADMIN, `{ customers(first: 100, filter: { type: WHOLESALER }) { edges { node { type } } } }`);
    expect(nodes(w.data.customers).length).toBe(LAGOS!.customers.filter((c) => c.type === 'WHOLESALER').length);
    const name = LAGOS!.customers[3]!.name;
    const s = await call(LAGOS_ADMIN, `query($s: String) { customers(first: 100, filter: { search: $s }) { edges { node { name tier phone } } } }`, { s: name.split(' ')[0]!.toLowerCase() });
    expect(nodes<any>(s.data.customers).map((c) => c.name)).toContain(name);

    const cust = LAGOS!.orders[10]!.customerId;
    const byCustomer = await call(LAGOS_ADMIN, `query($c: ID!) { orders(first: 100, filter: { customerId: $c, status: DELIVERED, channel: PORTAL }) { edges { node { status channel customer { id } } } } }`, { c: cust });
    const expected = LAGOS!.orders.filter((o) => o.customerId === cust && o.status === 'DELIVERED' && o.channel === 'PORTAL');
    expect(nodes(byCustomer.data.orders)).toHaveLength(expected.length);
    for (const status of ['PENDING', 'CONFIRMED', 'REJECTED', 'PACKED', 'DISPATCHED', 'DELIVERED', 'CANCELLED']) {
      const r = await call(LAGOS_ADMIN, `query($s: OrderStatus) { orders(first: 1, filter: { status: $s }) { edges { node { status } } } }`, { s: status });
      expect(nodes<any>(r.data.orders)[0]?.status).toBe(status);
    }
  });

  it('serves seeded orders exactly as planned: number, status, lines, prices, rules, totals', async () => {
    const plan = LAGOS!.orders.find((o) => o.status === 'REJECTED' && o.lines.length > 1)!;
    const r = await call(LAGOS_ADMIN, `query($id: ID!) { order(id: $id) { id number status channel paymentTerms placedAt rejectionReason customer { id name type }
      location { id name kind } lines { quantity unitPrice { amount currencyCode } total { amount } pricingRule variant { sku product { name } } }
      subtotal { amount } discountTotal { amount } total { amount currencyCode } } }`, { id: plan.id });
    expect(r.errors).toBeUndefined();
    const o = r.data.order;
    expect(o).toMatchObject({
      id: plan.id, number: plan.number, status: plan.status, channel: plan.channel, paymentTerms: plan.paymentTerms, placedAt: plan.placedAt.toISOString(),
      customer: { id: plan.customerId }, location: { id: plan.locationId }, subtotal: { amount: plan.subtotal }, discountTotal: { amount: plan.discountTotal },
      total: { amount: plan.total, currencyCode: 'NGN' },
    });
    expect(o.rejectionReason).toBeTruthy();
    expect(o.lines.map((l: any) => [l.variant.sku, l.quantity, l.unitPrice.amount, l.total.amount, l.pricingRule])).toEqual(
      plan.lines.map((l) => [l.sku, l.quantity, l.unitPrice, l.total, l.pricingRule]),
    );
    const accra = await call(ACCRA_ADMIN, `query($id: ID!) { order(id: $id) { total { currencyCode } lines { unitPrice { currencyCode } } } }`, { id: ACCRA!.orders[0]!.id });
    expect(accra.data.order.total.currencyCode).toBe('GHS');
  });

  it('seeds stock reserved for the orders that still hold it', async () => {
    const open = LAGOS!.orders.filter((o) => ['PENDING', 'CONFIRMED', 'PACKED'].includes(o.status));
    const line = open[0]!.lines[0]!;
    const held = open.filter((o) => o.locationId === open[0]!.locationId).flatMap((o) => o.lines).filter((l) => l.variantId === line.variantId).reduce((s, l) => s + l.quantity, 0);
    const s = await atp(line.sku, open[0]!.locationId);
    expect(s.reserved).toBe(held);
    expect(s.available).toBe(s.onHand - s.reserved);
    const page = await call(LAGOS_ADMIN, `{ locations(first: 10) { edges { node { id name kind stockLevels(first: 2) { edges { node { onHand reserved available variant { sku } location { id } } } pageInfo { hasNextPage endCursor } } } } } }`);
    const locs = nodes<any>(page.data.locations);
    expect(locs.map((l) => l.id)).toEqual(LAGOS!.locations.map((l) => l.id));
    for (const l of locs) {
      expect(nodes<any>(l.stockLevels).map((s) => s.location.id)).toEqual([l.id, l.id]);
      expect(l.stockLevels.pageInfo.hasNextPage).toBe(true);
    }
    const next = await call(LAGOS_ADMIN, `query($a: String) { locations(first: 1) { edges { node { stockLevels(first: 200, after: $a) { edges { node { variant { sku } } } } } } } }`, { a: locs[0].stockLevels.pageInfo.endCursor });
    expect(next.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT'); // first > 100
    const rest = await call(LAGOS_ADMIN, `query($a: String) { locations(first: 1) { edges { node { stockLevels(first: 100, after: $a) { edges { node { variant { sku } } } } } } } }`, { a: locs[0].stockLevels.pageInfo.endCursor });
    const skus = nodes<any>(nodes<any>(rest.data.locations)[0].stockLevels).map((s) => s.variant.sku);
    expect(skus).not.toContain(nodes<any>(locs[0].stockLevels)[1].variant.sku);
    expect(skus.length).toBe(Math.min(100, lagosVariants.length - 2));
    expect(await atp('NO-SUCH-SKU', warehouse.id)).toBeNull();
  });

  it('resolves entity references by id and by sku, batched, within the tenant only', async () => {
    const v = lagosVariants[4]!;
    const reps = [
      { __typename: 'Order', id: LAGOS!.orders[0]!.id },
      { __typename: 'Customer', id: LAGOS!.customers[0]!.id },
      { __typename: 'Product', id: LAGOS!.products[0]!.id },
      { __typename: 'ProductVariant', id: v.id },
      { __typename: 'ProductVariant', sku: v.sku },
      { __typename: 'Location', id: warehouse.id },
      { __typename: 'Order', id: ACCRA!.orders[0]!.id },
      { __typename: 'ProductVariant', sku: ACCRA!.products[0]!.variants[0]!.sku },
    ];
    const q = `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Order { number } ... on Customer { name } ... on Product { name } ... on ProductVariant { sku } ... on Location { name } } }`;
    const r = await call(LAGOS_ADMIN, q, { r: reps });
    expect(r.data._entities).toEqual([
      { __typename: 'Order', number: LAGOS!.orders[0]!.number },
      { __typename: 'Customer', name: LAGOS!.customers[0]!.name },
      { __typename: 'Product', name: LAGOS!.products[0]!.name },
      { __typename: 'ProductVariant', sku: v.sku },
      { __typename: 'ProductVariant', sku: v.sku },
      { __typename: 'Location', name: warehouse.name },
      null,
      null,
    ]);
  });
});

describe('commerce subgraph: security and tenant isolation', () => {
  it('refuses unsigned or forged requests and anonymous reads', async () => {
    expect((await gql(url, '{ __typename }')).status).toBe(401);
    const forged = await callSubgraph({ url, name: 'commerce' }, 'wrong-secret', LAGOS_ADMIN, '{ orders(first: 1) { edges { node { id } } } }');
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    for (const q of ['{ orders(first: 1) { edges { node { id } } } }', '{ products { edges { node { id } } } }', '{ customer(id: "cus_LAGOS000001") { id } }', '{ locations { edges { node { id } } } }']) {
      expect((await call(null, q)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
    const anonRef = await call(null, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id } } }', { r: [{ __typename: 'Order', id: LAGOS!.orders[0]!.id }] });
    expect(anonRef.data._entities).toEqual([null]);
    const place = await call(null, PLACE, { i: { customerId: retailer.id, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku: lagosVariants[0]!.sku, quantity: 1 }] } });
    expect(place.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const finance = await call(LAGOS_FINANCE, PLACE, { i: { customerId: retailer.id, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku: lagosVariants[0]!.sku, quantity: 1 }] } });
    expect(finance.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('an Accra viewer sees nothing of Lagos, by id or in lists, and cannot order for Lagos', async () => {
    const byId = await call(ACCRA_ADMIN, `query($o: ID!, $c: ID!, $p: ID!) { order(id: $o) { id } customer(id: $c) { id } product(id: $p) { id } }`, {
      o: LAGOS!.orders[0]!.id, c: LAGOS!.customers[0]!.id, p: LAGOS!.products[0]!.id,
    });
    expect(byId.data).toEqual({ order: null, customer: null, product: null });
    const lists = await call(ACCRA_ADMIN, `{ orders(first: 100) { edges { node { id number total { currencyCode } } } } customers(first: 100) { edges { node { id } } }
      products(first: 100) { edges { node { id } } } locations(first: 100) { edges { node { id } } } }`);
    const ids = [...nodes<any>(lists.data.orders), ...nodes<any>(lists.data.customers), ...nodes<any>(lists.data.products), ...nodes<any>(lists.data.locations)].map((n) => n.id);
    expect(ids.length).toBeGreaterThan(100);
    expect(ids.filter((id) => id.includes('LAGOS'))).toEqual([]);
    expect(nodes<any>(lists.data.orders).length).toBeGreaterThan(0);
    expect(nodes<any>(lists.data.orders).every((o) => o.total.currencyCode === 'GHS')).toBe(true);
    const lagosFilter = await call(ACCRA_ADMIN, `query($c: ID!) { orders(first: 10, filter: { customerId: $c }) { edges { node { id } } } }`, { c: LAGOS!.customers[0]!.id });
    expect(nodes(lagosFilter.data.orders)).toEqual([]);
    expect(await atp(lagosVariants[0]!.sku, warehouse.id, ACCRA_ADMIN)).toBeNull();

    const before = await orderCount();
    const accraSku = ACCRA!.products[0]!.variants[0]!.sku;
    const r = await call(ACCRA_ADMIN, PLACE, { i: { customerId: retailer.id, channel: 'PORTAL', locationId: ACCRA!.locations[0]!.id, lines: [{ sku: accraSku, quantity: 1 }] } });
    expect(r.data.placeOrder.order).toBeNull();
    expect(r.data.placeOrder.userErrors.map((e: any) => e.code)).toEqual(['CUSTOMER_NOT_FOUND']);
    const r2 = await call(ACCRA_ADMIN, PLACE, { i: { customerId: ACCRA!.customers[0]!.id, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku: lagosVariants[0]!.sku, quantity: 1 }] } });
    expect(r2.data.placeOrder.userErrors.map((e: any) => e.code).sort()).toEqual(['LOCATION_NOT_FOUND', 'UNKNOWN_SKU']);
    const cancel = await call(ACCRA_ADMIN, CANCEL, { i: { orderId: LAGOS!.orders.find((o) => o.status === 'PENDING')!.id } });
    expect(cancel.data.cancelOrder.userErrors[0].code).toBe('ORDER_NOT_FOUND');
    const quote = await call(ACCRA_ADMIN, `query($i: PriceQuoteInput!) { priceQuote(input: $i) { total { amount } } }`, { i: { customerId: LAGOS!.customers[0]!.id, lines: [{ sku: accraSku, quantity: 1 }] } });
    expect(quote.data.priceQuote).toBeNull();
    expect(await orderCount()).toBe(before);
  });
});

describe('commerce subgraph: placeOrder and cancelOrder', () => {
  it('places an order: prices every line with its rule, reserves stock, writes the outbox, PENDING', async () => {
    const [a, b] = [lagosVariants[20]!, lagosVariants[21]!];
    const [atpA, atpB] = [await atp(a.sku, warehouse.id), await atp(b.sku, warehouse.id)];
    const r = await call(LAGOS_SALES, PLACE, {
      i: { customerId: wholesaler.id, channel: 'SALES_REP', locationId: warehouse.id, lines: [{ sku: a.sku, quantity: 100 }, { sku: b.sku, quantity: 3 }], idempotencyKey: 'happy-1' },
    });
    expect(r.errors).toBeUndefined();
    const { order, userErrors } = r.data.placeOrder;
    expect(userErrors).toEqual([]);
    expect(order).toMatchObject({ status: 'PENDING', channel: 'SALES_REP', paymentTerms: 'NET_14', customer: { id: wholesaler.id }, total: { currencyCode: 'NGN' } });
    expect(order.number).toMatch(/^LAG-\d+$/);
    const unitA = (Number(a.basePrice) * 0.92).toFixed(2); // VOLUME_TIER:100+ (8%) beats the wholesaler list (5%)
    const unitB = (Number(b.basePrice) * 0.95).toFixed(2);
    expect(order.lines.map((l: any) => [l.variant.sku, l.quantity, l.pricingRule, l.unitPrice.amount])).toEqual([
      [a.sku, 100, 'VOLUME_TIER:100+', unitA],
      [b.sku, 3, 'PRICE_LIST:WHOLESALER', unitB],
    ]);
    const total = (Number(unitA) * 100 + Number(unitB) * 3).toFixed(2);
    const subtotal = (Number(a.basePrice) * 100 + Number(b.basePrice) * 3).toFixed(2);
    expect([order.subtotal.amount, order.total.amount, order.discountTotal.amount]).toEqual([subtotal, total, (Number(subtotal) - Number(total)).toFixed(2)]);
    expect((await atp(a.sku, warehouse.id)).reserved).toBe(atpA.reserved + 100);
    expect((await atp(b.sku, warehouse.id)).available).toBe(atpB.available - 3);

    const events = await sg.prisma.outboxEvent.findMany({ where: { aggregateId: order.id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.status_changed']);
    expect(events[0]!.payload).toMatchObject({ orderId: order.id, number: order.number, customerId: wholesaler.id, paymentTerms: 'NET_14', total: { amount: total, currencyCode: 'NGN' }, lines: [{ sku: a.sku, quantity: 100 }, { sku: b.sku, quantity: 3 }] });
    expect(events[1]!.payload).toMatchObject({ orderId: order.id, previousStatus: null, status: 'PENDING' });
    expect(events[0]!.tenantId).toBe(LAGOS!.id);

    const listed = await call(LAGOS_ADMIN, `{ orders(first: 1) { edges { node { id } } } }`);
    expect(nodes<any>(listed.data.orders)[0].id).toBe(order.id); // newest first
  });

  it('quotes with the same engine: contract > volume tier / price list > base', async () => {
    const [c1] = await sg.prisma.contractPrice.findMany({ where: { tenantId: LAGOS!.id }, include: { variant: true }, take: 1 });
    const other = lagosVariants[30]!;
    const q = `query($i: PriceQuoteInput!) { priceQuote(input: $i) { customer { id type } lines { variant { sku } quantity basePrice { amount } unitPrice { amount } discount { amount } total { amount } pricingRule } subtotal { amount } discountTotal { amount } total { amount currencyCode } } }`;
    const r = await call(LAGOS_ADMIN, q, { i: { customerId: c1!.customerId, lines: [{ sku: c1!.variant.sku, quantity: 200 }, { sku: other.sku, quantity: 1 }, { sku: other.sku, quantity: 1 }] } });
    expect(r.errors).toBeUndefined();
    expect(r.data.priceQuote.lines.map((l: any) => [l.variant.sku, l.quantity, l.pricingRule, l.unitPrice.amount])).toEqual([
      [c1!.variant.sku, 200, 'CONTRACT', c1!.unitPrice.toFixed(2)],
      [other.sku, 2, 'PRICE_LIST:DISTRIBUTOR', (Number(other.basePrice) * 0.92).toFixed(2)],
    ]);
    const retail = await call(LAGOS_ADMIN, q, { i: { customerId: retailer.id, lines: [{ sku: other.sku, quantity: 9 }, { sku: c1!.variant.sku, quantity: 10 }] } });
    expect(retail.data.priceQuote.lines.map((l: any) => l.pricingRule)).toEqual(['BASE_PRICE', 'VOLUME_TIER:10+']);
    const bad = await call(LAGOS_ADMIN, q, { i: { customerId: retailer.id, lines: [{ sku: 'NOPE', quantity: 1 }] } });
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badQty = await call(LAGOS_ADMIN, q, { i: { customerId: retailer.id, lines: [{ sku: other.sku, quantity: 0 }] } });
    expect(badQty.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('is idempotent: a retry with the same key returns the same order; another request with it is refused', async () => {
    const sku = lagosVariants[25]!.sku;
    const i = { customerId: retailer.id, channel: 'MOBILE_APP', locationId: warehouse.id, lines: [{ sku, quantity: 2 }], idempotencyKey: 'retry-me' };
    const first = await call(LAGOS_ADMIN, PLACE, { i });
    const reserved = (await atp(sku, warehouse.id)).reserved;
    const before = await orderCount();
    const again = await Promise.all([call(LAGOS_ADMIN, PLACE, { i }), call(LAGOS_SALES, PLACE, { i }), call(LAGOS_ADMIN, PLACE, { i: { ...i, lines: [{ sku, quantity: 1 }, { sku, quantity: 1 }] } })]);
    for (const r of again) {
      expect(r.data.placeOrder.userErrors).toEqual([]);
      expect(r.data.placeOrder.order.id).toBe(first.data.placeOrder.order.id);
    }
    expect(await orderCount()).toBe(before);
    expect((await atp(sku, warehouse.id)).reserved).toBe(reserved);
    const reused = await call(LAGOS_ADMIN, PLACE, { i: { ...i, lines: [{ sku, quantity: 3 }] } });
    expect(reused.data.placeOrder).toMatchObject({ order: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'] }] });
    // keys are per tenant: Accra may use the same key
    const accra = await call(ACCRA_ADMIN, PLACE, { i: { ...i, customerId: ACCRA!.customers[0]!.id, locationId: ACCRA!.locations[0]!.id, lines: [{ sku: ACCRA!.products[0]!.variants[0]!.sku, quantity: 1 }] } });
    expect(accra.data.placeOrder.userErrors).toEqual([]);
    expect(accra.data.placeOrder.order.id).not.toBe(first.data.placeOrder.order.id);
    expect(accra.data.placeOrder.order.total.currencyCode).toBe('GHS');
  });

  it('answers every bad input with userErrors and writes nothing', async () => {
    const sku = lagosVariants[0]!.sku;
    const good = { customerId: retailer.id, channel: 'PORTAL', locationId: warehouse.id, lines: [{ sku, quantity: 1 }] };
    const cases: [Record<string, unknown>, string[]][] = [
      [{ customerId: 'cus_NOPE' }, ['CUSTOMER_NOT_FOUND']],
      [{ locationId: 'loc_NOPE' }, ['LOCATION_NOT_FOUND']],
      [{ lines: [{ sku: 'NO-SUCH', quantity: 1 }] }, ['UNKNOWN_SKU']],
      [{ lines: [{ sku, quantity: 0 }] }, ['INVALID_QUANTITY']],
      [{ lines: [{ sku, quantity: -5 }] }, ['INVALID_QUANTITY']],
      [{ lines: [{ sku, quantity: 100_001 }] }, ['INVALID_QUANTITY']],
      [{ lines: [{ sku, quantity: 60_000 }, { sku, quantity: 60_000 }] }, ['INVALID_QUANTITY']],
      [{ lines: [] }, ['INVALID_INPUT']],
      [{ lines: Array.from({ length: 101 }, () => ({ sku, quantity: 1 })) }, ['INVALID_INPUT']],
      [{ idempotencyKey: 'k'.repeat(101) }, ['INVALID_INPUT']],
      [{ customerId: 'c'.repeat(10_000) }, ['INVALID_INPUT']],
      [{ lines: [{ sku: 's'.repeat(5_000), quantity: 1 }] }, ['INVALID_INPUT']],
      [{ lines: [{ sku, quantity: 100_000 }] }, ['INSUFFICIENT_STOCK']],
      [{ locationId: van.id, lines: [{ sku, quantity: 1 }, { sku: lagosVariants[1]!.sku, quantity: 5_000 }] }, ['INSUFFICIENT_STOCK']],
    ];
    const before = await orderCount();
    const stock = await atp(sku, warehouse.id);
    for (const [patch, codes] of cases) {
      const r = await call(LAGOS_ADMIN, PLACE, { i: { ...good, ...patch } });
      expect(r.errors, JSON.stringify(patch).slice(0, 80)).toBeUndefined();
      expect(r.data.placeOrder.order).toBeNull();
      expect(r.data.placeOrder.userErrors.map((e: any) => e.code), JSON.stringify(patch).slice(0, 80)).toEqual(codes);
    }
    const unknown = await call(LAGOS_ADMIN, PLACE, { i: { ...good, lines: [{ sku, quantity: 1 }, { sku: 'NO-SUCH', quantity: 1 }] } });
    expect(unknown.data.placeOrder.userErrors[0].field).toEqual(['input', 'lines', '1', 'sku']);
    // a fractional quantity never reaches the resolver: Int! refuses it (BAD_USER_INPUT), so nothing is written either
    const fractional = await call(LAGOS_ADMIN, PLACE, { i: { ...good, lines: [{ sku, quantity: 1.5 }] } });
    expect(fractional.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badChannel = await call(LAGOS_ADMIN, PLACE, { i: { ...good, channel: 'FAX' } });
    expect(badChannel.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await orderCount()).toBe(before);
    expect(await atp(sku, warehouse.id)).toEqual(stock);
    const van2 = await atp(lagosVariants[0]!.sku, van.id);
    expect(van2.reserved).toBe(0); // the all-or-nothing reservation released the line that fitted
  });

  it('cancels before dispatch, releases stock and emits order.cancelled; refuses after dispatch', async () => {
    const sku = lagosVariants[40]!.sku;
    const start = await atp(sku, van.id);
    const placed = await call(LAGOS_ADMIN, PLACE, { i: { customerId: retailer.id, channel: 'WHATSAPP', locationId: van.id, lines: [{ sku, quantity: 4 }] } });
    const id = placed.data.placeOrder.order.id;
    expect((await atp(sku, van.id)).reserved).toBe(start.reserved + 4);
    const r = await call(LAGOS_SALES, CANCEL, { i: { orderId: id, reason: 'Customer changed their mind' } });
    expect(r.data.cancelOrder).toEqual({ order: { id, status: 'CANCELLED', cancellationReason: 'Customer changed their mind' }, userErrors: [] });
    expect(await atp(sku, van.id)).toEqual(start);
    const events = await sg.prisma.outboxEvent.findMany({ where: { aggregateId: id }, orderBy: { id: 'asc' } });
    expect(events.map((e) => e.type)).toEqual(['order.placed', 'order.status_changed', 'order.cancelled', 'order.status_changed']);
    expect(events[3]!.payload).toMatchObject({ previousStatus: 'PENDING', status: 'CANCELLED' });

    const twice = await call(LAGOS_SALES, CANCEL, { i: { orderId: id } });
    expect(twice.data.cancelOrder.userErrors[0].code).toBe('ORDER_NOT_CANCELLABLE');
    const dispatched = LAGOS!.orders.find((o) => o.status === 'DISPATCHED')!;
    const late = await call(LAGOS_ADMIN, CANCEL, { i: { orderId: dispatched.id } });
    expect(late.data.cancelOrder).toMatchObject({ order: null, userErrors: [{ code: 'ORDER_NOT_CANCELLABLE' }] });
    const confirmed = LAGOS!.orders.find((o) => o.status === 'CONFIRMED')!;
    const l = confirmed.lines[0]!;
    const held = await atp(l.sku, confirmed.locationId);
    const ok = await call(LAGOS_ADMIN, CANCEL, { i: { orderId: confirmed.id } });
    expect(ok.data.cancelOrder.order.status).toBe('CANCELLED');
    expect((await atp(l.sku, confirmed.locationId)).reserved).toBe(held.reserved - l.quantity);
    expect((await call(LAGOS_ADMIN, CANCEL, { i: { orderId: 'ord_NOPE' } })).data.cancelOrder.userErrors[0].code).toBe('ORDER_NOT_FOUND');
    expect((await call(LAGOS_ADMIN, CANCEL, { i: { orderId: id, reason: 'r'.repeat(501) } })).data.cancelOrder.userErrors[0].code).toBe('INVALID_INPUT');
  });
});

describe("commerce subgraph: a sales rep's territories (issue 15)", () => {
  const rep = LAGOS!.repTerritories[0]!;
  const event = (type: string, payload: Record<string, unknown>, at: string) =>
    ({ id: `evt_${type}_${at}_${Math.random()}`, type, tenantId: LAGOS!.id, aggregateId: 'x', payload, occurredAt: at, source: 'logistics' }) as never;
  const seen = async () => nodes<any>((await call(LAGOS_SALES, '{ customers(first: 100) { edges { node { id } } } }')).data.customers).map((c) => c.id).sort();

  it('shows and sells only the customers of the territories the replica says the rep works; older sets never replace newer', async () => {
    const mine = LAGOS!.customers.filter((c) => rep.territoryIds.includes(c.territoryId)).map((c) => c.id).sort();
    expect(await seen()).toEqual(mine);
    const stranger = LAGOS!.customers.find((c) => !rep.territoryIds.includes(c.territoryId))!;
    const out = await call(LAGOS_SALES, PLACE, { i: { customerId: stranger.id, channel: 'SALES_REP', locationId: warehouse.id, lines: [{ sku: lagosVariants[0]!.sku, quantity: 1 }] } });
    expect(out.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(LAGOS_SALES, 'query($id: ID!) { customer(id: $id) { id } }', { id: stranger.id })).data.customer).toBeNull();

    const all = LAGOS!.territories.map((t) => t.id);
    await sg.prisma.$transaction((tx) => applyTerritoryEvent(tx as never, event('territory.reps_changed', { userId: rep.userId, territoryIds: all, at: '2026-12-01T10:00:00.000Z' }, '2026-12-01T10:00:00.000Z')));
    expect(await seen()).toHaveLength(LAGOS!.customers.length > 100 ? 100 : LAGOS!.customers.length);
    // a redelivered older assignment changes nothing
    await sg.prisma.$transaction((tx) => applyTerritoryEvent(tx as never, event('territory.reps_changed', { userId: rep.userId, territoryIds: [], at: '2026-12-01T09:00:00.000Z' }, '2026-12-01T09:00:00.000Z')));
    expect((await seen()).length).toBeGreaterThan(mine.length);
    await sg.prisma.$transaction((tx) => applyTerritoryEvent(tx as never, event('territory.reps_changed', { userId: rep.userId, territoryIds: rep.territoryIds, at: '2026-12-01T11:00:00.000Z' }, '2026-12-01T11:00:00.000Z')));
    expect(await seen()).toEqual(mine);
    // a customer moved into the rep's territory by hand comes with it
    await sg.prisma.$transaction((tx) => applyTerritoryEvent(tx as never, event('customer.territory_changed', { customerId: stranger.id, territoryId: rep.territoryIds[0] }, '2026-12-01T12:00:00.000Z')));
    expect(await seen()).toEqual([...mine, stranger.id].sort());
    await sg.prisma.$transaction((tx) => applyTerritoryEvent(tx as never, event('customer.territory_changed', { customerId: stranger.id, territoryId: stranger.territoryId }, '2026-12-01T12:01:00.000Z')));
    expect(await seen()).toEqual(mine);
  });

  it('quotes prices only for the customers of the rep\'s territories: a stranger looks unknown, like customer(id)', async () => {
    const Q = `query($i: PriceQuoteInput!) { priceQuote(input: $i) { customer { id } total { amount } } }`;
    const lines = [{ sku: lagosVariants[0]!.sku, quantity: 1 }];
    const stranger = LAGOS!.customers.find((c) => !rep.territoryIds.includes(c.territoryId))!;
    const theirs = await call(LAGOS_SALES, Q, { i: { customerId: stranger.id, lines } });
    expect(theirs.errors).toBeUndefined();
    expect(theirs.data.priceQuote).toBeNull();
    // ops staff quote that customer, and the rep quotes their own
    expect((await call(LAGOS_ADMIN, Q, { i: { customerId: stranger.id, lines } })).data.priceQuote.customer).toEqual({ id: stranger.id });
    expect((await call(LAGOS_SALES, Q, { i: { customerId: wholesaler.id, lines } })).data.priceQuote.customer).toEqual({ id: wholesaler.id });
  });
});

describe('commerce subgraph: N+1', () => {
  it('orders(first: 1) and orders(first: 50) with lines, variants, products and customer run the same number of statements', async () => {
    const q = `query($n: Int) { orders(first: $n) { edges { node { number total { amount } customer { name type } location { name }
      lines { quantity unitPrice { amount } variant { sku basePrice { amount } product { name category { name } } } } } } } }`;
    const count = async (n: number) => {
      sg.db.stats.statements = 0;
      const r = await call(LAGOS_ADMIN, q, { n });
      expect(r.errors).toBeUndefined();
      expect(r.data.orders.edges).toHaveLength(n);
      return sg.db.stats.statements;
    };
    const one = await count(1);
    const fifty = await count(50);
    expect(fifty).toBe(one);
    expect(one).toBe(5); // orders, customers, locations, lines with their variants and products (one statement), categories
    // exactly the selection of the brief: lines → variant → product, and the customer
    const brief = `query($n: Int) { orders(first: $n) { edges { node { number customer { name } lines { quantity variant { sku product { name } } } } } } }`;
    const countBrief = async (n: number) => {
      sg.db.stats.statements = 0;
      const r = await call(LAGOS_ADMIN, brief, { n });
      expect(r.data.orders.edges).toHaveLength(n);
      return sg.db.stats.statements;
    };
    const [b1, b50] = [await countBrief(1), await countBrief(50)];
    console.info(`N+1 check: full selection ${one} vs ${fifty} statements; lines/variant/product/customer ${b1} vs ${b50}`);
    expect(b50).toBe(b1);
    expect(b1).toBe(3); // orders, customers, lines with their variants and products (one statement, fast-sql.ts byKeysInTenantJoined)

    const refs = async (n: number) => {
      sg.db.stats.statements = 0;
      const r = await call(LAGOS_ADMIN, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { number customer { name } lines { variant { sku product { name } } } } } }`, {
        r: LAGOS!.orders.slice(0, n).map((o) => ({ __typename: 'Order', id: o.id })),
      });
      expect(r.data._entities.filter(Boolean)).toHaveLength(n);
      return sg.db.stats.statements;
    };
    expect(await refs(40)).toBe(await refs(1));
    expect(await refs(1)).toBe(2); // orders with their customers, lines with their variants and products
    const locs = async (n: number) => {
      sg.db.stats.statements = 0;
      await call(LAGOS_ADMIN, `query($n: Int) { locations(first: $n) { edges { node { stockLevels(first: 5) { edges { node { available variant { sku product { name } } } } } } } } }`, { n });
      return sg.db.stats.statements;
    };
    expect(await locs(4)).toBe(await locs(1));
  });
});
