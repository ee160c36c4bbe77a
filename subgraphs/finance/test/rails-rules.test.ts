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
