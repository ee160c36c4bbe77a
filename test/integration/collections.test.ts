// Issue 16 part 4, collections through the real gateway (the stack on Postgres with its provider sandbox): aging buckets per
// customer and territory, collector worklists ordered by amount × days overdue, the dunning schedule sending SMS
// through the notification outbox to the Africa's Talking sandbox over HTTP (once per step, failures recorded),
// promises to pay with their follow-up, the automatic credit hold beyond 60 days overdue that refuses credit orders
// and is released by a payment, and today's collections. The ledger stays balanced after every flow.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { startStack, type Stack } from '@omniroute/platform';
import { createTestDatabase, eventually, gql, login, nodes, testSecrets } from '@omniroute/testkit';

const DAY = 86_400_000;
const lagos = demoPlan().find((t) => t.id === 'tnt_LAGOS')!;

describe('collections through the gateway', () => {
  let stack: Stack;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let ops: string;
  let finance: any;
  const q = async (query: string, variables: Record<string, unknown> = {}, token = ops) => {
    const r = await gql(stack.gatewayUrl, query, variables, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  let orders = 0;
  /** An issued NET_7 invoice on credit, delivered `daysAgo` days ago (so due `daysAgo - 7` days ago). */
  async function invoice(customerId: string, total: string, daysAgo: number) {
    const orderId = `ord_COLL${String(++orders).padStart(4, '0')}`;
    return finance.prisma.$transaction(async (tx: any) => {
      await finance.services.invoices.createDraft(tx, { tenantId: 'tnt_LAGOS', orderId, customerId, terms: 'NET_7', total: money(total, 'NGN'), onCredit: true });
      return finance.services.invoices.issueForDelivery(tx, { tenantId: 'tnt_LAGOS', orderId, deliveredAt: new Date(Date.now() - daysAgo * DAY) });
    });
  }
  async function expectLedgerBalanced() {
    for (const c of ['NGN', 'GHS']) expect((await q('query($c: CurrencyCode!) { trialBalance(currencyCode: $c) { balanced } }', { c })).trialBalance.balanced, c).toBe(true);
    expect(await finance.prisma.$queryRaw`SELECT "postingId" FROM "LedgerEntry" GROUP BY "postingId" HAVING SUM("amount") <> 0`).toEqual([]);
  }

  // Three customers of one territory and one of another, with invoices of every age.
  const [a, b, c] = lagos.customers.filter((x) => x.territoryId === lagos.customers[0]!.territoryId);
  const other = lagos.customers.find((x) => x.territoryId !== a!.territoryId)!;
  const inv: Record<string, any> = {};

  beforeAll(async () => {
    db = await createTestDatabase('omniroute_collections');
    process.env.PAYMENT_CREDENTIALS_KEY ??= 'c'.repeat(64);
    stack = await startStack({ secrets: testSecrets(), databaseUrl: db.url, seed: true, relayIntervalMs: 200, paymentSandboxTiming: { approveMs: 200 } });
    ops = await login(stack.gatewayUrl, 'ops@lagos.demo');
    finance = stack.subgraphs.finance!.runtime;
    inv.a68 = await invoice(a!.id, '90000.00', 75); // 68 days overdue → 61–90, credit hold
    inv.a10 = await invoice(a!.id, '20000.00', 17); // 10 days
    inv.aToday = await invoice(a!.id, '5000.00', 7); // due today
    inv.b95 = await invoice(b!.id, '15000.00', 102); // 95 days → 90+
    inv.c40 = await invoice(c!.id, '30000.00', 47); // 40 days; c's phone fails at the SMS provider
    inv.o35 = await invoice(other.id, '1000.00', 42);
    await finance.prisma.collectionContact.update({ where: { tenantId_customerId: { tenantId: 'tnt_LAGOS', customerId: c!.id } }, data: { phone: '+2348031111002' } });
    // b's carrier reports out of order (the sandbox's 1006: Success, then a stale Buffered)
    await finance.prisma.collectionContact.update({ where: { tenantId_customerId: { tenantId: 'tnt_LAGOS', customerId: b!.id } }, data: { phone: '+2348031111006' } });
  }, 120_000);
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  it('aging: buckets per customer and territory that add up to the tenant total', async () => {
    const r = (await q(`{ collectionsAging(currencyCode: NGN) { total { amount } buckets { bucket amount { amount } }
      customers { customer { id } territoryId total { amount } maxDaysOverdue onHold buckets { bucket amount { amount } } }
      territories { territoryId customers total { amount } buckets { bucket amount { amount } } } } }`)).collectionsAging;
    const bucket = (row: any, b: string) => Number(row.buckets.find((x: any) => x.bucket === b).amount.amount);
    const custA = r.customers.find((x: any) => x.customer.id === a!.id);
    expect(custA.territoryId).toBe(a!.territoryId);
    expect(bucket(custA, 'DAYS_61_90')).toBe(90000);
    expect(bucket(custA, 'DAYS_1_30')).toBeGreaterThanOrEqual(20000);
    expect(bucket(custA, 'CURRENT')).toBeGreaterThanOrEqual(5000);
    expect(custA.maxDaysOverdue).toBe(68);
    expect(bucket(r.customers.find((x: any) => x.customer.id === b!.id), 'DAYS_OVER_90')).toBe(15000);
    expect(bucket(r.customers.find((x: any) => x.customer.id === c!.id), 'DAYS_31_60')).toBe(30000);
    const sum = (rows: any[]) => rows.reduce((s, x) => s + Number(x.total.amount), 0);
    expect(sum(r.customers)).toBeCloseTo(Number(r.total.amount), 2);
    expect(sum(r.territories)).toBeCloseTo(Number(r.total.amount), 2);
    expect(r.buckets.reduce((s: number, x: any) => s + Number(x.amount.amount), 0)).toBeCloseTo(Number(r.total.amount), 2);
    const territory = r.territories.find((t: any) => t.territoryId === a!.territoryId);
    expect(bucket(territory, 'DAYS_OVER_90')).toBeGreaterThanOrEqual(15000);
    expect(territory.customers).toBeGreaterThanOrEqual(3);
  });

  it("a collector's worklist: one territory, amount × days overdue, highest first", async () => {
    const list = (await q(`query($t: ID) { collectionsWorklist(territoryId: $t, currencyCode: NGN, first: 50) {
      invoice { id number } customer { id } territoryId amountDue { amount } daysOverdue priority phone } }`, { t: a!.territoryId })).collectionsWorklist;
    expect(list.every((w: any) => w.territoryId === a!.territoryId && w.daysOverdue > 0)).toBe(true);
    expect(list.map((w: any) => w.invoice.id)).not.toContain(inv.o35.id);
    expect(list[0].invoice.id).toBe(inv.a68.id); // 90 000 × 68
    const priorities = list.map((w: any) => Number(w.priority));
    expect([...priorities].sort((x, y) => y - x)).toEqual(priorities);
    expect(Number(list[0].priority)).toBe(90000 * 68);
  });

  it('the dunning cycle sends each step once through Africa\'s Talking, and holds credit beyond 60 days', async () => {
    const run = (await q('mutation { runCollections(input: {}) { reminders followUps held released sent userErrors { code } } }')).runCollections;
    expect(run.reminders).toBeGreaterThanOrEqual(5);
    expect(run.held).toBeGreaterThanOrEqual(2); // a (68 days) and b (95 days)
    const sms = stack.paymentSandbox!.messages;
    const toA = sms.filter((m) => m.to === a!.phone);
    expect(toA.map((m) => m.message).join('\n')).toContain(inv.a68.number);
    expect(toA.find((m) => m.message.includes(inv.a68.number))!.message).toContain('on hold');
    expect(toA.find((m) => m.message.includes(inv.aToday.number))!.message).toContain('due today');
    expect(toA.every((m) => m.statusCode === 101 && m.from === 'LAGOSFMCG')).toBe(true);
    // the provider refuses c's number for good: FAILED with its reason, not retried
    const notes = nodes<any>((await q(`query($c: ID) { collectionNotifications(customerId: $c, first: 20) { edges { node { stage status failureReason providerMessageId attempts invoice { id } } } } }`, { c: c!.id })).collectionNotifications);
    expect(notes.find((n) => n.invoice?.id === inv.c40.id)).toMatchObject({ stage: 'OVERDUE_30', status: 'FAILED', attempts: 1 });
    expect(notes.find((n) => n.invoice?.id === inv.c40.id).failureReason).toContain('403');
    const aNotes = nodes<any>((await q(`query($c: ID) { collectionNotifications(customerId: $c, first: 20) { edges { node { stage status providerMessageId invoice { id } } } } }`, { c: a!.id })).collectionNotifications);
    expect(aNotes.filter((n) => n.invoice?.id === inv.a68.id)).toEqual([{ stage: 'OVERDUE_60', status: 'SENT', providerMessageId: expect.stringMatching(/^ATXid_/), invoice: { id: inv.a68.id } }]);

    // a second run the same day sends nothing again
    const before = sms.length;
    const again = (await q('mutation { runCollections(input: {}) { reminders held sent } }')).runCollections;
    expect(again).toEqual({ reminders: 0, held: 0, sent: 0 });
    expect(sms.length).toBe(before);

    const line = (await q(`query($id: ID!) { customer(id: $id) { creditLine { status hold { since reason } } } }`, { id: a!.id })).customer.creditLine;
    expect(line.status).toBe('ON_HOLD');
    expect(line.hold.reason).toContain(inv.a68.number);
    await expectLedgerBalanced();
  });

  it("Africa's Talking delivery reports reach the notification: the final word stands against stale and repeated reports; forged ones are refused", async () => {
    const NOTES = `query($c: ID) { collectionNotifications(customerId: $c, first: 20) { edges { node { id stage providerMessageId invoice { id } delivery { status failureReason deliveredAt reportedAt } } } } }`;
    const note = async (customerId: string, invoiceId: string) => nodes<any>((await q(NOTES, { c: customerId })).collectionNotifications).find((n) => n.invoice?.id === invoiceId);
    // a: Buffered, then Success — over HTTP from the sandbox through the gateway
    const na = await eventually(async () => ((await note(a!.id, inv.a68.id))?.delivery?.status === 'SUCCESS' ? note(a!.id, inv.a68.id) : null), { timeoutMs: 15_000 });
    expect(na.delivery).toMatchObject({ status: 'SUCCESS', failureReason: null, deliveredAt: expect.any(String) });
    // b: Success, then the stale Buffered — both delivered and answered, the final word kept
    const nb = await note(b!.id, inv.b95.id);
    await eventually(() => stack.paymentSandbox!.deliveries.filter((d) => d.reference === nb.providerMessageId && d.status === 200).length === 2, { timeoutMs: 15_000 });
    expect((await note(b!.id, inv.b95.id)).delivery.status).toBe('SUCCESS');

    const base = stack.gatewayUrl.replace(/\/graphql$/, '');
    const { demoSmsAccounts } = await import('@omniroute/demo');
    const { createHmac } = await import('node:crypto');
    const token = (tenant: string, apiKey: string) => createHmac('sha256', apiKey).update(`${tenant}:africastalking:dlr`).digest('base64url');
    const lagosKey = demoSmsAccounts().find((x) => x.tenantId === 'tnt_LAGOS')!.apiKey;
    const accraKey = demoSmsAccounts().find((x) => x.tenantId === 'tnt_ACCRA')!.apiKey;
    const report = (t: string, form: Record<string, string>) => fetch(`${base}/webhooks/payments/africastalking/tnt_LAGOS?token=${encodeURIComponent(t)}`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString(),
    });
    const failed = { id: na.providerMessageId, status: 'Failed', phoneNumber: a!.phone, failureReason: 'DeliveryFailure' };
    // forged, or another tenant's token: 401, nothing changes
    expect((await report('forged', failed)).status).toBe(401);
    expect((await report(token('tnt_LAGOS', accraKey), failed)).status).toBe(401);
    expect((await report(token('tnt_ACCRA', lagosKey), failed)).status).toBe(401);
    // authentic but late: received, not applied
    const late = await report(token('tnt_LAGOS', lagosKey), failed);
    expect([late.status, await late.json()]).toEqual([200, { received: true, applied: false }]);
    expect((await note(a!.id, inv.a68.id)).delivery).toEqual(na.delivery);
    // a message we never sent: acknowledged so the provider stops, nothing stored
    const unknown = await report(token('tnt_LAGOS', lagosKey), { id: 'ATXid_nope', status: 'Success', phoneNumber: '+2348000000000' });
    expect(await unknown.json()).toEqual({ received: true, applied: false });
    expect((await report(token('tnt_LAGOS', lagosKey), { id: 'x', status: 'Teleported' })).status).toBe(400);
  });

  it('a held customer cannot order on credit; paying the old invoice releases the hold', async () => {
    const location = nodes<any>((await q('{ locations(first: 1) { edges { node { id } } } }')).locations)[0].id;
    const sku = nodes<any>((await q('{ products(first: 1) { edges { node { variants { sku } } } } }')).products)[0].variants[0].sku;
    const placed = (await q(`mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id } userErrors { code } } }`, {
      i: { customerId: a!.id, channel: 'SALES_REP', locationId: location, lines: [{ sku, quantity: 1 }], paymentTerms: 'NET_7', idempotencyKey: randomUUID() },
    })).placeOrder;
    expect(placed.userErrors).toEqual([]);
    const rejected = await eventually(async () => {
      const o = (await q('query($id: ID!) { order(id: $id) { status rejectionReason } }', { id: placed.order.id })).order;
      return o.status === 'REJECTED' ? o : null;
    }, { timeoutMs: 15_000 });
    expect(rejected.rejectionReason).toMatch(/CREDIT_ON_HOLD|hold/i);

    const paid = (await q(`mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { payment { status } userErrors { code message } } }`, {
      i: { invoiceId: inv.a68.id, amount: '90000.00', method: 'CASH', idempotencyKey: randomUUID() },
    })).recordPayment;
    expect(paid).toMatchObject({ payment: { status: 'SUCCEEDED' }, userErrors: [] });
    const released = await eventually(async () => {
      const l = (await q(`query($id: ID!) { customer(id: $id) { creditLine { status hold { reason } } } }`, { id: a!.id })).customer.creditLine;
      return l.status !== 'ON_HOLD' ? l : null;
    }, { timeoutMs: 10_000 });
    expect(released.hold).toBeNull();
    const today = (await q('{ collectionsToday(currencyCode: NGN) { collected { amount } payments byMethod { method amount { amount } } } }')).collectionsToday;
    expect(Number(today.collected.amount)).toBeGreaterThanOrEqual(90000);
    expect(today.byMethod.find((m: any) => m.method === 'CASH')).toBeTruthy();
    await expectLedgerBalanced();
  });

  it('a promise to pay pauses reminders; broken, it is followed up by SMS', async () => {
    const today = new Date().toISOString();
    const r = (await q(`mutation($i: RecordPromiseToPayInput!) { recordPromiseToPay(input: $i) { promise { id status promisedFor amount { amount } invoice { id } } userErrors { code field } } }`, {
      i: { customerId: other.id, invoiceId: inv.o35.id, amount: '1000.00', currencyCode: 'NGN', promisedFor: today, note: 'pays Friday after market', idempotencyKey: 'ptp-1' },
    })).recordPromiseToPay;
    expect(r.userErrors).toEqual([]);
    expect(r.promise).toMatchObject({ status: 'OPEN', invoice: { id: inv.o35.id } });
    const bad = (await q(`mutation($i: RecordPromiseToPayInput!) { recordPromiseToPay(input: $i) { userErrors { code field } } }`, {
      i: { customerId: other.id, amount: '1000.00', currencyCode: 'NGN', promisedFor: new Date(Date.now() - 3 * DAY).toISOString(), idempotencyKey: 'ptp-2' },
    })).recordPromiseToPay;
    expect(bad.userErrors).toEqual([{ code: 'INVALID_INPUT', field: ['input', 'promisedFor'] }]);

    // The first cycle already reminded `other` (OVERDUE_30); the promise holds back nothing new, and the day has not ended.
    await q('mutation { runCollections(input: {}) { reminders } }');
    // The promised day ends unpaid (the clock moved on): the next cycle finds it broken and follows up.
    await finance.prisma.promiseToPay.update({ where: { id: r.promise.id }, data: { promisedFor: new Date(Date.now() - 2 * DAY) } });
    const run = (await q('mutation { runCollections(input: {}) { promisesBroken followUps sent } }')).runCollections;
    expect(run).toMatchObject({ promisesBroken: 1, followUps: 1 });
    expect(stack.paymentSandbox!.messages.filter((m) => m.to === other.phone).at(-1)!.message).toContain('you promised');
    const promises = nodes<any>((await q(`query($c: ID) { promisesToPay(filter: { customerId: $c }) { edges { node { id status } } } }`, { c: other.id })).promisesToPay);
    expect(promises).toEqual([{ id: r.promise.id, status: 'BROKEN' }]);
  });

  it('financing offers (issue 16 part 5) follow the score, with its factors explained; a held customer gets none', async () => {
    const OFFERS = `query($c: ID!, $i: ID) { financingOffers(customerId: $c, invoiceId: $i) { score eligible reason
      factors { factor points detail } offers { tenorDays limit { amount currencyCode } feeRate fee { amount } repayable { amount } dueDate } } }`;
    const held = (await q(OFFERS, { c: b!.id })).financingOffers;
    expect(held).toMatchObject({ eligible: false, offers: [] });
    expect(held.reason).toMatch(/hold|overdue/);
    const clean = lagos.customers.find((x) => ![a, b, c, other].includes(x))!;
    const o = (await q(OFFERS, { c: clean.id })).financingOffers;
    expect(o.factors.map((f: any) => f.factor)).toEqual(['BASELINE', 'ON_TIME_PAYMENTS', 'LATE_PAYMENTS', 'OVERDUE_INVOICES', 'UTILIZATION']);
    expect(Math.max(0, Math.min(1000, o.factors.reduce((s: number, f: any) => s + f.points, 0)))).toBe(o.score);
    if (o.score >= 500) {
      expect(o.offers.map((x: any) => x.tenorDays)).toEqual([7, 14, 30]);
      for (const x of o.offers) expect(Number(x.repayable.amount)).toBeCloseTo(Number(x.limit.amount) + Number(x.fee.amount), 2);
      expect(Number(o.offers[2].feeRate)).toBeGreaterThan(Number(o.offers[0].feeRate));
    } else expect(o.eligible).toBe(false);
    // one invoice: the limit never exceeds what is due on it
    const mine = await invoice(clean.id, '2500.00', 3);
    const one = (await q(OFFERS, { c: clean.id, i: mine.id })).financingOffers;
    if (one.eligible) expect(one.offers.every((x: any) => Number(x.limit.amount) <= 2500)).toBe(true);
    expect((await q(OFFERS, { c: clean.id, i: inv.b95.id })).financingOffers).toBeNull(); // not this customer's invoice
  });

  it('collections are for staff: a rider is refused', async () => {
    const rider = await login(stack.gatewayUrl, 'rider1@lagos.demo');
    const r = await gql(stack.gatewayUrl, '{ collectionsAging(currencyCode: NGN) { total { amount } } }', {}, rider);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
