// Order-to-cash through the real gateway, driven only by domain events between the subgraphs:
// placeOrder → credit check → CONFIRMED → shipment + task → dispatch → delivery → invoice → payments → PAID,
// plus rejection by credit and cancellation. Embedded (PGlite, in-memory bus) and Postgres + Redis Streams.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '@omniroute/platform';
import { createTestDatabase, eventually, gql, login, nodes, testSecrets, TEST_REDIS_URL } from '@omniroute/testkit';

const modes = {
  embedded: { name: 'embedded PGlite + in-memory bus', db: async () => ({ url: undefined as string | undefined, drop: async () => {} }), redis: undefined as string | undefined },
  postgres: { name: 'Postgres + Redis Streams', db: () => createTestDatabase('omniroute_o2c'), redis: TEST_REDIS_URL as string | undefined },
};

const ORDER = `query($id: ID!) { order(id: $id) { id number status rejectionReason total { amount currencyCode }
  shipment { id status rider { id xp level { name } } } invoice { id status dueDate total { amount currencyCode } amountDue { amount currencyCode } } } }`;

/** The suite on one backend; each backend has its own test file (`order-to-cash.<mode>.test.ts`), so the two stacks boot in parallel on two workers. */
export const orderToCash = (mode: keyof typeof modes) => describe.each([modes[mode]])('order-to-cash on $name', ({ db, redis }) => {
  let stack: Stack;
  let dropDb: () => Promise<void>;
  let t: string;
  let q: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;
  let location: string;
  let sku: string;
  const customersByType: Record<string, string[]> = {};

  beforeAll(async () => {
    const d = await db();
    dropDb = d.drop;
    stack = await startStack({ secrets: testSecrets(), databaseUrl: d.url, redisUrl: redis, busPrefix: redis ? `o2c-${randomUUID().slice(0, 8)}` : undefined, seed: true, relayIntervalMs: 200 });
    t = await login(stack.gatewayUrl, 'ops@lagos.demo');
    q = async (query, variables = {}) => {
      const r = await gql(stack.gatewayUrl, query, variables, t);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data;
    };
    location = nodes<{ id: string }>((await q('{ locations(first: 1) { edges { node { id } } } }')).locations)[0]!.id;
    sku = nodes<{ variants: { sku: string }[] }>((await q('{ products(first: 1) { edges { node { variants { sku } } } } }')).products)[0]!.variants[0]!.sku;
    for (const c of nodes<{ id: string; type: string }>((await q('{ customers(first: 100) { edges { node { id type } } } }')).customers)) {
      (customersByType[c.type] ??= []).push(c.id);
    }
  });
  afterAll(async () => {
    await stack?.close();
    await dropDb?.();
  });

  const place = (customerId: string, quantity: number, paymentTerms = 'NET_14', idempotencyKey = randomUUID()) =>
    q(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id status total { amount } } userErrors { code message } } }`, {
      i: { customerId, channel: 'SALES_REP', locationId: location, lines: [{ sku, quantity }], paymentTerms, idempotencyKey },
    });
  const atp = async () => (await q('query($s: String!, $l: ID!) { availableToPromise(sku: $s, locationId: $l) { available reserved } }', { s: sku, l: location })).availableToPromise;
  const credit = async (id: string) => (await q('query($id: ID!) { customer(id: $id) { creditLine { available { amount } utilized { amount } } } }', { id })).customer.creditLine;
  const order = async (id: string) => (await q(ORDER, { id })).order;
  /** NGN balance of each ledger account (debits − credits). */
  const accounts = async (): Promise<Record<string, number>> =>
    Object.fromEntries((await q('{ trialBalance(currencyCode: NGN) { accounts { account balance { amount } } } }')).trialBalance.accounts.map((a: { account: string; balance: { amount: string } }) => [a.account, Number(a.balance.amount)]));

  it('flows from placeOrder to PAID by events, with credit, stock, XP and a balanced ledger', async () => {
    const customer = customersByType.DISTRIBUTOR![0]!;
    const creditBefore = await credit(customer);
    const stockBefore = await atp();
    const accountsBefore = await accounts();
    const key = randomUUID();
    const placed = await place(customer, 3, 'NET_14', key);
    expect(placed.placeOrder.userErrors).toEqual([]);
    const id = placed.placeOrder.order.id;
    expect((await place(customer, 3, 'NET_14', key)).placeOrder.order.id).toBe(id); // idempotent retry
    expect((await atp()).available).toBe(stockBefore.available - 3);

    const confirmed = await eventually(async () => {
      const o = await order(id);
      return o.status === 'CONFIRMED' && o.shipment?.status === 'PENDING' && o.invoice ? o : null;
    }, { timeoutMs: 20_000 });
    const total = Number(confirmed.total.amount);
    expect(Number((await credit(customer)).utilized.amount)).toBeCloseTo(Number(creditBefore.utilized.amount) + total, 2);

    const vehicle = nodes<{ id: string; currentShipment: { status: string } | null }>(
      (await q('{ vehicles(first: 50) { edges { node { id currentShipment { status } } } } }')).vehicles,
    ).find((v) => v.currentShipment?.status !== 'IN_TRANSIT')!;
    const rider = nodes<{ id: string; xp: number }>((await q('{ workers(first: 50, filter: { kycStatus: VERIFIED }) { edges { node { id xp } } } }')).workers)[0]!;
    const dispatched = await q(`mutation($i: DispatchShipmentInput!) { dispatchShipment(input: $i) { shipment { status } userErrors { code message } } }`, {
      i: { shipmentId: confirmed.shipment.id, vehicleId: vehicle.id, riderId: rider.id },
    });
    expect(dispatched.dispatchShipment.userErrors).toEqual([]);
    await eventually(async () => (await order(id)).status === 'DISPATCHED', { timeoutMs: 20_000 });

    // logistics accepts the delivery once commerce's acknowledgement of the dispatch (order.dispatched) is in
    const delivered = await eventually(async () => {
      const r = await q(`mutation($i: ConfirmDeliveryInput!) { confirmDelivery(input: $i) { shipment { status } userErrors { code message } } }`, {
        i: { shipmentId: confirmed.shipment.id, recipientName: 'Mama Nkechi', signatureRef: 'sig-123', lat: 6.5, lng: 3.4 },
      });
      return r.confirmDelivery.userErrors[0]?.code === 'DISPATCH_NOT_ACKNOWLEDGED' ? null : r;
    }, { timeoutMs: 20_000 });
    expect(delivered.confirmDelivery.userErrors).toEqual([]);
    const done = await eventually(async () => {
      const o = await order(id);
      return o.status === 'DELIVERED' && o.invoice.status === 'ISSUED' && o.shipment.rider?.xp > rider.xp ? o : null;
    }, { timeoutMs: 20_000 });
    expect(new Date(done.invoice.dueDate).getTime()).toBeGreaterThan(Date.now() + 13 * 86_400_000);

    const pay = (amount: string) =>
      q(`mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { invoice { status amountDue { amount } } userErrors { code message } } }`, {
        i: { invoiceId: done.invoice.id, amount, currencyCode: 'NGN', method: 'MOBILE_MONEY', idempotencyKey: randomUUID() },
      });
    const half = (Math.floor(total * 50) / 100).toFixed(2);
    const p1 = await pay(half);
    expect(p1.recordPayment.userErrors).toEqual([]);
    expect(p1.recordPayment.invoice.status).toBe('PARTIALLY_PAID');
    const wrong = await q(`mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { userErrors { code } } }`, {
      i: { invoiceId: done.invoice.id, amount: '1.00', currencyCode: 'GHS', method: 'CASH', idempotencyKey: randomUUID() },
    });
    expect(wrong.recordPayment.userErrors[0].code).toMatch(/CURRENCY/);
    const p2 = await pay(p1.recordPayment.invoice.amountDue.amount);
    expect(p2.recordPayment.invoice.status).toBe('PAID');
    expect(Number((await credit(customer)).utilized.amount)).toBeCloseTo(Number(creditBefore.utilized.amount), 2);

    const ledger = (await q('{ ledgerBalance { currencyCode balanced net { amount } } }')).ledgerBalance;
    expect(ledger.length).toBeGreaterThan(0);
    for (const l of ledger) expect(l.balanced, l.currencyCode).toBe(true);
    // per account, not only in sum: the order moved revenue and cash by its total; receivable and the credit memo
    // accounts are back where they were (issued then paid; reserved then released by the payments)
    const accountsAfter = await accounts();
    const delta = (a: string) => Math.round(((accountsAfter[a] ?? 0) - (accountsBefore[a] ?? 0)) * 100) / 100 + 0; // + 0: no -0
    expect(Object.keys(accountsAfter).length).toBeGreaterThan(3);
    expect({ REVENUE: delta('REVENUE'), CASH: delta('CASH'), ACCOUNTS_RECEIVABLE: delta('ACCOUNTS_RECEIVABLE'), CREDIT_EXPOSURE: delta('CREDIT_EXPOSURE'), CREDIT_COMMITMENT: delta('CREDIT_COMMITMENT') })
      .toEqual({ REVENUE: -total, CASH: total, ACCOUNTS_RECEIVABLE: 0, CREDIT_EXPOSURE: 0, CREDIT_COMMITMENT: 0 });
  });

  it('rejects by credit and releases the stock', async () => {
    const customer = customersByType.RETAILER![3]!;
    const set = await q(`mutation($i: SetCreditLimitInput!) { setCreditLimit(input: $i) { userErrors { code message } } }`, {
      i: { customerId: customer, limit: '1.00', currencyCode: 'NGN' },
    });
    expect(set.setCreditLimit.userErrors).toEqual([]);
    const before = await atp();
    const { placeOrder } = await place(customer, 2, 'NET_30');
    expect(placeOrder.userErrors).toEqual([]);
    const rejected = await eventually(async () => {
      const o = await order(placeOrder.order.id);
      return o.status === 'REJECTED' ? o : null;
    }, { timeoutMs: 20_000 });
    expect(rejected.rejectionReason).toBeTruthy();
    expect(rejected.shipment).toBeNull();
    await eventually(async () => (await atp()).available === before.available);
  });

  it('cancels before dispatch: stock and credit come back, shipment cancelled', async () => {
    const customer = customersByType.WHOLESALER![1]!;
    const creditBefore = await credit(customer);
    const before = await atp();
    const { placeOrder } = await place(customer, 4);
    const id = placeOrder.order.id;
    await eventually(async () => (await order(id)).shipment?.status === 'PENDING', { timeoutMs: 20_000 });
    const c = await q(`mutation($i: CancelOrderInput!) { cancelOrder(input: $i) { order { status } userErrors { code message } } }`, { i: { orderId: id, reason: 'customer changed mind' } });
    expect(c.cancelOrder.userErrors).toEqual([]);
    expect(c.cancelOrder.order.status).toBe('CANCELLED');
    expect((await atp()).available).toBe(before.available);
    await eventually(async () => {
      const o = await order(id);
      const cr = await credit(customer);
      return o.shipment?.status === 'CANCELLED' && Math.abs(Number(cr.utilized.amount) - Number(creditBefore.utilized.amount)) < 0.005;
    }, { timeoutMs: 20_000 });
  });
});
