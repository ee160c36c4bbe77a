// initiatePayment over the real wire: finance's connectors call the provider sandbox over HTTP (Daraja, MTN MoMo,
// Paystack), the sandbox calls back through the gateway's webhook forwarder, and finance settles. Every scripted
// outcome of the sandbox, forged and replayed callbacks, idempotent retries; the ledger balanced after each flow.
// Throw-away Postgres database (callbacks race for the invoice lock as they do in production).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { paystackSignature, type ProviderSandbox } from '@omniroute/provider-sandbox';
import { createTestDatabase, eventually } from '@omniroute/testkit';
import type { Viewer } from '@omniroute/core';
import { ACCRA, lagosFinance, LAGOS, lagosPartner, lagosSales, type client } from './helpers.ts';
import { CREDENTIALS_KEY, lagos, payer, startRails, type RailsStack } from './rails-stack.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let stack: RailsStack;
let sg: RailsStack['sg'];
let sandbox: ProviderSandbox;
let hooks: string;
let financeUrl: string;
let q: ReturnType<typeof client>;

const issued = lagos.invoices.filter((i) => i.status === 'ISSUED');
const freshInvoice = (total?: string) => stack.freshInvoice(total);
let keyN = 0;
const key = (label: string) => `rails-${label}-${++keyN}`;

const initiate = (input: Record<string, unknown>, v: Viewer = lagosFinance) => stack.initiate(input, v);
const read = (id: string) => stack.read(id);
const settled = (id: string, timeoutMs = 10_000) => stack.settled(id, timeoutMs);
const postings = (paymentId: string) => sg.prisma.ledgerPosting.count({ where: { paymentId, kind: 'PAYMENT_RECEIVED' } });
const callbacks = (paymentId: string) => sg.prisma.paymentCallback.findMany({ where: { paymentId }, orderBy: { receivedAt: 'asc' } });
const deliveriesFor = (reference: string) => sandbox.deliveries.filter((d) => d.reference === reference);

/**
 * The invariants after every flow: each posting sums to zero and so does each currency's trial balance; every
 * wallet's balance is its ledger sub-account (and its last movement's balance), never below zero.
 */
async function expectLedgerBalanced() {
  const unbalanced = await sg.prisma.$queryRaw<unknown[]>`SELECT "postingId" FROM "LedgerEntry" GROUP BY "postingId" HAVING SUM("amount") <> 0`;
  expect(unbalanced).toEqual([]);
  const wallets = await sg.prisma.$queryRaw<{ id: string; balance: string; ledger: string; last: string | null }[]>`
    SELECT w."id", w."balance"::text AS balance,
      (SELECT COALESCE(-SUM(e."amount"), 0)::text FROM "LedgerEntry" e WHERE e."walletId" = w."id" AND e."account" = 'WALLET') AS ledger,
      (SELECT m."balanceAfter"::text FROM "WalletMovement" m WHERE m."walletId" = w."id" ORDER BY m."id" DESC LIMIT 1) AS last
    FROM "Wallet" w`;
  for (const w of wallets) {
    expect(Number(w.balance), w.id).toBeGreaterThanOrEqual(0);
    expect(Number(w.ledger), w.id).toBe(Number(w.balance));
    expect(Number(w.last ?? 0), w.id).toBe(Number(w.balance));
  }
  for (const [tenant, currency] of [[LAGOS, 'NGN'], [ACCRA, 'GHS']] as const) {
    const tb = await q({ ...lagosFinance, tenantId: tenant }, `query($c: CurrencyCode!) { trialBalance(currencyCode: $c) { debits { amount } credits { amount } net { amount } balanced } }`, { c: currency });
    expect(tb.errors).toBeUndefined();
    expect(tb.data.trialBalance.balanced).toBe(true);
    expect(tb.data.trialBalance.debits.amount).toBe(tb.data.trialBalance.credits.amount);
  }
}

beforeAll(async () => {
  database = await createTestDatabase('omniroute_rails');
  stack = await startRails({ orderPrefix: 'RAILS', databaseUrl: database.url });
  ({ sg, sandbox, hooks, financeUrl, q } = stack);
});
afterAll(async () => {
  await stack?.stop();
  await database?.drop();
});
afterEach(async () => {
  // wait for the sandbox's last callbacks of the flow, then check the invariant
  await new Promise((r) => setTimeout(r, 100));
  await expectLedgerBalanced();
});

