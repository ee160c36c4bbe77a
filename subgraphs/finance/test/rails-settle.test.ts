// payments.service.ts from the provider's side, rule by rule (issue 19's mutation run): callbacks that name no
// payment, another rail's or tenant's, non-final events, amounts that disagree, late and contradicting words; the
// status poll's outcomes, back-off and expiry at a clock the test sets; replays of initiated payments; what
// recordPayment accepts on an invoice (what is due minus payments in flight). PGlite, the provider sandbox over
// HTTP; the periodic poll is off so the test drives it. Each assertion here failed with its rule broken by hand.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, newId } from '@omniroute/core';
import { demoPaymentAccounts } from '@omniroute/demo';
import { paystackSignature } from '@omniroute/provider-sandbox';
import { eventually } from '@omniroute/testkit';
import { nextPollDelay } from '../src/modules/payments/payment.rules.ts';
import { tokenCallbackUrl } from '../src/modules/payments/rails/rail.ts';
import { ScriptedProvider } from './scripted-provider.ts';
import { ACCRA, LAGOS, lagosFinance } from './helpers.ts';
import { payer, refused, startRails, type RailsStack } from './rails-stack.ts';

const FIRST_POLL = 1_000;
const MAX_POLL = 60_000;
const steady = new ScriptedProvider({ name: 'steady', methods: ['BANK_TRANSFER'] });
const lagosPaystackKey = demoPaymentAccounts().find((a) => a.tenantId === LAGOS)!.paystack.secretKey;

let s: RailsStack;
beforeAll(async () => {
  s = await startRails({
    orderPrefix: 'RS', providers: [steady], paymentPollMs: 0, reconcileIntervalMs: 0,
    paymentTiming: { firstPollMs: FIRST_POLL, maxPollMs: MAX_POLL, notFoundAfterMs: 2 * 60_000, expireAfterMs: 15 * 60_000, waitForPendingMs: 100 },
  });
});
afterAll(async () => {
  await s?.stop();
});

