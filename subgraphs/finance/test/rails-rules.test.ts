// payments.service.ts, rule by rule (issue 19's mutation run of the file): every refusal's code, field and message,
// replays of recorded, failed and in-flight payments, the crash reconciler's choices, the callback and poll paths,
// wallet top-ups, payments and refunds at their boundaries. PGlite, the provider sandbox over HTTP (rails-stack.ts),
// scripted providers for recordPayment. Each assertion here failed with its rule broken by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, money, newId } from '@omniroute/core';
import { demoPaymentAccounts } from '@omniroute/demo';
import type { ChargeRequest, ChargeResult, PaymentMethod, PaymentProvider } from '../src/modules/payments/providers.ts';
import { ScriptedProvider } from './scripted-provider.ts';
import { LAGOS, lagosFinance, RECORD_PAYMENT } from './helpers.ts';
import { lagos, payer, startRails, type RailsStack } from './rails-stack.ts';

const steady = new ScriptedProvider({ name: 'steady', methods: ['BANK_TRANSFER'] });
const decliner = new ScriptedProvider({ name: 'decliner', methods: ['CARD'], declines: true });
/** A provider that cannot say what it did with a key (no lookup): the reconciler must leave its payments alone. */
const blind: PaymentProvider = {
  name: 'blind',
  supports: (m: PaymentMethod) => m === 'CASH',
  charge: async (req: ChargeRequest): Promise<ChargeResult> => ({ ok: true, reference: `BLIND-${req.paymentId}` }),
};

let s: RailsStack;
beforeAll(async () => {
  s = await startRails({ orderPrefix: 'RR', providers: [steady, decliner, blind], paymentTiming: { waitForPendingMs: 100 }, reconcileIntervalMs: 0 });
});
afterAll(async () => {
  await s?.stop();
});

const record = (input: Record<string, unknown>) => s.q(lagosFinance, RECORD_PAYMENT, { i: { method: 'BANK_TRANSFER', amount: '100.00', ...input } });
/** A payment row as a claim leaves it (no provider asked yet), `ageMs` old. */
const claimed = (invoiceId: string, data: Record<string, unknown> = {}, ageMs = 0) => s.sg.prisma.payment.create({
  data: { id: newId('pay'), tenantId: LAGOS, invoiceId, currency: 'NGN', amount: '100.00', method: 'BANK_TRANSFER', status: 'PENDING', idempotencyKey: newId('key'), createdAt: new Date(Date.now() - ageMs), ...data },
});

describe('recordPayment', () => {
  it('a declined charge is PAYMENT_FAILED with the provider\'s reason; a replay of a FAILED payment without one says declined', async () => {
    const inv = await s.freshInvoice();
    const r = (await record({ invoiceId: inv.id, method: 'CARD', idempotencyKey: 'rr-declined' })).data.recordPayment;
    expect(r.payment.status).toBe('FAILED');
    const row = await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: r.payment.id } });
    expect(row.failureReason).toMatch(/decliner: declined/);
    expect(r.userErrors).toEqual([{ code: 'PAYMENT_FAILED', field: ['input'], message: `Payment failed: ${row.failureReason}` }]);

    const bare = await claimed(inv.id, { status: 'FAILED', failureReason: null, idempotencyKey: 'rr-failed-bare' });
    const again = (await record({ invoiceId: inv.id, idempotencyKey: 'rr-failed-bare' })).data.recordPayment;
    expect(again.payment.id).toBe(bare.id);
    expect(again.userErrors).toEqual([{ code: 'PAYMENT_FAILED', field: ['input'], message: 'Payment failed: declined' }]);
  });

  it('a retry while the first request is still being charged waits, then answers PAYMENT_PENDING with the payment', async () => {
    const inv = await s.freshInvoice();
    const first = await claimed(inv.id, { idempotencyKey: 'rr-in-flight' });
    const t0 = Date.now();
    const r = (await record({ invoiceId: inv.id, idempotencyKey: 'rr-in-flight' })).data.recordPayment;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(100); // waitForPendingMs
    expect(r.payment).toMatchObject({ id: first.id, status: 'PENDING' });
    expect(r.userErrors).toEqual([{ code: 'PAYMENT_PENDING', field: ['input'], message: 'The payment is still being processed; retry later with the same idempotencyKey' }]);
    expect(steady.charges.has(`${LAGOS}:rr-in-flight`)).toBe(false);
  });

  it('WALLET and FINANCING are not recordPayment\'s methods: refused by field with where to go instead', async () => {
    const inv = await s.freshInvoice();
    for (const [method, message] of [['WALLET', 'Pay from a wallet with payInvoiceFromWallet'], ['FINANCING', 'Financing pays an invoice through acceptFinancingOffer']]) {
      const r = (await record({ invoiceId: inv.id, method, idempotencyKey: `rr-${method}` })).data.recordPayment;
      expect(r).toEqual({ payment: null, invoice: null, userErrors: [{ code: 'METHOD_NOT_SUPPORTED', field: ['input', 'method'], message }] });
    }
    expect(await s.sg.prisma.payment.count({ where: { invoiceId: inv.id } })).toBe(0);
  });

  it('the idempotency key is trimmed: " key " and "key" are one payment', async () => {
    const inv = await s.freshInvoice();
    const a = (await record({ invoiceId: inv.id, idempotencyKey: '  rr-trimmed ' })).data.recordPayment;
    const b = (await record({ invoiceId: inv.id, idempotencyKey: 'rr-trimmed' })).data.recordPayment;
    expect(a.userErrors).toEqual([]);
    expect(b).toMatchObject({ userErrors: [], payment: { id: a.payment.id, status: 'SUCCEEDED' } });
    expect(await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: a.payment.id } })).toMatchObject({ idempotencyKey: 'rr-trimmed' });
  });
});