describe('happy paths over each rail', () => {
  it('M-Pesa: STK push, PENDING with the CheckoutRequestID, the callback settles it; the invoice is PAID, the ledger posts', async () => {
    const inv = await freshInvoice();
    const r = await initiate({ invoiceId: inv.id, amount: inv.total, phone: '+254 700 000 042' });
    expect(r.errors).toBeUndefined();
    const { payment, userErrors } = r.data.initiatePayment;
    expect(userErrors).toEqual([]);
    expect(payment).toMatchObject({ status: 'PENDING', rail: 'MPESA', provider: 'MPESA', phone: '+254700000042', method: 'MOBILE_MONEY', amount: { amount: inv.total, currencyCode: 'NGN' } });
    expect(payment.reference).toMatch(/^ws_CO_\d{14}/);
    const done = await settled(payment.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', reference: payment.reference, invoice: { status: 'PAID', amountPaid: { amount: inv.total } } });
    expect(done.receipt).toMatch(/^SBX\d{7}$/);
    expect(await postings(payment.id)).toBe(1);
    const cbs = await callbacks(payment.id);
    expect(cbs.map((c) => [c.rail, c.outcome, c.applied])).toEqual([['MPESA', 'SUCCEEDED', true]]);
    // the Daraja request as the sandbox received it
    const txn = [...sandbox.transactions.values()].find((t) => t.reference === payment.reference)!;
    expect(txn).toMatchObject({ rail: 'MPESA', phone: '254700000042', status: 'SUCCEEDED' });
    expect(Number(txn.amount)).toBe(Number(inv.total));
    const events = await sg.prisma.outboxEvent.findMany({ where: { type: 'payment.updated', aggregateId: payment.id }, orderBy: { occurredAt: 'asc' } });
    expect(events.map((e) => [(e.payload as any).previousStatus, (e.payload as any).status])).toEqual([[null, 'PENDING'], ['PENDING', 'SUCCEEDED']]);
  });

  it('MTN MoMo: request to pay with our X-Reference-Id, settled by the callback; a partial payment leaves PARTIALLY_PAID', async () => {
    const inv = await freshInvoice();
    const r = await initiate({ invoiceId: inv.id, provider: 'MTN_MOMO', amount: '1234.56' });
    const { payment } = r.data.initiatePayment;
    expect(payment.reference).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const done = await settled(payment.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', invoice: { status: 'PARTIALLY_PAID', amountPaid: { amount: '1234.56' } } });
    expect(done.receipt).toMatch(/^\d{10}$/);
    expect(sandbox.transactions.get(`MTN_MOMO:${payment.reference}`)).toMatchObject({ amount: '1234.56', currency: 'NGN', meta: { externalId: payment.id } });
    expect(await postings(payment.id)).toBe(1);
  });

  it('Paystack: initialize with our reference in kobo, settled by the signed charge.success webhook', async () => {
    const inv = await freshInvoice();
    const r = await initiate({ invoiceId: inv.id, provider: 'PAYSTACK', method: 'CARD', amount: '2500.50' });
    const { payment } = r.data.initiatePayment;
    expect(payment).toMatchObject({ status: 'PENDING', reference: payment.id, rail: 'PAYSTACK' });
    const done = await settled(payment.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', invoice: { amountPaid: { amount: '2500.50' } } });
    expect(sandbox.transactions.get(`PAYSTACK:${payment.id}`)).toMatchObject({ amount: '2500.50', meta: { subunits: 250050, channel: 'card' } });
    const [d] = await eventually(async () => (deliveriesFor(payment.id).length ? deliveriesFor(payment.id) : null));
    expect(d!.status).toBe(200);
    expect((await callbacks(payment.id)).map((c) => c.applied)).toEqual([true]);
  });
});

describe('failures', () => {
  it.each([
    ['MPESA', '1001', /M-Pesa 1: The balance is insufficient/],
    ['MPESA', '1002', /M-Pesa 1032: Request cancelled by user/],
    ['MPESA', '1003', /M-Pesa 1037: DS timeout/],
    ['MTN_MOMO', '1001', /MTN MoMo: NOT_ENOUGH_FUNDS/],
    ['MTN_MOMO', '1002', /MTN MoMo: APPROVAL_REJECTED/],
    ['PAYSTACK', '1001', /Paystack failed: Insufficient Funds/],
    ['PAYSTACK', '1003', /Paystack abandoned/],
  ])('%s scenario %s: FAILED with the provider\'s reason, nothing credited', async (provider, scenario, reason) => {
    const inv = await freshInvoice();
    const r = await initiate({ invoiceId: inv.id, provider, phone: payer(scenario) });
    const done = await settled(r.data.initiatePayment.payment.id);
    expect(done).toMatchObject({ status: 'FAILED', receivedAt: null, invoice: { status: 'ISSUED', amountPaid: { amount: '0.00' } } });
    expect(done.failureReason).toMatch(reason);
    expect(await postings(done.id)).toBe(0);
    // Paystack sends no event for a failed charge: verify (the status poll) told
    if (provider === 'PAYSTACK') expect(deliveriesFor(done.id)).toEqual([]);
    // the failed payment no longer holds the amount: the invoice can be paid in full again
    const again = await initiate({ invoiceId: inv.id, provider, amount: inv.total });
    expect(again.data.initiatePayment.userErrors).toEqual([]);
    await settled(again.data.initiatePayment.payment.id);
  });

  it('a provider that refuses the request up front fails the payment at once (Paystack: a key it does not know)', async () => {
    await sg.services.providerAccounts.upsert(LAGOS, 'PAYSTACK', { baseUrl: sandbox.url, currencies: ['NGN'], secrets: { secretKey: 'sk_test_unknown' } });
    try {
      const r = await initiate({ invoiceId: (await freshInvoice()).id, provider: 'PAYSTACK' });
      expect(r.data.initiatePayment).toMatchObject({ payment: { status: 'FAILED' }, userErrors: [{ code: 'PAYMENT_FAILED' }] });
      expect(r.data.initiatePayment.payment.failureReason).toMatch(/PAYSTACK: HTTP 401 Invalid key/);
    } finally {
      await sg.services.providerAccounts.seedDemo((await import('@omniroute/demo')).demoPaymentAccounts(), sandbox.url);
    }
  });
});

describe('callbacks delivered more than once, out of order, late or never', () => {
  it.each(['MPESA', 'MTN_MOMO', 'PAYSTACK'])('%s: the final callback delivered 3× credits once', async (provider) => {
    const inv = await freshInvoice();
    const r = await initiate({ invoiceId: inv.id, provider, phone: payer('1005'), amount: '700.00' });
    const p = r.data.initiatePayment.payment;
    const rows = await eventually(async () => {
      const c = await callbacks(p.id);
      return c.length === 3 ? c : null;
    });
    expect(rows.filter((c) => c.applied)).toHaveLength(1);
    expect(await postings(p.id)).toBe(1);
    expect((await read(p.id)).invoice.amountPaid.amount).toBe('700.00');
  });

  it.each([
    ['MPESA', 3],
    ['MTN_MOMO', 4], // final, a stale PENDING, final, final
    ['PAYSTACK', 3],
  ] as const)('%s: callbacks overtaking the provider\'s own answer and arriving out of order credit once', async (provider, deliveries) => {
    const inv = await freshInvoice();
    const r = await initiate({ invoiceId: inv.id, provider, phone: payer('1006'), amount: '300.00' });
    // the first callback came before the initiating request was answered: the payment is settled already
    const p = r.data.initiatePayment.payment;
    expect(p.status).toBe('SUCCEEDED');
    const rows = await eventually(async () => {
      const c = await callbacks(p.id);
      return c.length === deliveries ? c : null;
    });
    expect(rows.filter((c) => c.applied)).toHaveLength(1);
    if (provider === 'MTN_MOMO') expect(rows.map((c) => c.outcome)).toContain('PENDING');
    expect(await postings(p.id)).toBe(1);
    expect(await read(p.id)).toMatchObject({ status: 'SUCCEEDED', invoice: { amountPaid: { amount: '300.00' } } });
  });

  it.each(['MTN_MOMO', 'PAYSTACK', 'MPESA'])('%s: a lost callback is made up for by the status poll', async (provider) => {
    const r = await initiate({ invoiceId: (await freshInvoice()).id, provider, phone: payer('1007') });
    const done = await settled(r.data.initiatePayment.payment.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(deliveriesFor(done.reference)).toEqual([]);
    expect(await callbacks(done.id)).toEqual([]);
    expect(await postings(done.id)).toBe(1);
  });

  it('the poll fails a payment the provider never heard of, and one without any outcome past the expiry', async () => {
    const inv = await freshInvoice();
    const base = { tenantId: LAGOS, invoiceId: inv.id, currency: 'NGN' as const, amount: '100.00', method: 'MOBILE_MONEY' as const, status: 'PENDING' as const, phone: payer(), nextPollAt: new Date() };
    // claimed, then the process died before the request left: MoMo answers 404 for our reference
    await sg.prisma.payment.create({ data: { ...base, id: 'pay_NEVERSENT', idempotencyKey: 'never-sent', rail: 'MTN_MOMO', provider: 'MTN_MOMO', reference: '0b7f3c1e-1d2a-4c3b-9e8f-7a6b5c4d3e2f', createdAt: new Date(Date.now() - 5_000) } });
    // an STK push whose answer and callback were both lost, 20 minutes ago
    await sg.prisma.payment.create({ data: { ...base, id: 'pay_NOOUTCOME', idempotencyKey: 'no-outcome', rail: 'MPESA', provider: 'MPESA', reference: null, createdAt: new Date(Date.now() - 20 * 60_000) } });
    expect(await settled('pay_NEVERSENT')).toMatchObject({ status: 'FAILED', failureReason: 'MTN_MOMO has no record of the request' });
    expect(await settled('pay_NOOUTCOME')).toMatchObject({ status: 'FAILED', failureReason: 'no outcome from MPESA within 15 min' });
    expect((await read('pay_NOOUTCOME')).invoice.amountPaid.amount).toBe('0.00');
  });

  it('M-Pesa: an STK push whose answer never comes (client timeout) is still settled by its callback, which names the payment', async () => {
    const r = await initiate({ invoiceId: (await freshInvoice()).id, phone: payer('1004') });
    const p = r.data.initiatePayment.payment;
    expect(r.data.initiatePayment.userErrors).toEqual([]);
    const done = await settled(p.id);
    expect(done.status).toBe('SUCCEEDED');
    // the reference came with the callback
    expect(done.reference).toMatch(/^ws_CO_/);
    const row = await sg.prisma.payment.findUniqueOrThrow({ where: { id: p.id } });
    expect((row.attempts as any[])[0].reason).toMatch(/no answer within 800 ms/);
  });

  it('MTN MoMo: a request whose answer never comes is settled by the status poll (the reference was ours)', async () => {
    const r = await initiate({ invoiceId: (await freshInvoice()).id, provider: 'MTN_MOMO', phone: payer('1004') });
    const done = await settled(r.data.initiatePayment.payment.id);
    expect(done.status).toBe('SUCCEEDED');
    expect(await postings(done.id)).toBe(1);
  });
});

describe('forged and replayed callbacks', () => {
  let pending: string;
  beforeAll(async () => {
    // a Paystack payment waiting for its webhook, which no poll will touch during these tests
    const inv = await freshInvoice();
    pending = 'pay_FORGEDTARGET';
    await sg.prisma.payment.create({
      data: { id: pending, tenantId: LAGOS, invoiceId: inv.id, currency: 'NGN', amount: '500.00', method: 'MOBILE_MONEY', status: 'PENDING', idempotencyKey: 'forged-target', rail: 'PAYSTACK', provider: 'PAYSTACK', reference: pending, phone: payer(), nextPollAt: new Date(Date.now() + 3_600_000) },
    });
  });
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${hooks}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const forgedEvent = JSON.stringify({ event: 'charge.success', data: { reference: 'pay_FORGEDTARGET', status: 'success', amount: 50000, currency: 'NGN', id: 1 } });

  it('a Paystack webhook with a bad signature, another tenant\'s key or none gets 401 and nothing is recorded', async () => {
    const before = await sg.prisma.paymentCallback.count();
    const accraKey = (await import('@omniroute/demo')).demoPaymentAccounts().find((a) => a.tenantId === ACCRA)!.paystack.secretKey;
    for (const headers of [{ 'x-paystack-signature': 'f'.repeat(128) }, { 'x-paystack-signature': paystackSignature(accraKey, forgedEvent) }, {}]) {
      const res = await post(`/webhooks/payments/paystack/${LAGOS}`, forgedEvent, headers);
      expect(res.status).toBe(401);
    }
    // signed right, but the body changed after signing (a re-serialised body would look just like this)
    const lagosKey = (await import('@omniroute/demo')).demoPaymentAccounts().find((a) => a.tenantId === LAGOS)!.paystack.secretKey;
    expect((await post(`/webhooks/payments/paystack/${LAGOS}`, forgedEvent.replace('50000', '50000 '), { 'x-paystack-signature': paystackSignature(lagosKey, forgedEvent) })).status).toBe(401);
    expect(await sg.prisma.paymentCallback.count()).toBe(before);
    expect((await read(pending)).status).toBe('PENDING');
    // the same event signed with the tenant's key goes through: the check is the signature, nothing else
    const ok = await post(`/webhooks/payments/paystack/${LAGOS}`, forgedEvent, { 'x-paystack-signature': paystackSignature(lagosKey, forgedEvent) });
    expect(ok.status).toBe(200);
    expect((await read(pending)).status).toBe('SUCCEEDED');
  });

  it('M-Pesa and MoMo callbacks without the payment\'s URL token, or with another payment\'s, get 401', async () => {
    const r = await initiate({ invoiceId: (await freshInvoice()).id, phone: payer('1007') }); // no callback of its own
    const p = r.data.initiatePayment.payment;
    const other = await initiate({ invoiceId: (await freshInvoice()).id, phone: payer('1007') });
    const otherUrl = new URL(sandbox.transactions.get(`MPESA:${other.data.initiatePayment.payment.reference}`)!.meta.callbackUrl as string);
    const body = JSON.stringify({ Body: { stkCallback: { MerchantRequestID: '1', CheckoutRequestID: p.reference, ResultCode: 0, ResultDesc: 'ok', CallbackMetadata: { Item: [{ Name: 'Amount', Value: 1000 }] } } } });
    const before = await sg.prisma.paymentCallback.count();
    for (const query of ['', `?payment=${p.id}`, `?payment=${p.id}&token=${'x'.repeat(43)}`, `?payment=${p.id}&token=${otherUrl.searchParams.get('token')}`]) {
      expect((await post(`/webhooks/payments/mpesa/${LAGOS}${query}`, body)).status, query).toBe(401);
    }
    expect((await post(`/webhooks/payments/mtn-momo/${LAGOS}?payment=${p.id}`, JSON.stringify({ status: 'SUCCESSFUL', externalId: p.id }))).status).toBe(401);
    expect(await sg.prisma.paymentCallback.count()).toBe(before);
    await settled(p.id);
    await settled(other.data.initiatePayment.payment.id);
  });

  it('a replayed genuine callback is stored, applies nothing and changes nothing', async () => {
    const r = await initiate({ invoiceId: (await freshInvoice()).id, amount: '450.00' });
    const p = await settled(r.data.initiatePayment.payment.id);
    const [d] = await eventually(async () => (deliveriesFor(p.reference).length ? deliveriesFor(p.reference) : null));
    const before = await read(p.id);
    for (let i = 0; i < 3; i++) {
      const res = await fetch(d!.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: d!.body });
      expect(await res.json()).toEqual({ received: true, applied: false });
    }
    expect(await read(p.id)).toEqual(before);
    expect(await postings(p.id)).toBe(1);
    expect((await callbacks(p.id)).map((c) => c.applied)).toEqual([true, false, false, false]);
  });

  it('finance refuses webhook calls that did not come through the gateway; unknown rails and tenants are 404', async () => {
    const direct = await fetch(new URL(`/webhooks/payments/paystack/${LAGOS}`, financeUrl), { method: 'POST', headers: { 'content-type': 'application/json' }, body: forgedEvent });
    expect(direct.status).toBe(401);
    expect((await post('/webhooks/payments/paystack/tnt_NOBODY', forgedEvent)).status).toBe(404);
    expect((await post(`/webhooks/payments/visa/${LAGOS}`, forgedEvent)).status).toBe(404);
    expect((await post(`/webhooks/payments/paystack/${LAGOS}/extra`, forgedEvent)).status).toBe(404);
    expect((await fetch(`${hooks}/webhooks/payments/paystack/${LAGOS}`)).status).toBe(405);
  });
});

describe('initiatePayment rules', () => {
  it('10 concurrent retries with one key: one payment, one request to the provider, the same answer; a different payment under the key is refused', async () => {
    const inv = await freshInvoice();
    const input = { invoiceId: inv.id, provider: 'MTN_MOMO', amount: '999.00', idempotencyKey: 'rails-concurrent' };
    const results = await Promise.all(Array.from({ length: 10 }, () => initiate(input)));
    const ids = new Set(results.map((r) => r.data.initiatePayment.payment.id));
    expect(ids.size).toBe(1);
    for (const r of results) expect(r.data.initiatePayment.userErrors).toEqual([]);
    const [id] = [...ids];
    await settled(id!);
    expect([...sandbox.transactions.values()].filter((t) => t.meta.externalId === id)).toHaveLength(1);
    expect((await initiate(input)).data.initiatePayment.payment).toMatchObject({ id, status: 'SUCCEEDED' });
    expect((await initiate({ ...input, amount: '1.00' })).data.initiatePayment.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await initiate({ ...input, provider: 'PAYSTACK' })).data.initiatePayment.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await postings(id!)).toBe(1);
  });

  it('refuses bad input as userErrors before asking any provider', async () => {
    const inv = await freshInvoice();
    const before = sandbox.transactions.size;
    const payments = await sg.prisma.payment.count();
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ phone: '0712345678' }, 'INVALID_PHONE', ['input', 'phone']],
      [{ method: 'CARD' }, 'METHOD_NOT_SUPPORTED', ['input', 'method']],
      [{ amount: '1000.001' }, 'INVALID_AMOUNT', ['input', 'amount']],
      [{ amount: '0' }, 'INVALID_AMOUNT', ['input', 'amount']],
      [{ amount: (Number(inv.total) + 1).toFixed(2) }, 'AMOUNT_EXCEEDS_DUE', ['input', 'amount']],
      [{ currencyCode: 'KES' }, 'CURRENCY_MISMATCH', ['input', 'currencyCode']],
      [{ invoiceId: 'inv_NOPE' }, 'INVOICE_NOT_FOUND', ['input', 'invoiceId']],
      [{ idempotencyKey: ' ' }, 'INVALID_INPUT', ['input', 'idempotencyKey']],
    ];
    for (const [input, code, field] of cases) {
      const r = await initiate({ invoiceId: inv.id, ...input });
      expect(r.errors, code).toBeUndefined();
      expect(r.data.initiatePayment, code).toMatchObject({ payment: null, userErrors: [{ code, field }] });
    }
    // an account that collects another currency, and a disabled one
    await sg.services.providerAccounts.upsert(LAGOS, 'MTN_MOMO', { baseUrl: sandbox.url, currencies: ['GHS'], secrets: { ...(await import('@omniroute/demo')).demoPaymentAccounts()[0]!.momo } });
    expect((await initiate({ invoiceId: inv.id, provider: 'MTN_MOMO' })).data.initiatePayment.userErrors[0]).toMatchObject({ code: 'CURRENCY_NOT_SUPPORTED', field: ['input', 'provider'] });
    await sg.prisma.paymentProviderConfig.update({ where: { tenantId_rail: { tenantId: LAGOS, rail: 'MTN_MOMO' } }, data: { enabled: false } });
    expect((await initiate({ invoiceId: inv.id, provider: 'MTN_MOMO' })).data.initiatePayment.userErrors[0].code).toBe('PROVIDER_NOT_CONFIGURED');
    await sg.services.providerAccounts.seedDemo((await import('@omniroute/demo')).demoPaymentAccounts(), sandbox.url);
    expect(sandbox.transactions.size).toBe(before);
    expect(await sg.prisma.payment.count()).toBe(payments);
  });

  it('M-Pesa takes whole shillings: a KES amount with cents is AMOUNT_NOT_SUPPORTED', async () => {
    const { MpesaConnector } = await import('../src/modules/payments/rails/mpesa.ts');
    const { Decimal } = await import('@omniroute/core');
    const m = new MpesaConnector();
    expect(m.check({ amount: new Decimal('100.50'), currency: 'KES' })).toMatch(/at most 0 decimals/);
    expect(m.check({ amount: new Decimal('100'), currency: 'KES' })).toBeNull();
    expect(m.check({ amount: new Decimal('100.50'), currency: 'NGN' })).toBeNull();
  });

  it('SALES_REP may not move money; a partner key needs finance:write', async () => {
    const inv = await freshInvoice();
    expect((await initiate({ invoiceId: inv.id }, lagosSales)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await initiate({ invoiceId: inv.id }, { ...lagosPartner, scopes: [] })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const r = await initiate({ invoiceId: inv.id, amount: '10.00' }, { ...lagosPartner, scopes: ['finance:write'] });
    expect(r.data.initiatePayment.userErrors).toEqual([]);
    await settled(r.data.initiatePayment.payment.id);
  });

  it('an ADMIN configures a rail account through the graph; secrets are never shown; incomplete ones are refused', async () => {
    const CONFIGURE = `mutation($i: ConfigurePaymentProviderInput!) { configurePaymentProvider(input: $i) {
      account { rail baseUrl currencies enabled } userErrors { code field message } } }`;
    const accraAdmin = { ...lagosFinance, tenantId: ACCRA, roles: ['ADMIN'] } as Viewer;
    const demo = (await import('@omniroute/demo')).demoPaymentAccounts().find((a) => a.tenantId === ACCRA)!;
    const creds = Object.entries(demo.mpesa).map(([name, value]) => ({ name, value }));
    const input = { provider: 'MPESA', baseUrl: `${sandbox.url}/`, currencies: ['GHS', 'GHS'], credentials: creds };
    expect((await q({ ...accraAdmin, roles: ['FINANCE'] }, CONFIGURE, { i: input })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    for (const [bad, message] of [
      [{ baseUrl: 'ftp://x' }, /http or https/],
      [{ currencies: [] }, /at least one currency/],
      [{ credentials: creds.slice(1) }, /needs consumerKey/],
      [{ credentials: [...creds, { name: 'pin', value: '1234' }] }, /not pin/],
    ] as const) {
      const r = await q(accraAdmin, CONFIGURE, { i: { ...input, ...bad } });
      expect(r.data.configurePaymentProvider).toMatchObject({ account: null, userErrors: [{ code: 'INVALID_INPUT' }] });
      expect(r.data.configurePaymentProvider.userErrors[0].message).toMatch(message);
    }
    const ok = await q(accraAdmin, CONFIGURE, { i: input });
    expect(ok.data.configurePaymentProvider).toEqual({ account: { rail: 'MPESA', baseUrl: sandbox.url, currencies: ['GHS'], enabled: true }, userErrors: [] });
    const list = await q({ ...accraAdmin, roles: ['FINANCE'] }, '{ paymentProviders { rail baseUrl currencies enabled updatedAt } }');
    expect(list.data.paymentProviders.map((a: any) => a.rail)).toEqual(['MPESA', 'MTN_MOMO', 'PAYSTACK']);
    expect(JSON.stringify(list)).not.toContain(demo.mpesa.consumerSecret);
  });

  it('credentials are encrypted at rest, bound to their tenant and rail', async () => {
    const demo = (await import('@omniroute/demo')).demoPaymentAccounts()[0]!;
    const rows = await sg.prisma.paymentProviderConfig.findMany({ where: { tenantId: LAGOS } });
    expect(rows.map((r) => r.rail).sort()).toEqual(['MPESA', 'MTN_MOMO', 'PAYSTACK']);
    for (const r of rows) {
      expect(r.credentials).toMatch(/^v1\./);
      for (const secret of [demo.mpesa.consumerSecret, demo.mpesa.passkey, demo.momo.apiKey, demo.paystack.secretKey]) expect(r.credentials).not.toContain(secret);
    }
    const { CredentialVault } = await import('../src/modules/payments/rails/credentials.ts');
    const paystack = rows.find((r) => r.rail === 'PAYSTACK')!;
    expect(new CredentialVault(CREDENTIALS_KEY).open(LAGOS, 'PAYSTACK', paystack.credentials).secretKey).toBe(demo.paystack.secretKey);
    expect(() => new CredentialVault(CREDENTIALS_KEY).open(ACCRA, 'PAYSTACK', paystack.credentials)).toThrow();
    expect(() => new CredentialVault('b'.repeat(64)).open(LAGOS, 'PAYSTACK', paystack.credentials)).toThrow();
  });
});

describe('reading payments and the ledger', () => {
  it('node(id) resolves payments, invoices and ledger entries of the caller\'s tenant only', async () => {
    const inv = issued[0]!;
    const pay = await sg.prisma.payment.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'SUCCEEDED', rail: 'MPESA' } });
    const entry = await sg.prisma.ledgerEntry.findFirstOrThrow({ where: { tenantId: LAGOS } });
    const NODE = `query($id: ID!) { node(id: $id) { __typename id ... on Invoice { number } ... on LedgerEntry { account } } }`;
    expect((await q(lagosFinance, NODE, { id: pay.id })).data.node).toEqual({ __typename: 'Payment', id: pay.id });
    expect((await q(lagosFinance, NODE, { id: inv.id })).data.node).toEqual({ __typename: 'Invoice', id: inv.id, number: inv.number });
    expect((await q(lagosFinance, NODE, { id: entry.id })).data.node).toMatchObject({ __typename: 'LedgerEntry', account: entry.account });
    for (const id of ['ord_LAGOS000001', 'pay_NOPE', 'nonsense']) expect((await q(lagosFinance, NODE, { id })).data.node).toBeNull();
    expect((await q({ ...lagosFinance, tenantId: ACCRA }, NODE, { id: pay.id })).data.node).toBeNull();
  });

  it('an account statement pages with a running balance that ends at the trial balance', async () => {
    const STATEMENT = `query($a: String) { ledgerStatement(account: CASH, currencyCode: NGN, first: 40, after: $a) {
      openingBalance { amount } closingBalance { amount }
      edges { cursor node { balance { amount } debit { amount } credit { amount } description entry { id } } } pageInfo { hasNextPage endCursor } } }`;
    let after: string | null = null;
    let expected = 0;
    let lines = 0;
    let last = '0.00';
    do {
      const r: any = await q(lagosFinance, STATEMENT, { a: after });
      expect(r.errors).toBeUndefined();
      const s = r.data.ledgerStatement;
      expect(Number(s.openingBalance.amount)).toBeCloseTo(expected, 2);
      for (const { node } of s.edges) {
        expected += Number(node.debit?.amount ?? 0) - Number(node.credit?.amount ?? 0);
        expect(Number(node.balance.amount)).toBeCloseTo(expected, 2);
        expect(node.description).toBeTruthy();
        lines++;
      }
      last = s.closingBalance.amount;
      after = s.pageInfo.hasNextPage ? s.pageInfo.endCursor : null;
    } while (after);
    expect(lines).toBeGreaterThan(40);
    const tb = await q(lagosFinance, '{ trialBalance(currencyCode: NGN) { accounts { account balance { amount } } } }');
    expect(tb.data.trialBalance.accounts.find((a: any) => a.account === 'CASH').balance.amount).toBe(last);
    const xof = await q(lagosFinance, '{ trialBalance(currencyCode: XOF) { debits { amount currencyCode } credits { amount } balanced accounts { account } } }');
    expect(xof.data.trialBalance).toEqual({ debits: { amount: '0', currencyCode: 'XOF' }, credits: { amount: '0' }, balanced: true, accounts: [] });
  });

  it('the ledger and payments are FINANCE reading: SALES_REP gets FORBIDDEN for the trial balance', async () => {
    const r = await q(lagosSales, '{ trialBalance(currencyCode: NGN) { balanced } }');
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('wallets', () => {
  const TOP_UP = `mutation($i: TopUpWalletInput!) { topUpWallet(input: $i) { payment { id status rail invoice { id } } wallet { id balance { amount currencyCode } } userErrors { code field message } } }`;
  const PAY = `mutation($i: PayInvoiceFromWalletInput!) { payInvoiceFromWallet(input: $i) {
    payment { id status method provider } invoice { id status amountPaid { amount } } wallet { id balance { amount } } userErrors { code field message } } }`;
  const REFUND = `mutation($i: RefundToWalletInput!) { refundToWallet(input: $i) {
    payment { id refunded { amount } } invoice { id status amountPaid { amount } } wallet { id balance { amount } } userErrors { code field message } } }`;
  const WALLET = `query($id: ID!) { node(id: $id) { ... on Wallet { id ownerType balance { amount currencyCode } customer { id } worker { id }
    movements(first: 50) { edges { node { kind amount { amount } balance { amount } description payment { id } invoice { id } } } } } } }`;
  const customer = lagos.customers[3]!.id;
  let walletId: string;
  const topUp = (input: Record<string, unknown>) =>
    q(lagosFinance, TOP_UP, { i: { customerId: customer, provider: 'MPESA', method: 'MOBILE_MONEY', phone: payer(), amount: '5000.00', currencyCode: 'NGN', idempotencyKey: key('topup'), ...input } });
  const balance = async () => (await q(lagosFinance, WALLET, { id: walletId })).data.node.balance.amount;

  it('a customer\'s wallet is topped up through M-Pesa: PENDING, then the callback credits the wallet (cash in, the wallet\'s sub-ledger credited)', async () => {
    const r = await topUp({});
    expect(r.errors).toBeUndefined();
    const { payment, wallet, userErrors } = r.data.topUpWallet;
    expect(userErrors).toEqual([]);
    expect(payment).toMatchObject({ status: 'PENDING', rail: 'MPESA', invoice: null });
    expect(wallet.balance).toEqual({ amount: '0.00', currencyCode: 'NGN' });
    walletId = wallet.id;
    await settled(payment.id);
    expect(await balance()).toBe('5000.00');
    const w = (await q(lagosFinance, WALLET, { id: walletId })).data.node;
    expect(w).toMatchObject({ ownerType: 'CUSTOMER', customer: { id: customer }, worker: null });
    expect(w.movements.edges.map((e: any) => [e.node.kind, e.node.amount.amount, e.node.balance.amount, e.node.payment.id])).toEqual([['TOP_UP', '5000.00', '5000.00', payment.id]]);
    expect(await sg.prisma.ledgerPosting.count({ where: { paymentId: payment.id, kind: 'WALLET_TOP_UP' } })).toBe(1);
    const entities = await q(lagosFinance, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { wallet(currencyCode: NGN) { id balance { amount } } } } }`, { r: [{ __typename: 'Customer', id: customer }] });
    expect(entities.data._entities[0].wallet).toEqual({ id: walletId, balance: { amount: '5000.00' } });
  });

  it('a top-up the payer cannot afford leaves the wallet as it was; a duplicated callback credits once', async () => {
    const failed = await topUp({ phone: payer('1001') });
    expect((await settled(failed.data.topUpWallet.payment.id)).status).toBe('FAILED');
    const dup = await topUp({ phone: payer('1005'), amount: '1000.00' });
    const id = dup.data.topUpWallet.payment.id;
    await eventually(async () => (await callbacks(id)).length === 3);
    expect(await balance()).toBe('6000.00');
    expect(await sg.prisma.walletMovement.count({ where: { walletId, paymentId: id } })).toBe(1);
  });

  it('pays an invoice from the wallet, never below zero, once per key — also for concurrent attempts', async () => {
    const inv = await freshInvoice('10000.00');
    const short = await q(lagosFinance, PAY, { i: { invoiceId: inv.id, amount: '6000.01', idempotencyKey: key('short') } });
    expect(short.data.payInvoiceFromWallet).toMatchObject({ payment: null, userErrors: [{ code: 'INSUFFICIENT_FUNDS', field: ['input', 'amount'] }] });
    // this invoice is another customer's: its wallet is empty
    expect((await q(lagosFinance, PAY, { i: { invoiceId: issued[0]!.id, amount: '1.00', idempotencyKey: key('other') } })).data.payInvoiceFromWallet.userErrors[0].code).toMatch(/INSUFFICIENT_FUNDS|INVOICE_ALREADY_PAID/);
    // five concurrent payments of 4,000 from a wallet of 6,000: one goes through
    const invoiceOf = await Promise.all(Array.from({ length: 5 }, () => freshInvoice('4000.00')));
    const fresh = await Promise.all(invoiceOf.map((i) => sg.prisma.invoice.update({ where: { id: i.id }, data: { customerId: customer } })));
    const results = await Promise.all(fresh.map((i, n) => q(lagosFinance, PAY, { i: { invoiceId: i.id, amount: '4000.00', idempotencyKey: `wallet-race-${n}` } })));
    const ok = results.filter((r) => r.data.payInvoiceFromWallet.userErrors.length === 0);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.data.payInvoiceFromWallet.userErrors[0]?.code === 'INSUFFICIENT_FUNDS')).toHaveLength(4);
    expect(ok[0]!.data.payInvoiceFromWallet).toMatchObject({ payment: { status: 'SUCCEEDED', method: 'WALLET', provider: 'wallet' }, invoice: { status: 'PAID' }, wallet: { balance: { amount: '2000.00' } } });
    const paid = ok[0]!.data.payInvoiceFromWallet.payment.id;
    // the ledger took it from the wallet, not from cash
    const entries = await sg.prisma.ledgerEntry.findMany({ where: { posting: { paymentId: paid } } });
    expect(entries.find((e) => Number(e.amount) > 0 && e.account !== 'CREDIT_COMMITMENT')).toMatchObject({ account: 'WALLET', walletId });
    // a retry answers the same; the key for another payment is refused
    const n = results.indexOf(ok[0]!);
    const again = await q(lagosFinance, PAY, { i: { invoiceId: fresh[n]!.id, amount: '4000.00', idempotencyKey: `wallet-race-${n}` } });
    expect(again.data.payInvoiceFromWallet.payment.id).toBe(paid);
    expect((await q(lagosFinance, PAY, { i: { invoiceId: fresh[n]!.id, amount: '1.00', idempotencyKey: `wallet-race-${n}` } })).data.payInvoiceFromWallet.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await balance()).toBe('2000.00');
    // three concurrent retries with one key for what is due: a retry that waited for the invoice lock replays the
    // payment, it is not refused as already paid (on Postgres the retries really overlap)
    const due = await freshInvoice('500.00');
    await sg.prisma.invoice.update({ where: { id: due.id }, data: { customerId: customer } });
    const same = await Promise.all(Array.from({ length: 3 }, () => q(lagosFinance, PAY, { i: { invoiceId: due.id, amount: '500.00', idempotencyKey: 'wallet-same-key' } })));
    for (const r of same) expect(r.data.payInvoiceFromWallet).toMatchObject({ userErrors: [], payment: { id: same[0]!.data.payInvoiceFromWallet.payment.id } });
    expect(await balance()).toBe('1500.00');
    // recordPayment cannot be used to pay from a wallet
    const rec = await q(lagosFinance, `mutation($i: RecordPaymentInput!) { recordPayment(input: $i) { userErrors { code } } }`, { i: { invoiceId: inv.id, amount: '1.00', method: 'WALLET', idempotencyKey: key('rec') } });
    expect(rec.data.recordPayment.userErrors[0].code).toBe('METHOD_NOT_SUPPORTED');
  });

  it('refunds part of a payment to the wallet: the invoice is owed again; a void invoice\'s payment becomes wallet balance', async () => {
    const inv = await freshInvoice('3000.00');
    await sg.prisma.invoice.update({ where: { id: inv.id }, data: { customerId: customer } });
    const p = await settled((await initiate({ invoiceId: inv.id, amount: '3000.00' })).data.initiatePayment.payment.id);
    expect(p.invoice.status).toBe('PAID');
    const r = await q(lagosFinance, REFUND, { i: { paymentId: p.id, amount: '1000.00', idempotencyKey: 'refund-1' } });
    expect(r.data.refundToWallet).toMatchObject({ userErrors: [], payment: { refunded: { amount: '1000.00' } }, invoice: { status: 'PARTIALLY_PAID', amountPaid: { amount: '2000.00' } }, wallet: { balance: { amount: '2500.00' } } });
    expect((await q(lagosFinance, REFUND, { i: { paymentId: p.id, amount: '1000.00', idempotencyKey: 'refund-1' } })).data.refundToWallet.wallet.balance.amount).toBe('2500.00');
    expect((await q(lagosFinance, REFUND, { i: { paymentId: p.id, amount: '2000.01', idempotencyKey: 'refund-2' } })).data.refundToWallet.userErrors[0].code).toBe('AMOUNT_EXCEEDS_REFUNDABLE');
    expect((await q(lagosFinance, REFUND, { i: { paymentId: 'pay_NOPE', amount: '1.00', idempotencyKey: 'refund-3' } })).data.refundToWallet.userErrors[0].code).toBe('PAYMENT_NOT_FOUND');
    expect((await q(lagosSales, REFUND, { i: { paymentId: p.id, amount: '1.00', idempotencyKey: 'refund-4' } })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    // the order is cancelled after payment: the invoice is void, what was paid can go to the wallet
    await sg.prisma.$transaction((tx) => sg.services.invoices.voidForOrder(tx, { tenantId: LAGOS, orderId: inv.orderId, onlyDraft: false, reason: 'ORDER_CANCELLED' }));
    const voided = await q(lagosFinance, REFUND, { i: { paymentId: p.id, amount: '2000.00', idempotencyKey: 'refund-void' } });
    expect(voided.data.refundToWallet).toMatchObject({ userErrors: [], invoice: { status: 'VOID' }, wallet: { balance: { amount: '4500.00' } } });
    const posting = await sg.prisma.ledgerPosting.findFirstOrThrow({ where: { paymentId: p.id, kind: 'WALLET_REFUND' }, orderBy: { postedAt: 'desc' }, include: { entries: true } });
    expect(posting.entries.map((e) => [e.account, Number(e.amount)]).sort()).toEqual([['REVENUE', 2000], ['WALLET', -2000]]);

    // three concurrent refunds with one key: one movement, the same answer (on Postgres the later ones wait for the
    // invoice lock, then hit the movement's unique key and replay)
    const again = await settled((await initiate({ invoiceId: (await freshInvoice('100.00')).id, amount: '100.00' })).data.initiatePayment.payment.id);
    const race = await Promise.all(Array.from({ length: 3 }, () => q(lagosFinance, REFUND, { i: { paymentId: again.id, amount: '40.00', idempotencyKey: 'refund-race' } })));
    for (const x of race) expect(x.data.refundToWallet).toMatchObject({ userErrors: [], payment: { id: again.id, refunded: { amount: '40.00' } } });
    expect(await sg.prisma.walletMovement.count({ where: { paymentId: again.id, kind: 'REFUND' } })).toBe(1);
  });

  it('a worker\'s wallet is topped up through MTN MoMo and shows on Worker.wallet', async () => {
    const rider = lagos.riders[0]!.id;
    const r = await topUp({ customerId: null, workerId: rider, provider: 'MTN_MOMO', amount: '750.00' });
    await settled(r.data.topUpWallet.payment.id);
    const e = await q(lagosFinance, `query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { wallet { ownerType balance { amount } worker { id } } } } }`, { r: [{ __typename: 'Worker', id: rider }] });
    expect(e.data._entities[0].wallet).toEqual({ ownerType: 'WORKER', balance: { amount: '750.00' }, worker: { id: rider } });
    expect((await topUp({ workerId: rider })).data.topUpWallet.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'customerId'] });
  });
});