/** A rail payment as initiatePayment leaves it, without asking any provider. */
const railPayment = (invoiceId: string | null, data: Record<string, unknown> = {}) => s.sg.prisma.payment.create({
  data: {
    id: newId('pay'), tenantId: LAGOS, invoiceId, currency: 'NGN', amount: '500.00', method: 'MOBILE_MONEY', status: 'PENDING', idempotencyKey: newId('key'),
    rail: 'PAYSTACK', provider: 'PAYSTACK', phone: '+254700000042', nextPollAt: new Date(Date.now() + 3_600_000), ...data,
  },
});
const paystackHook = async (data: Record<string, unknown>, event = 'charge.success') => {
  const body = JSON.stringify({ event, data: { status: 'success', currency: 'NGN', ...data } });
  const res = await fetch(`${s.hooks}/webhooks/payments/paystack/${LAGOS}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-paystack-signature': paystackSignature(lagosPaystackKey, body) }, body });
  return { status: res.status, body: await res.json(), sent: JSON.parse(body) };
};
const row = (id: string) => s.sg.prisma.payment.findUniqueOrThrow({ where: { id } });
const callbacksOf = (where: Record<string, unknown>) => s.sg.prisma.paymentCallback.findMany({ where, orderBy: { receivedAt: 'asc' } });
const invoiceOf = (id: string) => s.sg.prisma.invoice.findUniqueOrThrow({ where: { id } });

describe('callbacks', () => {
  it('the first final word settles the payment once; repeats and contradictions are kept, not applied', async () => {
    const inv = await s.freshInvoice('500.00');
    const p = await railPayment(inv.id, { reference: 'rs-ref-success' });
    const ok = await paystackHook({ reference: 'rs-ref-success', amount: 50000, id: 777 });
    expect(ok).toMatchObject({ status: 200, body: { received: true, applied: true } });
    const settled = await row(p.id);
    expect(settled).toMatchObject({ status: 'SUCCEEDED', receipt: '777', reference: 'rs-ref-success', provider: 'PAYSTACK', failureReason: null, nextPollAt: null });
    expect(settled.receivedAt).toBeInstanceOf(Date);
    expect(await invoiceOf(inv.id)).toMatchObject({ status: 'PAID' });
    expect(await s.sg.prisma.ledgerPosting.count({ where: { paymentId: p.id, kind: 'PAYMENT_RECEIVED' } })).toBe(1);
    const ev = await s.sg.prisma.outboxEvent.findMany({ where: { type: 'payment.updated', aggregateId: p.id } });
    expect(ev.map((e) => e.payload)).toMatchObject([{ paymentId: p.id, invoiceId: inv.id, customerId: (await invoiceOf(inv.id)).customerId, previousStatus: 'PENDING', status: 'SUCCEEDED', rail: 'PAYSTACK', amount: { amount: '500.00', currencyCode: 'NGN' } }]);

    expect((await paystackHook({ reference: 'rs-ref-success', amount: 50000, id: 777 })).body).toEqual({ received: true, applied: false });
    expect((await paystackHook({ reference: 'rs-ref-success', status: 'failed', gateway_response: 'Declined' })).body).toEqual({ received: true, applied: false });
    expect(await row(p.id)).toMatchObject({ status: 'SUCCEEDED', receipt: '777' });
    const cbs = await callbacksOf({ paymentId: p.id });
    expect(cbs.map((c) => [c.tenantId, c.rail, c.reference, c.outcome, c.applied])).toEqual([
      [LAGOS, 'PAYSTACK', 'rs-ref-success', 'SUCCEEDED', true], [LAGOS, 'PAYSTACK', 'rs-ref-success', 'SUCCEEDED', false], [LAGOS, 'PAYSTACK', 'rs-ref-success', 'FAILED', false],
    ]);
    expect(cbs[0]!.payload).toEqual(ok.sent);
    expect(await s.sg.prisma.ledgerPosting.count({ where: { paymentId: p.id, kind: 'PAYMENT_RECEIVED' } })).toBe(1);
  });

  it('a callback for no known payment, another rail\'s or another tenant\'s, is kept for reconciliation and changes nothing', async () => {
    const inv = await s.freshInvoice('500.00');
    const mpesa = await railPayment(inv.id, { rail: 'MPESA', provider: 'MPESA', reference: 'rs-ref-shared' });
    const accraInv = await s.sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: ACCRA } });
    const accra = await railPayment(accraInv.id, { tenantId: ACCRA, currency: accraInv.currency, reference: 'rs-ref-accra' });
    for (const reference of ['rs-ref-nobody', 'rs-ref-shared', 'rs-ref-accra']) {
      expect((await paystackHook({ reference, amount: 50000, id: 1 })).body, reference).toEqual({ received: true, applied: false });
      expect((await callbacksOf({ reference })).map((c) => [c.tenantId, c.paymentId, c.outcome, c.applied]), reference).toEqual([[LAGOS, null, 'SUCCEEDED', false]]);
    }
    expect(await row(mpesa.id)).toMatchObject({ status: 'PENDING' });
    expect(await row(accra.id)).toMatchObject({ status: 'PENDING' });
    await s.sg.prisma.payment.deleteMany({ where: { id: { in: [mpesa.id, accra.id] } } });
  });

  it('a callback naming a payment by its URL token finds it only in the URL\'s tenant and on the callback\'s rail', async () => {
    const inv = await s.freshInvoice('500.00');
    const accraInv = await s.sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: ACCRA } });
    const accra = await railPayment(accraInv.id, { tenantId: ACCRA, currency: accraInv.currency, rail: 'MTN_MOMO', provider: 'MTN_MOMO' });
    const mpesa = await railPayment(inv.id, { rail: 'MPESA', provider: 'MPESA' });
    const account = (await s.sg.services.providerAccounts.account(LAGOS, 'MTN_MOMO'))!;
    for (const p of [accra, mpesa]) {
      // a token the Lagos MoMo account signed for that payment id: authentic, but not a Lagos MoMo payment
      const url = tokenCallbackUrl(account, `${s.hooks}/webhooks/payments/mtn-momo/${LAGOS}`, p.id);
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ externalId: p.id, status: 'SUCCESSFUL', financialTransactionId: '1234567890', amount: '500', currency: 'NGN' }) });
      expect(await res.json(), p.id).toEqual({ received: true, applied: false });
      expect(await row(p.id)).toMatchObject({ status: 'PENDING' });
    }
    expect((await callbacksOf({ rail: 'MTN_MOMO', tenantId: LAGOS, paymentId: null })).filter((c) => [accra.id, mpesa.id].includes((c.payload as any).externalId))).toHaveLength(2);
    await s.sg.prisma.payment.deleteMany({ where: { id: { in: [accra.id, mpesa.id] } } });
  });

  it('an event that is not a final word (PENDING) is kept against its payment and applies nothing', async () => {
    const inv = await s.freshInvoice('500.00');
    const p = await railPayment(inv.id, { reference: 'rs-ref-pending' });
    expect((await paystackHook({ reference: 'rs-ref-pending', status: 'ongoing' })).body).toEqual({ received: true, applied: false });
    expect((await callbacksOf({ paymentId: p.id })).map((c) => [c.outcome, c.applied, c.reference])).toEqual([['PENDING', false, 'rs-ref-pending']]);
    expect(await row(p.id)).toMatchObject({ status: 'PENDING' });
    await s.sg.prisma.payment.delete({ where: { id: p.id } });
  });

  it('a provider that reports another amount than the payment\'s: FAILED for reconciliation by hand, nothing credited', async () => {
    const inv = await s.freshInvoice('500.00');
    const p = await railPayment(inv.id, { reference: 'rs-ref-mismatch' });
    expect((await paystackHook({ reference: 'rs-ref-mismatch', amount: 40000, id: 9 })).body).toEqual({ received: true, applied: true });
    expect(await row(p.id)).toMatchObject({ status: 'FAILED', receivedAt: null, failureReason: 'amount mismatch: the provider collected 400.00 NGN, not 500.00 NGN; reconcile by hand' });
    expect(await invoiceOf(inv.id)).toMatchObject({ status: 'ISSUED' });
    expect(await s.sg.prisma.ledgerPosting.count({ where: { paymentId: p.id } })).toBe(0);
    // the same amount is credited (no amount reported: nothing to disagree with)
    const q2 = await railPayment(inv.id, { reference: 'rs-ref-no-amount' });
    expect((await paystackHook({ reference: 'rs-ref-no-amount', id: 10 })).body.applied).toBe(true);
    expect(await row(q2.id)).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('a failed charge keeps the provider\'s reason (500 characters at most); a later receipt fills a settled payment\'s only for the same outcome', async () => {
    const inv = await s.freshInvoice('500.00');
    const p = await railPayment(inv.id, { reference: 'rs-ref-failed' });
    await paystackHook({ reference: 'rs-ref-failed', status: 'failed', gateway_response: 'x'.repeat(600) });
    const failed = await row(p.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.failureReason).toBe(`Paystack failed: ${'x'.repeat(600)}`.slice(0, 500));
    // a success after the failure brings a receipt: not the failed payment's
    await paystackHook({ reference: 'rs-ref-failed', amount: 50000, id: 55 });
    expect(await row(p.id)).toMatchObject({ status: 'FAILED', receipt: null });
    // a payment settled without a receipt (the poll's bare word) gets the callback's
    const bare = await railPayment(inv.id, { reference: 'rs-ref-bare', status: 'SUCCEEDED', receivedAt: new Date(), nextPollAt: null });
    expect((await paystackHook({ reference: 'rs-ref-bare', amount: 50000, id: 56 })).body.applied).toBe(false);
    expect(await row(bare.id)).toMatchObject({ status: 'SUCCEEDED', receipt: '56' });
    await s.sg.prisma.payment.delete({ where: { id: bare.id } });
  });
});

describe('the collection request', () => {
  it('records the provider\'s answer as the payment\'s attempt: accepted without a reason, refused up front with it (and FAILED at once)', async () => {
    const inv = await s.freshInvoice('500.00');
    const ok = (await s.initiate({ invoiceId: inv.id, provider: 'PAYSTACK', amount: '10.00' })).data.initiatePayment.payment;
    const accepted = (await row(ok.id)).attempts as any[];
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({ provider: 'PAYSTACK', ok: true });
    expect(accepted[0]).not.toHaveProperty('reason');
    expect(accepted[0].ms).toBeGreaterThanOrEqual(0);
    await s.settled(ok.id);
    try {
      await s.sg.services.providerAccounts.upsert(LAGOS, 'PAYSTACK', { baseUrl: s.sandbox.url, currencies: ['NGN'], secrets: { secretKey: 'sk_test_unknown' } });
      const r = (await s.initiate({ invoiceId: inv.id, provider: 'PAYSTACK', amount: '10.00' })).data.initiatePayment;
      expect(r).toMatchObject({ payment: { status: 'FAILED' }, userErrors: [{ code: 'PAYMENT_FAILED' }] });
      const refused = (await row(r.payment.id)).attempts as any[];
      expect(refused).toEqual([{ provider: 'PAYSTACK', ok: false, reason: expect.stringMatching(/HTTP 401/), ms: expect.any(Number) }]);
    } finally {
      await s.sg.services.providerAccounts.seedDemo(demoPaymentAccounts(), s.sandbox.url);
    }
  });
});

describe('the first poll', () => {
  it('a rail payment and a wallet top-up are first polled firstPollMs after they were asked for', async () => {
    const inv = await s.freshInvoice('500.00');
    const t0 = Date.now();
    // payers whose callbacks never come (scenario 1007), so the payments stay PENDING: the poll is off in this file
    const paid = (await s.initiate({ invoiceId: inv.id, provider: 'MTN_MOMO', amount: '10.00', phone: payer('1007') })).data.initiatePayment.payment;
    const top = (await s.q(lagosFinance, `mutation($i: TopUpWalletInput!) { topUpWallet(input: $i) { payment { id } userErrors { code } } }`, {
      i: { customerId: (await invoiceOf(inv.id)).customerId, provider: 'MTN_MOMO', method: 'MOBILE_MONEY', phone: payer('1007'), amount: '10.00', currencyCode: 'NGN', idempotencyKey: 'rs-first-poll-topup' },
    })).data.topUpWallet.payment;
    const t1 = Date.now();
    for (const id of [paid.id, top.id]) {
      const r = await row(id);
      expect(r.status, id).toBe('PENDING');
      expect(r.nextPollAt!.getTime(), id).toBeGreaterThanOrEqual(t0 + FIRST_POLL);
      expect(r.nextPollAt!.getTime(), id).toBeLessThanOrEqual(t1 + FIRST_POLL);
    }
    // out of the way of the poll tests below
    await s.sg.prisma.payment.updateMany({ where: { id: { in: [paid.id, top.id] } }, data: { status: 'FAILED', nextPollAt: null } });
  });
});

describe('the status poll (pollPending at a clock the test sets)', () => {
  const later = (ms: number) => new Date(Date.now() + 3_600_000 + ms);

  it('a request the provider never got: polled with back-off until notFoundAfterMs, then FAILED; its hold on the invoice goes', async () => {
    const inv = await s.freshInvoice('500.00');
    const t0 = later(0);
    // MTN MoMo answers NOT_FOUND for a payment without a reference
    const p = await railPayment(inv.id, { rail: 'MTN_MOMO', provider: 'MTN_MOMO', reference: null, createdAt: t0, nextPollAt: t0 });
    let now = t0;
    for (const n of [1, 2, 3]) {
      now = new Date(now.getTime() + 10_000);
      expect(await s.sg.services.payments.pollPending(now)).toBe(0);
      const r = await row(p.id);
      expect(r, `poll ${n}`).toMatchObject({ status: 'PENDING', polls: n });
      expect(r.nextPollAt!.getTime(), `poll ${n}`).toBe(now.getTime() + nextPollDelay(n, FIRST_POLL, MAX_POLL));
    }
    // due at its nextPollAt, not a millisecond before
    const next = (await row(p.id)).nextPollAt!.getTime();
    expect(await s.sg.services.payments.pollPending(new Date(next - 1))).toBe(0);
    expect((await row(p.id)).polls).toBe(3);
    expect(await s.sg.services.payments.pollPending(new Date(next))).toBe(0);
    expect((await row(p.id)).polls).toBe(4);
    // two minutes after its creation
    expect(await s.sg.services.payments.pollPending(new Date(t0.getTime() + 2 * 60_000))).toBe(1);
    expect(await row(p.id)).toMatchObject({ status: 'FAILED', failureReason: 'MTN_MOMO has no record of the request', nextPollAt: null });
  });

  it('no outcome within expireAfterMs: FAILED naming the rail and the minutes; a payment of an unconfigured rail waits until then', async () => {
    const inv = await s.freshInvoice('500.00');
    const t0 = later(0);
    const p = await railPayment(inv.id, { rail: 'MPESA', provider: 'MPESA', reference: 'ws_CO_rs_unknown', createdAt: t0, nextPollAt: t0 });
    try {
      await s.sg.prisma.paymentProviderConfig.update({ where: { tenantId_rail: { tenantId: LAGOS, rail: 'MPESA' } }, data: { enabled: false } });
      expect(await s.sg.services.payments.pollPending(new Date(t0.getTime() + 15 * 60_000 - 1))).toBe(0);
      expect(await row(p.id)).toMatchObject({ status: 'PENDING', polls: 1 });
      // due again exactly when it is 15 minutes old
      await s.sg.prisma.payment.update({ where: { id: p.id }, data: { nextPollAt: new Date(t0.getTime() + 15 * 60_000) } });
      expect(await s.sg.services.payments.pollPending(new Date(t0.getTime() + 15 * 60_000))).toBe(1);
      expect(await row(p.id)).toMatchObject({ status: 'FAILED', failureReason: 'no outcome from MPESA within 15 min' });
    } finally {
      await s.sg.services.providerAccounts.seedDemo(demoPaymentAccounts(), s.sandbox.url);
    }
  });

  it('settles from what the provider says: collected SUCCEEDS with its receipt, another amount or a decline FAILS; the oldest due first, 50 a run', async () => {
    const inv = await s.freshInvoice('60000.00');
    // MTN MoMo payments whose callbacks never come (scenario 1007): only the poll can tell
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await s.initiate({ invoiceId: inv.id, provider: 'MTN_MOMO', amount: '100.00', phone: payer('1007') })).data.initiatePayment.payment.id);
    const [collected, otherAmount, declined] = ids as [string, string, string];
    const txnOf = async (id: string) => { const r = (await row(id)).reference!; return s.sandbox.transactions.get(`MTN_MOMO:${r}`)!; };
    // the pretend customer approves after 150 ms
    await eventually(async () => (await Promise.all(ids.map(txnOf))).every((t) => t.status === 'SUCCEEDED'), { timeoutMs: 10_000, intervalMs: 50 });
    // what the provider will say when asked
    (await txnOf(otherAmount)).amount = '99.00';
    Object.assign(await txnOf(declined), { status: 'FAILED', reason: 'APPROVAL_REJECTED', receipt: null });
    await s.sg.prisma.payment.updateMany({ where: { id: { in: ids } }, data: { nextPollAt: new Date(0) } });
    expect(await s.sg.services.payments.pollPending(new Date())).toBe(3);
    const c = await row(collected);
    expect(c).toMatchObject({ status: 'SUCCEEDED', nextPollAt: null });
    expect(c.receipt).toMatch(/^\d{10}$/);
    expect(await row(otherAmount)).toMatchObject({ status: 'FAILED', failureReason: 'amount mismatch: the provider collected 99.00 NGN, not 100.00 NGN; reconcile by hand' });
    expect(await row(declined)).toMatchObject({ status: 'FAILED', failureReason: 'MTN MoMo: APPROVAL_REJECTED' });

    // 51 due: the 50 with the earliest nextPollAt this run, the last one the next
    const base = later(0);
    const many = [];
    for (let i = 0; i < 51; i++) many.push(await railPayment(inv.id, { rail: 'MTN_MOMO', provider: 'MTN_MOMO', reference: null, amount: '1.00', createdAt: base, nextPollAt: new Date(base.getTime() + (50 - i) * 1_000) }));
    await s.sg.services.payments.pollPending(new Date(base.getTime() + 60_000));
    const polled = await s.sg.prisma.payment.findMany({ where: { id: { in: many.map((m) => m.id) } }, select: { id: true, polls: true } });
    expect(polled.filter((m) => m.polls === 0).map((m) => m.id)).toEqual([many[0]!.id]);
    await s.sg.prisma.payment.deleteMany({ where: { id: { in: many.map((m) => m.id) } } });
  });
});

describe('the status poll racing a callback', () => {
  it('a payment settled while the poll waited for the provider keeps its outcome: no back-off written over it', async () => {
    // a MoMo stand-in whose status answer waits until the test lets it go
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let asked!: () => void;
    const askedOnce = new Promise<void>((r) => (asked = r));
    const momo = createServer((req, res) => {
      const reply = (body: object) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (req.method === 'POST') return reply({ access_token: 'rs-token', expires_in: 3600 });
      asked();
      void released.then(() => reply({ status: 'PENDING' }));
    });
    await new Promise<void>((r) => momo.listen(0, '127.0.0.1', r));
    const inv = await s.freshInvoice('500.00');
    const p = await railPayment(inv.id, { rail: 'MTN_MOMO', provider: 'MTN_MOMO', reference: 'rs-race-ref', nextPollAt: new Date(0) });
    try {
      await s.sg.services.providerAccounts.upsert(LAGOS, 'MTN_MOMO', { baseUrl: `http://127.0.0.1:${(momo.address() as AddressInfo).port}`, currencies: ['NGN'], secrets: { ...demoPaymentAccounts()[0]!.momo } });
      const polling = s.sg.services.payments.pollPending(new Date());
      await askedOnce;
      // the callback's settle, meanwhile
      await s.sg.prisma.payment.update({ where: { id: p.id }, data: { status: 'SUCCEEDED', receivedAt: new Date(), nextPollAt: null } });
      release();
      expect(await polling).toBe(0);
      expect(await row(p.id)).toMatchObject({ status: 'SUCCEEDED', polls: 0, nextPollAt: null });
    } finally {
      release();
      await s.sg.services.providerAccounts.seedDemo(demoPaymentAccounts(), s.sandbox.url);
      await new Promise((r) => momo.close(r));
    }
  });
});