describe('initiatePayment refusals', () => {
  it('name the field and say what is wrong', async () => {
    const inv = await s.freshInvoice();
    const expectRefusal = async (input: Record<string, unknown>, code: string, field: string, message: string) => {
      const r = (await s.initiate({ invoiceId: inv.id, ...input })).data.initiatePayment;
      expect(r, code).toEqual({ payment: null, invoice: null, userErrors: [{ code, field: ['input', field], message }] });
    };
    await expectRefusal({ phone: '12' }, 'INVALID_PHONE', 'phone', 'phone must be an international number such as +254712345678');
    await expectRefusal({ method: 'CARD' }, 'METHOD_NOT_SUPPORTED', 'method', 'MPESA takes MOBILE_MONEY, not CARD');
    await expectRefusal({ provider: 'PAYSTACK', method: 'CASH' }, 'METHOD_NOT_SUPPORTED', 'method', 'PAYSTACK takes MOBILE_MONEY, CARD, BANK_TRANSFER, not CASH');
    const momo = demoPaymentAccounts()[0]!.momo;
    try {
      await s.sg.services.providerAccounts.upsert(LAGOS, 'MTN_MOMO', { baseUrl: s.sandbox.url, currencies: ['GHS', 'KES'], secrets: { ...momo } });
      await expectRefusal({ provider: 'MTN_MOMO' }, 'CURRENCY_NOT_SUPPORTED', 'provider', 'The MTN_MOMO account collects GHS, KES, not NGN');
      await s.sg.prisma.paymentProviderConfig.update({ where: { tenantId_rail: { tenantId: LAGOS, rail: 'MTN_MOMO' } }, data: { enabled: false } });
      await expectRefusal({ provider: 'MTN_MOMO' }, 'PROVIDER_NOT_CONFIGURED', 'provider', 'The tenant has no MTN_MOMO account configured');
    } finally {
      await s.sg.services.providerAccounts.seedDemo(demoPaymentAccounts(), s.sandbox.url);
    }
    // the schema's enum keeps unknown rails out of the graph; the service refuses them too
    const direct = await s.sg.services.payments.initiate({ viewer: lagosFinance } as never, {
      invoiceId: inv.id, provider: 'VISA' as never, method: 'MOBILE_MONEY', phone: payer(), amount: new Decimal('1'), idempotencyKey: 'rr-visa',
    });
    expect(direct).toEqual({ payment: null, invoice: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'provider'], message: 'Unknown provider' }] });
    expect(await s.sg.prisma.payment.count({ where: { invoiceId: inv.id } })).toBe(0);
  });

  it('M-Pesa takes whole shillings: a KES invoice paid with cents is AMOUNT_NOT_SUPPORTED on amount, nothing claimed', async () => {
    const orderId = 'ord_RRKES0001';
    const kes = await s.sg.prisma.$transaction(async (tx) => {
      await s.sg.services.invoices.createDraft(tx, { tenantId: LAGOS, orderId, customerId: lagos.customers[0]!.id, terms: 'CASH_ON_DELIVERY', total: money('5000', 'KES'), onCredit: false });
      return (await s.sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId, deliveredAt: new Date() }))!;
    });
    const mpesa = demoPaymentAccounts()[0]!.mpesa;
    try {
      await s.sg.services.providerAccounts.upsert(LAGOS, 'MPESA', { baseUrl: s.sandbox.url, currencies: ['KES'], secrets: { ...mpesa } });
      const r = (await s.initiate({ invoiceId: kes.id, amount: '100.50' })).data.initiatePayment;
      expect(r).toEqual({ payment: null, invoice: null, userErrors: [{ code: 'AMOUNT_NOT_SUPPORTED', field: ['input', 'amount'], message: 'M-Pesa takes KES amounts with at most 0 decimals' }] });
      expect(await s.sg.prisma.payment.count({ where: { invoiceId: kes.id } })).toBe(0);
    } finally {
      await s.sg.services.providerAccounts.seedDemo(demoPaymentAccounts(), s.sandbox.url);
    }
  });
});

