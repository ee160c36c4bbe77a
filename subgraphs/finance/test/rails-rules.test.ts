// payments.service.ts, rule by rule (issue 19's mutation run of the file): every refusal's code, field and message,
// replays of recorded, failed and in-flight payments, the crash reconciler's choices, the callback and poll paths,
// wallet top-ups, payments and refunds at their boundaries. PGlite, the provider sandbox over HTTP (rails-stack.ts),
// scripted providers for recordPayment. Each assertion here failed with its rule broken by hand.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, money, newId } from '@omniroute/core';
import { demoPaymentAccounts } from '@omniroute/demo';
import type { ChargeRequest, ChargeResult, PaymentMethod, PaymentProvider } from '../src/modules/payments/providers.ts';
import { ScriptedProvider } from './scripted-provider.ts';
import { LAGOS, lagosFinance } from './helpers.ts';
import { lagos, payer, refused, startRails, type RailsStack } from './rails-stack.ts';

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

const record = (input: Record<string, unknown>) => s.record(input);
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
      expect(r, code).toEqual(refused(code, field, message));
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
      expect(r, `${code} ${JSON.stringify(input).slice(0, 80)}`).toEqual({ payment: null, wallet: null, userErrors: [{ code, field: ['input', field], message }] }); // the top-up payload has no invoice
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
    await expectRefusal({ provider: 'PAYSTACK', method: 'CASH' }, 'METHOD_NOT_SUPPORTED', 'method', 'PAYSTACK takes MOBILE_MONEY, CARD, BANK_TRANSFER, not CASH');
    await expectRefusal({ currencyCode: 'GHS' }, 'CURRENCY_NOT_SUPPORTED', 'currencyCode', 'The MTN_MOMO account collects NGN, not GHS');
    const accounts = demoPaymentAccounts()[0]!;
    try {
      await s.sg.prisma.paymentProviderConfig.update({ where: { tenantId_rail: { tenantId: LAGOS, rail: 'MTN_MOMO' } }, data: { enabled: false } });
      await expectRefusal({}, 'PROVIDER_NOT_CONFIGURED', 'provider', 'The tenant has no MTN_MOMO account configured');
      await s.sg.services.providerAccounts.upsert(LAGOS, 'MTN_MOMO', { baseUrl: s.sandbox.url, currencies: ['NGN', 'KES'], secrets: { ...accounts.momo } });
      await expectRefusal({ currencyCode: 'GHS' }, 'CURRENCY_NOT_SUPPORTED', 'currencyCode', 'The MTN_MOMO account collects NGN, KES, not GHS');
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
    // read at once: on a loaded machine a second request can outlast the 2.5 s, and the poll would have moved it
    const row = await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: c.id } });
    const read = Date.now();
    const w = (await topUp({ customerId: null, workerId: rider, amount: '30.00' })).data.topUpWallet.payment;
    expect(row.nextPollAt!.getTime()).toBeGreaterThanOrEqual(t0 + 2_500);
    expect(row.nextPollAt!.getTime()).toBeLessThanOrEqual(read + 2_500);
    const txn = [...s.sandbox.transactions.values()].find((t) => t.meta.externalId === c.id)!;
    expect(txn.meta.payeeNote).toBe('Wallet top-up');
    const events = await s.sg.prisma.outboxEvent.findMany({ where: { type: 'payment.updated', aggregateId: { in: [c.id, w.id] } }, orderBy: { occurredAt: 'asc' } });
    const first = (id: string) => events.find((e) => e.aggregateId === id && (e.payload as any).previousStatus === null)!.payload as any;
    expect(first(c.id)).toMatchObject({ paymentId: c.id, invoiceId: null, customerId: customer, status: 'PENDING', rail: 'MTN_MOMO', amount: { amount: '20.00', currencyCode: 'NGN' } });
    expect(first(w.id)).toMatchObject({ paymentId: w.id, customerId: null, status: 'PENDING' });
    await Promise.all([s.settled(c.id), s.settled(w.id)]);
    // settled: the posting names the customer (none for a worker), the movement the rail
    const postings = await s.sg.prisma.ledgerPosting.findMany({ where: { paymentId: { in: [c.id, w.id] }, kind: 'WALLET_TOP_UP' } });
    expect(Object.fromEntries(postings.map((p) => [p.paymentId, p.customerId]))).toEqual({ [c.id]: customer, [w.id]: null });
    const moves = await s.sg.prisma.walletMovement.findMany({ where: { paymentId: { in: [c.id, w.id] } } });
    expect(moves.map((m) => [m.kind, m.description])).toEqual([['TOP_UP', 'Top-up by MTN_MOMO'], ['TOP_UP', 'Top-up by MTN_MOMO']]);
  });
});

