// The foundation through the real gateway: OrderDetail across four subgraphs, auth errors, signed-context
// enforcement, tenant isolation and N+1 — on embedded PGlite and on a throw-away Postgres database.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@omniroute/platform';
import { demoPlan } from '@omniroute/demo';
import { createTestDatabase, gql, login, nodes, testSecrets } from '@omniroute/testkit';

const ORDER_DETAIL = readFileSync(new URL('../../schema/operations/OrderDetail.graphql', import.meta.url), 'utf8');
const ORDERS_DETAIL = (n: number) => `{ orders(first: ${n}) { edges { node { ${ORDER_DETAIL.slice(ORDER_DETAIL.indexOf('number'), ORDER_DETAIL.lastIndexOf('}', ORDER_DETAIL.lastIndexOf('}') - 1))} } } } }`;

const modes = {
  embedded: { name: 'embedded PGlite', db: async () => ({ url: undefined as string | undefined, drop: async () => {} }) },
  postgres: { name: 'Postgres', db: () => createTestDatabase('omniroute_it') },
};

/** The suite on one backend; each backend has its own test file (`foundation.<mode>.test.ts`), so the two stacks boot in parallel on two workers. */
export const foundation = (mode: keyof typeof modes) => describe.each([modes[mode]])('foundation on $name', ({ db }) => {
  let stack: Stack;
  let dropDb: () => Promise<void>;
  let lagos: string;
  let accra: string;

  beforeAll(async () => {
    const d = await db();
    dropDb = d.drop;
    // no periodic outbox polling or background jobs here: the N+1 test counts every SQL statement each subgraph runs
    stack = await startStack({ secrets: testSecrets(), databaseUrl: d.url, seed: true, relayIntervalMs: 3_600_000, backgroundJobs: false });
    [lagos, accra] = await Promise.all([login(stack.gatewayUrl, 'ops@lagos.demo'), login(stack.gatewayUrl, 'ops@accra.demo')]);
  });
  afterAll(async () => {
    await stack?.close();
    await dropDb?.();
  });

  it('answers OrderDetail with data from commerce, finance, logistics and workforce', async () => {
    const list = await gql(stack.gatewayUrl, '{ orders(first: 50, filter: { status: DELIVERED }) { edges { node { id } } } }', {}, lagos);
    expect(list.errors).toBeUndefined();
    const id = nodes<{ id: string }>(list.data.orders)[0]!.id;
    const r = await gql(stack.gatewayUrl, ORDER_DETAIL, { id }, lagos);
    expect(r.errors).toBeUndefined();
    const o = r.data.order;
    expect(o.total.currencyCode).toBe('NGN');
    expect(o.total.amount).toMatch(/^\d+\.\d{2}$/);
    expect(o.customer.creditLine.limit.currencyCode).toBe('NGN');
    expect(o.lines[0].variant.product.name).toBeTruthy();
    expect(o.shipment.vehicle.plate).toMatch(/^LAG-/);
    expect(o.shipment.rider.level.name).toMatch(/Starter|Bronze|Silver|Gold|Diamond|Master/);
    expect(o.invoice.status).toBeTruthy();
  });

  it('answers aliases named __proto__, constructor and toString like any other, on fields of every subgraph', async () => {
    // Subgraphs hand their data to the gateway as objects in this process (no JSON in between): a response key
    // `__proto__` is an own key, as JSON.parse makes it, never a prototype.
    const list = await gql(stack.gatewayUrl, '{ orders(first: 50, filter: { status: DELIVERED }) { edges { node { id } } } }', {}, lagos);
    const id = nodes<{ id: string }>(list.data.orders)[0]!.id;
    const plain = await gql(stack.gatewayUrl, 'query($id: ID!) { order(id: $id) { number customer { name creditLine { limit { amount } } } shipment { status } invoice { status } } }', { id }, lagos);
    const aliased = await gql(stack.gatewayUrl, `query($id: ID!) { order(id: $id) { __proto__: number constructor: number
      customer { __proto__: name creditLine { constructor: limit { __proto__: amount } } } shipment { __proto__: status } invoice { toString: status } } }`, { id }, lagos);
    expect(plain.errors).toBeUndefined();
    expect(aliased.errors).toBeUndefined();
    const own = (o: object, key: string) => (Object.hasOwn(o, key) ? Object.getOwnPropertyDescriptor(o, key)!.value : 'missing');
    const p = plain.data.order, a = aliased.data.order;
    expect(own(a, '__proto__')).toBe(p.number);
    expect(own(a, 'constructor')).toBe(p.number);
    expect(own(a.customer, '__proto__')).toBe(p.customer.name);
    expect(own(own(a.customer.creditLine, 'constructor'), '__proto__')).toBe(p.customer.creditLine.limit.amount);
    expect(own(a.shipment, '__proto__')).toBe(p.shipment.status);
    expect(own(a.invoice, 'toString')).toBe(p.invoice.status);
  });

  it('lets a rider sign in and see their own worker (User.worker, from workforce), and nobody else\'s private fields', async () => {
    const [plan] = demoPlan();
    const me = plan!.riders[0]!;
    const other = plan!.riders[1]!;
    const rider = await login(stack.gatewayUrl, me.email);
    const r = await gql(stack.gatewayUrl, '{ me { id roles tenant { name } worker { id name phone level { name } earnings { currencyCode } } } }', {}, rider);
    expect(r.errors).toBeUndefined();
    expect(r.data.me).toMatchObject({ id: me.userId, roles: ['RIDER'], tenant: { name: 'Lagos FMCG Distribution' } });
    expect(r.data.me.worker).toMatchObject({ id: me.id, name: me.name, phone: me.phone, earnings: { currencyCode: 'NGN' } });
    // staff have no worker; a rider does not see another worker's phone
    expect((await gql(stack.gatewayUrl, '{ me { worker { id } } }', {}, lagos)).data.me.worker).toBeNull();
    const peek = await gql(stack.gatewayUrl, `{ worker(id: "${other.id}") { phone } }`, {}, rider);
    expect(peek.data?.worker?.phone ?? null).toBeNull();
  });

  it('refuses anonymous and bad tokens with UNAUTHENTICATED', async () => {
    const anon = await gql(stack.gatewayUrl, '{ orders(first: 1) { edges { node { id } } } }');
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(anon.data?.orders ?? null).toBeNull();
    const bad = await gql(stack.gatewayUrl, '{ orders(first: 1) { edges { node { id } } } }', {}, lagos.slice(0, -3) + 'abc');
    expect(bad.status).toBe(401);
    expect(bad.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('answers FORBIDDEN for a role without the right, and reports health and readiness', async () => {
    const sales = await login(stack.gatewayUrl, 'sales@lagos.demo');
    const r = await gql(stack.gatewayUrl, '{ ledgerBalance { currencyCode } }', {}, sales);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const base = stack.gatewayUrl.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const ready = await fetch(`${base}/ready`);
    expect(ready.status).toBe(200);
    expect((await ready.json()).subgraphs).toMatchObject({ identity: 'up', commerce: 'up', logistics: 'up', finance: 'up', workforce: 'up' });
  });

  it('subgraphs refuse requests that do not carry the gateway signature', async () => {
    for (const { running } of Object.values(stack.subgraphs)) {
      const r = await gql(running.url, '{ _service { sdl } }');
      expect(r.status).toBe(401);
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });

  it('keeps tenants apart: Accra gets nothing of Lagos by id or by list', async () => {
    const lagosOrders = nodes<{ id: string; customer: { id: string } }>((await gql(stack.gatewayUrl, '{ orders(first: 20) { edges { node { id customer { id } } } } }', {}, lagos)).data.orders);
    const ids = new Set(lagosOrders.map((o) => o.id));
    for (const o of lagosOrders.slice(0, 5)) {
      const r = await gql(stack.gatewayUrl, ORDER_DETAIL, { id: o.id }, accra);
      expect(r.data?.order ?? null).toBeNull();
      const c = await gql(stack.gatewayUrl, 'query($id: ID!) { customer(id: $id) { id name creditLine { limit { amount } } } }', { id: o.customer.id }, accra);
      expect(c.data?.customer ?? null).toBeNull();
    }
    const lists = await gql(
      stack.gatewayUrl,
      `{ orders(first: 100) { edges { node { id } } } customers(first: 100) { edges { node { id } } }
         products(first: 100) { edges { node { id variants { sku } } } } locations(first: 100) { edges { node { id } } }
         vehicles(first: 100) { edges { node { id plate } } } workers(first: 100) { edges { node { id } } } }`,
      {},
      accra,
    );
    expect(lists.errors).toBeUndefined();
    // Accra's own lists are not empty, so "none of them is Lagos's" says something
    const accraOrders = nodes<{ id: string }>(lists.data.orders);
    const accraVehicles = nodes<{ plate: string }>(lists.data.vehicles);
    const accraVariants = nodes<{ variants: { sku: string }[] }>(lists.data.products).flatMap((p) => p.variants);
    const accraCustomers = nodes<{ id: string }>(lists.data.customers);
    for (const list of [accraOrders, accraVehicles, accraVariants, accraCustomers]) expect(list.length).toBeGreaterThan(0);
    expect(ids.size).toBeGreaterThan(0);
    expect(accraOrders.some((o) => ids.has(o.id))).toBe(false);
    expect(accraVehicles.every((v) => !v.plate.startsWith('LAG-'))).toBe(true);
    expect(accraVariants.every((v) => !v.sku.startsWith('LAG-'))).toBe(true);
    const lagosCustomerIds = new Set(lagosOrders.map((o) => o.customer.id));
    expect(lagosCustomerIds.size).toBeGreaterThan(0);
    expect(accraCustomers.some((c) => lagosCustomerIds.has(c.id))).toBe(false);
  });

  // Reads of requests running at once are merged per statement and tenant on Postgres (fast-sql.ts mergeReads): Accra
  // asking for Lagos's orders at the same moment as Lagos must still get nothing, and Lagos exactly what it gets alone.
  it('keeps tenants apart when they ask for the same orders at the same time', async () => {
    const ids = nodes<{ id: string }>((await gql(stack.gatewayUrl, '{ orders(first: 12) { edges { node { id } } } }', {}, lagos)).data.orders).map((o) => o.id);
    const alone = new Map<string, unknown>();
    for (const id of ids) alone.set(id, (await gql(stack.gatewayUrl, ORDER_DETAIL, { id }, lagos)).data);
    const together = await Promise.all(ids.flatMap((id) => [gql(stack.gatewayUrl, ORDER_DETAIL, { id }, accra), gql(stack.gatewayUrl, ORDER_DETAIL, { id }, lagos)]));
    ids.forEach((id, i) => {
      expect(together[2 * i]!.data?.order ?? null).toBeNull();
      expect(together[2 * i + 1]!.errors).toBeUndefined();
      expect(together[2 * i + 1]!.data).toEqual(alone.get(id));
    });
    expect([...alone.values()].every((d) => (d as { order: unknown }).order)).toBe(true);
  });

  it('issues a number of SQL statements per subgraph that does not grow with the list (no N+1)', async () => {
    const count = async (n: number) => {
      for (const s of Object.values(stack.subgraphs)) s.runtime.db.stats.statements = 0;
      const r = await gql(stack.gatewayUrl, ORDERS_DETAIL(n), {}, lagos);
      expect(r.errors).toBeUndefined();
      expect(nodes(r.data.orders)).toHaveLength(n);
      return Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s.runtime.db.stats.statements]));
    };
    // 12 orders already cover every status (so every nested fetch happens); 50 must not cost more
    const twelve = await count(12);
    const fifty = await count(50);
    for (const name of ['commerce', 'logistics', 'finance', 'workforce']) {
      expect(fifty[name], name).toBeGreaterThan(0);
      expect(fifty[name], name).toBeLessThanOrEqual(twelve[name]!);
    }
  });
});