describe('the crash reconciler (reconcilePending)', () => {
  it('settles what a provider took, fails what none took, leaves what a provider cannot tell and rail payments; oldest first, a limit per run', async () => {
    const inv = await s.freshInvoice();
    const min = 60_000;
    // inserted younger first, so the oldest-first order is the statement's, not the table's
    const lost = await claimed(inv.id, {}, 20 * min);
    const taken = await claimed(inv.id, {}, 30 * min);
    await steady.charge({ tenantId: LAGOS, paymentId: taken.id, amount: new Decimal('100.00'), currencyCode: 'NGN', method: 'BANK_TRANSFER', idempotencyKey: `${LAGOS}:${taken.idempotencyKey}` });
    const unknowable = await claimed(inv.id, { method: 'CASH' }, 10 * min);
    const recent = await claimed(inv.id, {}, 4 * min); // younger than the default 5 minutes
    const rail = await claimed(inv.id, { rail: 'MPESA', provider: 'MPESA' }, 40 * min);
    const status = async () => Object.fromEntries((await s.sg.prisma.payment.findMany({ where: { invoiceId: inv.id } })).map((p) => [p.id, p.status]));

    // limit 1: only the oldest non-rail payment
    expect(await s.sg.services.payments.reconcilePending(undefined, 1)).toEqual({ stuck: 1, repaired: 1 });
    expect(await status()).toEqual({ [taken.id]: 'SUCCEEDED', [lost.id]: 'PENDING', [unknowable.id]: 'PENDING', [recent.id]: 'PENDING', [rail.id]: 'PENDING' });
    expect(await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: taken.id } })).toMatchObject({ provider: 'steady', reference: `STEADY-${taken.id}` });

    // default threshold (5 minutes) and limit: the lost one fails, the unknowable one waits, the recent one is not stuck yet
    expect(await s.sg.services.payments.reconcilePending()).toEqual({ stuck: 2, repaired: 1 });
    expect(await status()).toEqual({ [taken.id]: 'SUCCEEDED', [lost.id]: 'FAILED', [unknowable.id]: 'PENDING', [recent.id]: 'PENDING', [rail.id]: 'PENDING' });
    expect(await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: lost.id } })).toMatchObject({ failureReason: 'interrupted before any provider took the charge', provider: null });

    // a threshold of 3 minutes reaches the recent one as well
    expect(await s.sg.services.payments.reconcilePending(3 * min)).toEqual({ stuck: 2, repaired: 1 });
    expect((await status())[recent.id]).toBe('FAILED');
    await s.sg.prisma.payment.deleteMany({ where: { id: { in: [unknowable.id, rail.id] } } });
  });
});

const TOP_UP = `mutation($i: TopUpWalletInput!) { topUpWallet(input: $i) { payment { id status rail method phone amount { amount currencyCode } invoice { id } } wallet { id ownerType balance { amount currencyCode } } userErrors { code field message } } }`;