const PAY = `mutation($i: PayInvoiceFromWalletInput!) { payInvoiceFromWallet(input: $i) {
  payment { id status method provider reference amount { amount } } invoice { id status amountPaid { amount } } wallet { id balance { amount } } userErrors { code field message } } }`;
const REFUND = `mutation($i: RefundToWalletInput!) { refundToWallet(input: $i) {
  payment { id refunded { amount } } invoice { id status amountPaid { amount } } wallet { id balance { amount } } userErrors { code field message } } }`;

describe('payInvoiceFromWallet and refundToWallet', () => {
  const customer = lagos.customers[11]!.id;
  const other = lagos.customers[12]!.id;
  let walletId: string;
  const pay = (input: Record<string, unknown>) => s.q(lagosFinance, PAY, { i: { amount: '100.00', ...input } });
  const refund = (input: Record<string, unknown>) => s.q(lagosFinance, REFUND, { i: { amount: '10.00', ...input } });
  const balanceOf = async (id = walletId) => (await s.sg.prisma.wallet.findUniqueOrThrow({ where: { id } })).balance.toFixed(2);
  const refusal = (code: string, field: string, message: string) => refused(code, field, message, { wallet: null });

  beforeAll(async () => {
    for (const [owner, amount] of [[customer, '1000.00'], [other, '50.00']] as const) {
      const r = (await s.q(lagosFinance, TOP_UP, { i: { customerId: owner, provider: 'MTN_MOMO', method: 'MOBILE_MONEY', phone: payer(), amount, currencyCode: 'NGN', idempotencyKey: `rr-fund-${owner}` } })).data.topUpWallet;
      await s.settled(r.payment.id);
      if (owner === customer) walletId = r.wallet.id;
    }
  });

  it('pays from the customer\'s own wallet: a SUCCEEDED WALLET payment, the movement, the event; the whole balance may go, not a cent more', async () => {
    const inv = await s.freshInvoice('1500.00', customer);
    const short = (await pay({ invoiceId: inv.id, amount: '1000.01', idempotencyKey: 'rr-pay-short' })).data.payInvoiceFromWallet;
    expect(short).toEqual(refusal('INSUFFICIENT_FUNDS', 'amount', 'The wallet holds 1000.00 NGN'));
    const r = (await pay({ invoiceId: inv.id, amount: '1000.00', idempotencyKey: ' rr-pay-all ' })).data.payInvoiceFromWallet;
    expect(r.userErrors).toEqual([]);
    expect(r).toMatchObject({ payment: { status: 'SUCCEEDED', method: 'WALLET', provider: 'wallet', reference: `WALLET-${r.payment.id}`, amount: { amount: '1000.00' } }, invoice: { id: inv.id, status: 'PARTIALLY_PAID', amountPaid: { amount: '1000.00' } }, wallet: { id: walletId, balance: { amount: '0.00' } } });
    const row = await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: r.payment.id } });
    expect(row).toMatchObject({ invoiceId: inv.id, walletId, idempotencyKey: 'rr-pay-all', currency: 'NGN' });
    expect(row.receivedAt).toBeInstanceOf(Date);
    const moves = await s.sg.prisma.walletMovement.findMany({ where: { paymentId: r.payment.id } });
    expect(moves.map((m) => [m.walletId, m.kind, m.amount.toFixed(2), m.invoiceId, m.description])).toEqual([[walletId, 'INVOICE_PAYMENT', '-1000.00', inv.id, `Invoice ${inv.number}`]]);
    const ev = await s.sg.prisma.outboxEvent.findFirstOrThrow({ where: { type: 'payment.updated', aggregateId: r.payment.id } });
    expect(ev.payload).toMatchObject({ paymentId: r.payment.id, invoiceId: inv.id, walletId, customerId: customer, previousStatus: null, status: 'SUCCEEDED', method: 'WALLET' });
    // the ledger takes it from the wallet's sub-account, not from cash
    const entries = await s.sg.prisma.ledgerEntry.findMany({ where: { posting: { paymentId: r.payment.id, kind: 'PAYMENT_RECEIVED' } } });
    expect(entries.filter((e) => e.amount.gt(0) && e.account !== 'CREDIT_COMMITMENT').map((e) => [e.account, e.walletId, e.amount.toFixed(2)])).toEqual([['WALLET', walletId, '1000.00']]);
    // the retry, trimmed: the payment, and the invoice and wallet as they are now
    expect((await pay({ invoiceId: inv.id, amount: '1000.00', idempotencyKey: 'rr-pay-all' })).data.payInvoiceFromWallet).toEqual({ ...r, userErrors: [] });
    const reused = refusal('IDEMPOTENCY_KEY_REUSED', 'idempotencyKey', 'This idempotencyKey was used for a different payment');
    expect((await pay({ invoiceId: inv.id, amount: '999.00', idempotencyKey: 'rr-pay-all' })).data.payInvoiceFromWallet).toEqual(reused);
    // a key a recorded payment of the same amount on the same invoice holds: another method
    expect((await record({ invoiceId: inv.id, amount: '5.00', idempotencyKey: 'rr-pay-recorded' })).data.recordPayment.userErrors).toEqual([]);
    expect((await pay({ invoiceId: inv.id, amount: '5.00', idempotencyKey: 'rr-pay-recorded' })).data.payInvoiceFromWallet).toEqual(reused);
    expect(await balanceOf()).toBe('0.00');
  });

  it('refuses bad input, unknown and unpayable invoices by field; another customer\'s wallet is never used', async () => {
    const inv = await s.freshInvoice('100.00', other);
    const cases: [Record<string, unknown>, ReturnType<typeof refusal>][] = [
      [{ invoiceId: inv.id, idempotencyKey: '  ' }, refusal('INVALID_INPUT', 'idempotencyKey', 'idempotencyKey must be 1–200 characters')],
      [{ invoiceId: 'inv_RR_NOPE', idempotencyKey: 'rr-pay-nope' }, refusal('INVOICE_NOT_FOUND', 'invoiceId', 'No such invoice')],
      [{ invoiceId: inv.id, amount: '100.01', idempotencyKey: 'rr-pay-over' }, refusal('AMOUNT_EXCEEDS_DUE', 'amount', `Amount exceeds what is due on ${inv.number} (100.00 NGN)`)],
      [{ invoiceId: inv.id, amount: '60.00', idempotencyKey: 'rr-pay-poor' }, refusal('INSUFFICIENT_FUNDS', 'amount', 'The wallet holds 50.00 NGN')],
    ];
    for (const [input, expected] of cases) expect((await pay(input)).data.payInvoiceFromWallet, JSON.stringify(input)).toEqual(expected);
    // another tenant's caller cannot reach the invoice
    const accra = await s.q({ ...lagosFinance, tenantId: 'tnt_ACCRA' }, PAY, { i: { invoiceId: inv.id, amount: '1.00', idempotencyKey: 'rr-pay-accra' } });
    expect(accra.data.payInvoiceFromWallet).toEqual(refusal('INVOICE_NOT_FOUND', 'invoiceId', 'No such invoice'));
    expect(await s.sg.prisma.payment.count({ where: { invoiceId: inv.id } })).toBe(0);
    expect(await balanceOf()).toBe('0.00');
  });

  it('refunds to the wallet: owed again on the invoice, credit held again on credit terms, the posting, the movement and the event', async () => {
    // an invoice on credit terms, paid in full through a rail
    const orderId = 'ord_RRCREDIT01';
    const inv = await s.sg.prisma.$transaction(async (tx) => {
      await s.sg.services.invoices.createDraft(tx, { tenantId: LAGOS, orderId, customerId: customer, terms: 'NET_14', total: money('300.00', 'NGN'), onCredit: true });
      return (await s.sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId, deliveredAt: new Date() }))!;
    });
    const paid = await s.settled((await s.initiate({ invoiceId: inv.id, amount: '300.00' })).data.initiatePayment.payment.id);
    expect(paid.invoice.status).toBe('PAID');
    const lines = async () => Object.fromEntries((await s.sg.prisma.creditLine.findMany({ where: { tenantId: LAGOS, customerId: { in: [customer, other] } } })).map((l) => [l.customerId, l.utilized.toFixed(2)]));
    const before = await lines();

    const r = (await refund({ paymentId: paid.id, amount: '120.00', idempotencyKey: ' rr-refund-1 ' })).data.refundToWallet;
    expect(r).toEqual({ userErrors: [], payment: { id: paid.id, refunded: { amount: '120.00' } }, invoice: { id: inv.id, status: 'PARTIALLY_PAID', amountPaid: { amount: '180.00' } }, wallet: { id: walletId, balance: { amount: '120.00' } } });
    expect((await s.sg.prisma.invoice.findUniqueOrThrow({ where: { id: inv.id } })).paidAt).toBeNull();
    const after = await lines();
    expect(Object.keys(before).sort()).toEqual([customer, other].sort()); // every seeded customer has a line
    expect(Number(after[customer]) - Number(before[customer])).toBeCloseTo(120, 2);
    expect(after[other]).toEqual(before[other]);
    expect(await s.sg.prisma.ledgerPosting.count({ where: { invoiceId: inv.id, kind: 'CREDIT_RESERVED' } })).toBe(1);
    const posting = await s.sg.prisma.ledgerPosting.findFirstOrThrow({ where: { paymentId: paid.id, kind: 'WALLET_REFUND' }, include: { entries: true } });
    expect(posting).toMatchObject({ invoiceId: inv.id, customerId: customer, walletId });
    expect(posting.entries.map((e) => [e.account, e.amount.toFixed(2)]).sort()).toEqual([['ACCOUNTS_RECEIVABLE', '120.00'], ['WALLET', '-120.00']]);
    const moves = await s.sg.prisma.walletMovement.findMany({ where: { paymentId: paid.id, kind: 'REFUND' } });
    expect(moves.map((m) => [m.walletId, m.amount.toFixed(2), m.invoiceId, m.description, m.idempotencyKey])).toEqual([[walletId, '120.00', inv.id, `Refund from invoice ${inv.number}`, 'rr-refund-1']]);
    const ev = await s.sg.prisma.outboxEvent.findFirstOrThrow({ where: { type: 'payment.refunded', aggregateId: inv.id } });
    expect(ev.payload).toEqual({ invoiceId: inv.id, orderId, customerId: customer, amount: { amount: '120.00', currencyCode: 'NGN' }, amountDue: { amount: '120.00', currencyCode: 'NGN' }, status: 'PARTIALLY_PAID', paymentId: paid.id, walletId });

    // the retry answers the same; the key for another amount or payment is refused
    expect((await refund({ paymentId: paid.id, amount: '120.00', idempotencyKey: 'rr-refund-1' })).data.refundToWallet).toEqual(r);
    const reused = refusal('IDEMPOTENCY_KEY_REUSED', 'idempotencyKey', 'This idempotencyKey was used for a different refund');
    expect((await refund({ paymentId: paid.id, amount: '121.00', idempotencyKey: 'rr-refund-1' })).data.refundToWallet).toEqual(reused);
    const otherPayment = await s.sg.prisma.payment.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'SUCCEEDED', invoiceId: { not: null }, id: { not: paid.id } } });
    expect((await refund({ paymentId: otherPayment.id, amount: '120.00', idempotencyKey: 'rr-refund-1' })).data.refundToWallet).toEqual(reused);

    // what is left to refund, exactly; then nothing
    expect((await refund({ paymentId: paid.id, amount: '180.01', idempotencyKey: 'rr-refund-2' })).data.refundToWallet).toEqual(refusal('AMOUNT_EXCEEDS_REFUNDABLE', 'amount', 'At most 180.00 NGN of this payment can be refunded'));
    const rest = (await refund({ paymentId: paid.id, amount: '180.00', idempotencyKey: 'rr-refund-3' })).data.refundToWallet;
    expect(rest).toMatchObject({ userErrors: [], payment: { refunded: { amount: '300.00' } }, invoice: { status: 'ISSUED', amountPaid: { amount: '0.00' } }, wallet: { balance: { amount: '300.00' } } });
    expect((await refund({ paymentId: paid.id, amount: '0.01', idempotencyKey: 'rr-refund-4' })).data.refundToWallet).toEqual(refusal('AMOUNT_EXCEEDS_REFUNDABLE', 'amount', 'At most 0.00 NGN of this payment can be refunded'));
  });

  it('refuses bad input, unknown payments and payments that are not the customer\'s money to refund; limits inclusive', async () => {
    const inv = await s.freshInvoice('100.00', customer);
    const failed = await claimed(inv.id, { status: 'FAILED', failureReason: 'declined' });
    const pending = await claimed(inv.id);
    const financed = await claimed(inv.id, { status: 'SUCCEEDED', method: 'FINANCING' });
    const topUpPayment = await s.sg.prisma.payment.findFirstOrThrow({ where: { walletId, invoiceId: null, status: 'SUCCEEDED' } });
    const good = (await s.sg.prisma.payment.findFirstOrThrow({ where: { tenantId: LAGOS, status: 'SUCCEEDED', method: 'BANK_TRANSFER', invoiceId: { not: null } } }));
    const keyRule = refusal('INVALID_INPUT', 'idempotencyKey', 'idempotencyKey must be 1–200 characters');
    const idRule = refusal('INVALID_INPUT', 'paymentId', 'paymentId must be 1–200 characters');
    const notFound = refusal('PAYMENT_NOT_FOUND', 'paymentId', 'No such payment');
    const cases: [Record<string, unknown>, ReturnType<typeof refusal>][] = [
      [{ paymentId: good.id, idempotencyKey: ' ' }, keyRule],
      [{ paymentId: good.id, idempotencyKey: 'k'.repeat(201) }, keyRule],
      [{ paymentId: 'pay_RR_NOPE', idempotencyKey: 'k'.repeat(200) }, notFound],
      [{ paymentId: '', idempotencyKey: 'rr-rf-1' }, idRule],
      [{ paymentId: 'p'.repeat(201), idempotencyKey: 'rr-rf-2' }, idRule],
      [{ paymentId: 'p'.repeat(200), idempotencyKey: 'rr-rf-3' }, notFound],
      [{ paymentId: good.id, amount: '0', idempotencyKey: 'rr-rf-4' }, refusal('INVALID_AMOUNT', 'amount', 'amount must be greater than zero')],
      [{ paymentId: good.id, amount: '-1.00', idempotencyKey: 'rr-rf-5' }, refusal('INVALID_AMOUNT', 'amount', 'amount must be greater than zero')],
      [{ paymentId: good.id, amount: '1.001', idempotencyKey: 'rr-rf-6' }, refusal('INVALID_AMOUNT', 'amount', 'NGN amounts have at most 2 decimals')],
      [{ paymentId: topUpPayment.id, idempotencyKey: 'rr-rf-7' }, refusal('REFUND_NOT_ALLOWED', 'paymentId', 'Only invoice payments can be refunded to a wallet')],
      [{ paymentId: failed.id, idempotencyKey: 'rr-rf-8' }, refusal('REFUND_NOT_ALLOWED', 'paymentId', 'The payment is FAILED')],
      [{ paymentId: pending.id, idempotencyKey: 'rr-rf-9' }, refusal('REFUND_NOT_ALLOWED', 'paymentId', 'The payment is PENDING')],
      [{ paymentId: financed.id, idempotencyKey: 'rr-rf-10' }, refusal('REFUND_NOT_ALLOWED', 'paymentId', "A financier's payment is not the customer's to refund")],
    ];
    const movements = await s.sg.prisma.walletMovement.count();
    for (const [input, expected] of cases) expect((await refund(input)).data.refundToWallet, JSON.stringify(input).slice(0, 90)).toEqual(expected);
    // another tenant's caller cannot refund a Lagos payment
    expect((await s.q({ ...lagosFinance, tenantId: 'tnt_ACCRA' }, REFUND, { i: { paymentId: good.id, amount: '1.00', idempotencyKey: 'rr-rf-accra' } })).data.refundToWallet).toEqual(notFound);
    expect(await s.sg.prisma.walletMovement.count()).toBe(movements);
    expect((await s.sg.prisma.payment.findUniqueOrThrow({ where: { id: good.id } })).refunded.toFixed(2)).toBe('0.00');
    await s.sg.prisma.payment.deleteMany({ where: { id: { in: [failed.id, pending.id, financed.id] } } });
  });

  it('three concurrent payments with one key for what is due: one payment, the same answer for all; then three concurrent refunds with one key: one movement', async () => {
    const inv = await s.freshInvoice('50.00', customer);
    const paying = await Promise.all(Array.from({ length: 3 }, () => pay({ invoiceId: inv.id, amount: '50.00', idempotencyKey: 'rr-pay-for-race' })));
    for (const r of paying) expect(r.data.payInvoiceFromWallet).toMatchObject({ userErrors: [], payment: { id: paying[0]!.data.payInvoiceFromWallet.payment.id } });
    const p = paying[0]!.data.payInvoiceFromWallet.payment;
    expect(await s.sg.prisma.payment.count({ where: { invoiceId: inv.id } })).toBe(1);
    const results = await Promise.all(Array.from({ length: 3 }, () => refund({ paymentId: p.id, amount: '20.00', idempotencyKey: 'rr-refund-race' })));
    for (const r of results) expect(r.data.refundToWallet).toMatchObject({ userErrors: [], payment: { id: p.id, refunded: { amount: '20.00' } } });
    expect(await s.sg.prisma.walletMovement.count({ where: { paymentId: p.id, kind: 'REFUND' } })).toBe(1);
  });
});