describe('replays and what an invoice accepts', () => {
  const record = (input: Record<string, unknown>) => s.record(input);
  const refusal = refused;

  it('a retry of initiatePayment: the payment as it is now, FAILED as PAYMENT_FAILED; another phone, rail or a recordPayment under its key is refused', async () => {
    const inv = await s.freshInvoice('500.00');
    const input = { invoiceId: inv.id, provider: 'MTN_MOMO', amount: '100.00', phone: payer('1001'), idempotencyKey: 'rs-init-1' };
    const first = (await s.initiate(input)).data.initiatePayment;
    const done = await s.settled(first.payment.id);
    expect(done.status).toBe('FAILED');
    const again = (await s.initiate({ ...input, phone: '+254 70000 1001' })).data.initiatePayment;
    expect(again).toMatchObject({ payment: { id: first.payment.id, status: 'FAILED' }, invoice: { id: inv.id }, userErrors: [{ code: 'PAYMENT_FAILED', field: ['input'], message: `Payment failed: ${done.failureReason}` }] });
    const reused = refusal('IDEMPOTENCY_KEY_REUSED', 'idempotencyKey', 'This idempotencyKey was used for a different payment');
    expect((await s.initiate({ ...input, phone: payer('1002') })).data.initiatePayment).toEqual(reused);
    expect((await s.initiate({ ...input, provider: 'PAYSTACK' })).data.initiatePayment).toEqual(reused);
    expect((await record({ invoiceId: inv.id, amount: '100.00', method: 'MOBILE_MONEY', idempotencyKey: 'rs-init-1' })).data.recordPayment).toEqual(reused);
    // and an initiatePayment under a recorded payment's key
    expect((await record({ invoiceId: inv.id, idempotencyKey: 'rs-rec-1' })).data.recordPayment.userErrors).toEqual([]);
    expect((await s.initiate({ ...input, idempotencyKey: 'rs-rec-1', method: 'MOBILE_MONEY' })).data.initiatePayment).toEqual(reused);
  });

  it('a retry of recordPayment: the same invoice, amount and method, with or without the currency; anything else is refused', async () => {
    const inv = await s.freshInvoice('500.00');
    const first = (await record({ invoiceId: inv.id, idempotencyKey: 'rs-rec-2', currencyCode: 'NGN' })).data.recordPayment;
    expect(first.userErrors).toEqual([]);
    for (const same of [{}, { currencyCode: 'NGN' }, { amount: '100.0' }]) {
      expect((await record({ invoiceId: inv.id, idempotencyKey: 'rs-rec-2', ...same })).data.recordPayment, JSON.stringify(same)).toMatchObject({ userErrors: [], payment: { id: first.payment.id } });
    }
    const other = await s.freshInvoice('500.00');
    const reused = refusal('IDEMPOTENCY_KEY_REUSED', 'idempotencyKey', 'This idempotencyKey was used for a different payment');
    for (const different of [{ currencyCode: 'GHS' }, { amount: '100.01' }, { method: 'CASH' }, { invoiceId: other.id }]) {
      expect((await record({ invoiceId: inv.id, idempotencyKey: 'rs-rec-2', ...different })).data.recordPayment, JSON.stringify(different)).toEqual(reused);
    }
  });

  it('refusals say what is wrong with the payment against this invoice: currency, decimals, void, paid, more than is due', async () => {
    const inv = await s.freshInvoice('500.00');
    const cases: [Record<string, unknown>, ReturnType<typeof refusal>][] = [
      [{ invoiceId: '' }, refusal('INVALID_INPUT', 'invoiceId', 'invoiceId must be 1–200 characters')],
      [{ invoiceId: 'i'.repeat(201) }, refusal('INVALID_INPUT', 'invoiceId', 'invoiceId must be 1–200 characters')],
      [{ invoiceId: 'i'.repeat(200) }, refusal('INVOICE_NOT_FOUND', 'invoiceId', 'No such invoice')],
      [{ idempotencyKey: 'k'.repeat(201) }, refusal('INVALID_INPUT', 'idempotencyKey', 'idempotencyKey must be 1–200 characters')],
      [{ amount: '0' }, refusal('INVALID_AMOUNT', 'amount', 'amount must be greater than zero')],
      [{ amount: '-1' }, refusal('INVALID_AMOUNT', 'amount', 'amount must be greater than zero')],
      [{ currencyCode: 'GHS' }, refusal('CURRENCY_MISMATCH', 'currencyCode', 'The invoice is in NGN; pay in NGN, not GHS')],
      [{ amount: '1.001' }, refusal('INVALID_AMOUNT', 'amount', 'NGN amounts have at most 2 decimals')],
      [{ amount: '500.01' }, refusal('AMOUNT_EXCEEDS_DUE', 'amount', `Amount exceeds what is due on ${inv.number} (500.00 NGN)`)],
    ];
    let n = 0;
    for (const [input, expected] of cases) expect((await record({ invoiceId: inv.id, idempotencyKey: `rs-bad-${++n}`, ...input })).data.recordPayment, JSON.stringify(input).slice(0, 80)).toEqual(expected);
    // the service refuses a currency the schema's enum would keep out
    const direct = await s.sg.services.payments.record({ viewer: lagosFinance } as never, { invoiceId: inv.id, amount: new Decimal('1'), currencyCode: 'XYZ', method: 'BANK_TRANSFER', idempotencyKey: 'rs-bad-xyz' });
    expect(direct).toEqual(refusal('INVALID_INPUT', 'currencyCode', 'Unknown currency'));

    // payments in flight count against what is due: this invoice's own, not another invoice's or a failed one
    const elsewhere = await s.freshInvoice('500.00');
    await railPayment(elsewhere.id, { amount: '400.00' });
    await railPayment(inv.id, { amount: '150.00', status: 'FAILED' });
    await railPayment(inv.id, { amount: '100.00' });
    await railPayment(inv.id, { amount: '50.25' });
    expect((await record({ invoiceId: inv.id, amount: '349.76', idempotencyKey: 'rs-flight-1' })).data.recordPayment).toEqual(refusal('AMOUNT_EXCEEDS_DUE', 'amount', `Amount exceeds what is due on ${inv.number} (349.75 NGN)`));
    expect((await record({ invoiceId: inv.id, amount: '349.75', idempotencyKey: 'rs-flight-2' })).data.recordPayment).toMatchObject({ userErrors: [], invoice: { status: 'PARTIALLY_PAID' } });
    await s.sg.prisma.payment.deleteMany({ where: { invoiceId: inv.id, rail: 'PAYSTACK', status: 'PENDING' } });
    expect((await record({ invoiceId: inv.id, amount: '150.25', idempotencyKey: 'rs-flight-3' })).data.recordPayment).toMatchObject({ userErrors: [], invoice: { status: 'PAID' } });
    expect((await record({ invoiceId: inv.id, amount: '1.00', idempotencyKey: 'rs-paid' })).data.recordPayment).toEqual(refusal('INVOICE_ALREADY_PAID', 'invoiceId', `Invoice ${inv.number} is paid`));

    const voided = await s.freshInvoice('500.00');
    await s.sg.prisma.$transaction((tx) => s.sg.services.invoices.voidForOrder(tx, { tenantId: LAGOS, orderId: voided.orderId, onlyDraft: false, reason: 'ORDER_CANCELLED' }));
    expect((await record({ invoiceId: voided.id, idempotencyKey: 'rs-void' })).data.recordPayment).toEqual(refusal('INVOICE_VOID', 'invoiceId', `Invoice ${voided.number} is void`));
  });
});