describe('topUpWallet', () => {
  const customer = lagos.customers[5]!.id;
  const rider = lagos.riders[1]!.id;
  let n = 0;
  const topUp = (input: Record<string, unknown>) =>
    s.q(lagosFinance, TOP_UP, { i: { customerId: customer, provider: 'MTN_MOMO', method: 'MOBILE_MONEY', phone: payer(), amount: '500.00', currencyCode: 'NGN', idempotencyKey: `rr-topup-${++n}`, ...input } });
  const counts = async () => [await s.sg.prisma.payment.count({ where: { invoiceId: null } }), await s.sg.prisma.wallet.count(), s.sandbox.transactions.size];

  it('refusals name the field and say what is wrong; each limit is inclusive; nothing is written, no provider asked', async () => {
    const before = await counts();
    const expectRefusal = async (input: Record<string, unknown>, code: string, field: string, message: string) => {
      const r = (await topUp(input)).data.topUpWallet;
      expect(r, `${code} ${JSON.stringify(input).slice(0, 80)}`).toEqual({ payment: null, wallet: null, userErrors: [{ code, field: ['input', field], message }] });
    };
    const one = 'Name exactly one of customerId and workerId';
    await expectRefusal({ workerId: rider }, 'INVALID_INPUT', 'customerId', one);
    await expectRefusal({ customerId: null }, 'INVALID_INPUT', 'customerId', one);
    await expectRefusal({ customerId: 'c'.repeat(201) }, 'INVALID_INPUT', 'customerId', one);
    const badPhone = ['INVALID_PHONE', 'phone', 'phone must be an international number such as +254712345678'] as const;
    await expectRefusal({ customerId: 'c'.repeat(200), phone: '12' }, ...badPhone); // 200 passes the id check
    await expectRefusal({ customerId: null, workerId: 'w'.repeat(201) }, 'INVALID_INPUT', 'customerId', one);
    const keyRule = 'idempotencyKey must be 1–200 characters';
    await expectRefusal({ idempotencyKey: '   ' }, 'INVALID_INPUT', 'idempotencyKey', keyRule);
    await expectRefusal({ idempotencyKey: 'k'.repeat(201) }, 'INVALID_INPUT', 'idempotencyKey', keyRule);
    await expectRefusal({ idempotencyKey: ` ${'k'.repeat(200)} `, phone: '12' }, ...badPhone); // trimmed to 200
    const amountRule = 'amount must be greater than zero with at most 2 decimals';
    await expectRefusal({ amount: '0' }, 'INVALID_AMOUNT', 'amount', amountRule);
    await expectRefusal({ amount: '-5.00' }, 'INVALID_AMOUNT', 'amount', amountRule);
    await expectRefusal({ amount: '5.001' }, 'INVALID_AMOUNT', 'amount', amountRule);
    await expectRefusal({ amount: '5.01', phone: '12' }, ...badPhone);
    await expectRefusal({ phone: '12' }, ...badPhone);
    await expectRefusal({ method: 'CARD' }, 'METHOD_NOT_SUPPORTED', 'method', 'MTN_MOMO takes MOBILE_MONEY, not CARD');
    await expectRefusal({ currencyCode: 'GHS' }, 'CURRENCY_NOT_SUPPORTED', 'currencyCode', 'The MTN_MOMO account collects NGN, not GHS');
    const accounts = demoPaymentAccounts()[0]!;
    try {
      await s.sg.prisma.paymentProviderConfig.update({ where: { tenantId_rail: { tenantId: LAGOS, rail: 'MTN_MOMO' } }, data: { enabled: false } });
      await expectRefusal({}, 'PROVIDER_NOT_CONFIGURED', 'provider', 'The tenant has no MTN_MOMO account configured');
      await s.sg.services.providerAccounts.upsert(LAGOS, 'MPESA', { baseUrl: s.sandbox.url, currencies: ['KES'], secrets: { ...accounts.mpesa } });
      await expectRefusal({ provider: 'MPESA', currencyCode: 'KES', amount: '100.50' }, 'AMOUNT_NOT_SUPPORTED', 'amount', 'M-Pesa takes KES amounts with at most 0 decimals');
    } finally {
      await s.sg.services.providerAccounts.seedDemo(demoPaymentAccounts(), s.sandbox.url);
    }
    expect(await counts()).toEqual(before);
  });

  it('a retry answers with the same payment and wallet and asks the provider nothing; the key for anything else is refused', async () => {
    // another owner's wallet first, so the wallet a retry reads is found by its id, not by being the only one
    await s.settled((await topUp({ customerId: lagos.customers[7]!.id, amount: '1.00' })).data.topUpWallet.payment.id);
    const input = { idempotencyKey: 'rr-topup-same', amount: '250.00' };
    const first = (await topUp({ ...input, idempotencyKey: '  rr-topup-same ' })).data.topUpWallet;
    expect(first).toMatchObject({ userErrors: [], payment: { status: 'PENDING', rail: 'MTN_MOMO', invoice: null }, wallet: { ownerType: 'CUSTOMER' } });
    const asked = s.sandbox.transactions.size;
    const again = (await topUp(input)).data.topUpWallet;
    expect(again).toMatchObject({ userErrors: [], payment: { id: first.payment.id }, wallet: { id: first.wallet.id } });
    const done = await s.settled(first.payment.id);
    expect(done.status).toBe('SUCCEEDED');
    expect((await topUp(input)).data.topUpWallet).toMatchObject({ userErrors: [], payment: { id: first.payment.id, status: 'SUCCEEDED' }, wallet: { balance: { amount: '250.00' } } });
    expect(s.sandbox.transactions.size).toBe(asked);

    const reused = { payment: null, wallet: null, userErrors: [{ code: 'IDEMPOTENCY_KEY_REUSED', field: ['input', 'idempotencyKey'], message: 'This idempotencyKey was used for a different payment' }] };
    for (const other of [
      { amount: '250.01' }, { provider: 'PAYSTACK' }, { phone: payer('0043') }, { customerId: lagos.customers[6]!.id },
      { customerId: null, workerId: customer }, { currencyCode: 'GHS' }, { provider: 'PAYSTACK', method: 'CARD' },
    ]) expect((await topUp({ ...input, ...other })).data.topUpWallet, JSON.stringify(other)).toEqual(reused);
    // the same rail, another method
    const card = (await topUp({ provider: 'PAYSTACK', idempotencyKey: 'rr-topup-paystack' })).data.topUpWallet;
    expect(card.userErrors).toEqual([]);
    expect((await topUp({ provider: 'PAYSTACK', method: 'CARD', idempotencyKey: 'rr-topup-paystack' })).data.topUpWallet).toEqual(reused);
    await s.settled(card.payment.id);
    // a key an invoice payment holds
    const inv = await s.freshInvoice();
    expect((await record({ invoiceId: inv.id, idempotencyKey: 'rr-topup-invoice-key' })).data.recordPayment.userErrors).toEqual([]);
    expect((await topUp({ idempotencyKey: 'rr-topup-invoice-key' })).data.topUpWallet).toEqual(reused);
    expect(s.sandbox.transactions.size).toBe(asked + 1); // the Paystack top-up
  });

  it('five concurrent top-ups with one key: one payment, one request to the provider', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => topUp({ idempotencyKey: 'rr-topup-race', amount: '10.00' })));
    const ids = new Set(results.map((r) => r.data.topUpWallet.payment?.id));
    expect(ids.size).toBe(1);
    for (const r of results) expect(r.data.topUpWallet.userErrors).toEqual([]);
    const [id] = [...ids];
    expect([...s.sandbox.transactions.values()].filter((t) => t.meta.externalId === id)).toHaveLength(1);
    await s.settled(id!);
  });

  it('the request says "Wallet top-up"; the first poll is firstPollMs away; payment.updated names the customer, and no customer for a worker', async () => {
    const t0 = Date.now();
    const c = (await topUp({ amount: '20.00' })).data.topUpWallet.payment;
    const w = (await topUp({ customerId: null, workerId: rider, amount: '30.00' })).data.topUpWallet.payment;
    const row = await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: c.id } });
    expect(row.nextPollAt!.getTime()).toBeGreaterThanOrEqual(t0 + 2_500);
    expect(row.nextPollAt!.getTime()).toBeLessThanOrEqual(Date.now() + 2_500);
    const txn = [...s.sandbox.transactions.values()].find((t) => t.meta.externalId === c.id)!;
    expect(txn.meta.payeeNote).toBe('Wallet top-up');
    const events = await s.sg.prisma.outboxEvent.findMany({ where: { type: 'payment.updated', aggregateId: { in: [c.id, w.id] } }, orderBy: { occurredAt: 'asc' } });
    const first = (id: string) => events.find((e) => e.aggregateId === id && (e.payload as any).previousStatus === null)!.payload as any;
    expect(first(c.id)).toMatchObject({ paymentId: c.id, invoiceId: null, customerId: customer, status: 'PENDING', rail: 'MTN_MOMO', amount: { amount: '20.00', currencyCode: 'NGN' } });
    expect(first(w.id)).toMatchObject({ paymentId: w.id, customerId: null, status: 'PENDING' });
    await Promise.all([s.settled(c.id), s.settled(w.id)]);
  });
});
