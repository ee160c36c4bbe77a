// recordPayment on a real Postgres (throw-away database): partial, full, over-payment, wrong currency, failed
// charges, provider fallback, and idempotency under 20 concurrent retries. The ledger must still sum to zero.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { createTestDatabase } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { ScriptedProvider } from './scripted-provider.ts';
import { creditScore } from '../src/modules/credit/credit-score.ts';
import { money } from '@omniroute/core';
import { accraFinance, client, ENTITIES, LAGOS, lagosFinance, lagosPartner, lagosSales, LEDGER_BALANCE, RECORD_PAYMENT, SECRET } from './helpers.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sg: Awaited<ReturnType<typeof create>>;
let stop: () => Promise<void>;
let url: string;
let q: ReturnType<typeof client>;
const lagos = demoPlan().find((t) => t.id === LAGOS)!;
const terms = new Map(lagos.orders.map((o) => [o.id, o.paymentTerms]));
// Unpaid, issued, on credit terms: paying them frees credit.
const issuedOnCredit = lagos.invoices.filter((i) => i.status === 'ISSUED' && terms.get(i.orderId)!.startsWith('NET_'));

// The first gateway declines everything, so every electronic payment falls back to the second.
const flaky = new ScriptedProvider({ name: 'flaky-gateway', methods: ['CARD', 'BANK_TRANSFER'], declines: true, latencyMs: 5 });
const steady = new ScriptedProvider({ name: 'steady-gateway', methods: ['CARD', 'BANK_TRANSFER'], declines: false, latencyMs: 30 });
const momoDown = new ScriptedProvider({ name: 'momo-down', methods: ['MOBILE_MONEY'], declines: true });

const pay = (v = lagosFinance, input: Record<string, unknown>) => q(v, RECORD_PAYMENT, { i: { method: 'BANK_TRANSFER', currencyCode: 'NGN', ...input } });
const lineOf = async (customerId: string) => (await q(lagosFinance, ENTITIES, { r: [{ __typename: 'Customer', id: customerId }] })).data._entities[0].creditLine;

beforeAll(async () => {
  database = await createTestDatabase('omniroute_finance');
  sg = await create({ secret: SECRET, databaseUrl: database.url, providers: [flaky, steady, momoDown] });
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
  q = client(url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await database?.drop();
});

describe('recordPayment', () => {
  it('a partial payment leaves the invoice PARTIALLY_PAID, frees credit, records the fallback provider', async () => {
    const inv = issuedOnCredit[0]!;
    const before = await lineOf(inv.customerId);
    const r = await pay(lagosFinance, { invoiceId: inv.id, amount: '1000.50', idempotencyKey: 'partial-1' });
    expect(r.errors).toBeUndefined();
    const { payment, invoice, userErrors } = r.data.recordPayment;
    expect(userErrors).toEqual([]);
    expect(payment).toMatchObject({ status: 'SUCCEEDED', provider: 'steady-gateway', method: 'BANK_TRANSFER', amount: { amount: '1000.50', currencyCode: 'NGN' }, invoice: { id: inv.id } });
    expect(payment.reference).toBe(`STEADY-GATEWAY-${payment.id}`);
    expect(invoice).toMatchObject({ status: 'PARTIALLY_PAID', amountPaid: { amount: '1000.50' }, amountDue: { amount: (Number(inv.total) - 1000.5).toFixed(2) } });
    const after = await lineOf(inv.customerId);
    expect(Number(before.utilized.amount) - Number(after.utilized.amount)).toBeCloseTo(1000.5, 2);
    expect(after.reviewedAt).not.toBe(before.reviewedAt);
    const row = await sg.prisma.payment.findUniqueOrThrow({ where: { id: payment.id } });
    expect((row.attempts as any[]).map((a) => [a.provider, a.ok])).toEqual([['flaky-gateway', false], ['steady-gateway', true]]);
  });

  it('paying the rest makes it PAID and emits payment.recorded and invoice.paid to the outbox', async () => {
    const inv = issuedOnCredit[0]!;
    const rest = (Number(inv.total) - 1000.5).toFixed(2);
    const r = await pay(lagosFinance, { invoiceId: inv.id, amount: rest, method: 'CARD', idempotencyKey: 'full-1' });
    expect(r.data.recordPayment.userErrors).toEqual([]);
    expect(r.data.recordPayment.invoice).toMatchObject({ status: 'PAID', amountDue: { amount: '0.00' }, amountPaid: { amount: inv.total } });
    expect(r.data.recordPayment.invoice.payments).toHaveLength(2);
    const events = await sg.prisma.outboxEvent.findMany({ where: { aggregateId: inv.id }, orderBy: { occurredAt: 'asc' } });
    expect(events.map((e) => e.type).sort()).toEqual(['invoice.paid', 'payment.recorded', 'payment.recorded']);
    expect(events.find((e) => e.type === 'invoice.paid')!.payload).toMatchObject({ invoiceId: inv.id, orderId: inv.orderId, customerId: inv.customerId, status: 'PAID', amountDue: { amount: '0.00', currencyCode: 'NGN' } });
  });

  it('refuses over-payment, paid and unknown invoices, zero amounts and wrong currency as userErrors; nothing written', async () => {
    const inv = issuedOnCredit[1]!;
    const count = () => sg.prisma.payment.count();
    const before = await count();
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ invoiceId: inv.id, amount: (Number(inv.total) + 0.01).toFixed(2) }, 'AMOUNT_EXCEEDS_DUE', ['input', 'amount']],
      [{ invoiceId: inv.id, amount: '10.00', currencyCode: 'GHS' }, 'CURRENCY_MISMATCH', ['input', 'currencyCode']],
      [{ invoiceId: inv.id, amount: '0' }, 'INVALID_AMOUNT', ['input', 'amount']],
      [{ invoiceId: inv.id, amount: '-5.00' }, 'INVALID_AMOUNT', ['input', 'amount']],
      [{ invoiceId: inv.id, amount: '1.001' }, 'INVALID_AMOUNT', ['input', 'amount']],
      [{ invoiceId: issuedOnCredit[0]!.id, amount: '1.00' }, 'INVOICE_ALREADY_PAID', ['input', 'invoiceId']],
      [{ invoiceId: 'inv_NOPE', amount: '1.00' }, 'INVOICE_NOT_FOUND', ['input', 'invoiceId']],
      [{ invoiceId: inv.id, amount: '1.00', idempotencyKey: '' }, 'INVALID_INPUT', ['input', 'idempotencyKey']],
    ];
    for (const [input, code, field] of cases) {
      const r = await pay(lagosFinance, { idempotencyKey: `refused-${code}-${Math.random()}`, ...input });
      expect(r.errors, code).toBeUndefined();
      expect(r.data.recordPayment, code).toMatchObject({ payment: null, userErrors: [{ code, field }] });
    }
    expect(await count()).toBe(before);
  });

  it('malformed input is a top-level BAD_USER_INPUT', async () => {
    const r = await pay(lagosFinance, { invoiceId: issuedOnCredit[1]!.id, amount: '12,50', idempotencyKey: 'malformed' });
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('a payment every provider declines is FAILED with PAYMENT_FAILED; the invoice is unchanged; a retry returns it', async () => {
    const inv = issuedOnCredit[1]!;
    const input = { invoiceId: inv.id, amount: '100.00', method: 'MOBILE_MONEY', idempotencyKey: 'momo-1' };
    const r = await pay(lagosFinance, input);
    expect(r.data.recordPayment).toMatchObject({ payment: { status: 'FAILED', provider: 'momo-down', receivedAt: null }, invoice: { status: 'ISSUED', amountPaid: { amount: '0.00' } }, userErrors: [{ code: 'PAYMENT_FAILED' }] });
    const again = await pay(lagosFinance, input);
    expect(again.data.recordPayment.payment.id).toBe(r.data.recordPayment.payment.id);
    expect(again.data.recordPayment.userErrors[0].code).toBe('PAYMENT_FAILED');
  });

  it('20 concurrent retries with one idempotency key: one payment, one charge, the same answer for all', async () => {
    const inv = issuedOnCredit[2]!;
    const before = await lineOf(inv.customerId);
    const charges = steady.charges.size;
    const input = { invoiceId: inv.id, amount: '2500.00', method: 'CARD', idempotencyKey: 'concurrent-retry-1' };
    const results = await Promise.all(Array.from({ length: 20 }, () => pay(lagosFinance, input)));
    for (const r of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data.recordPayment.userErrors).toEqual([]);
    }
    const ids = new Set(results.map((r) => r.data.recordPayment.payment.id));
    expect(ids.size).toBe(1);
    expect(results.every((r) => r.data.recordPayment.payment.status === 'SUCCEEDED')).toBe(true);
    expect(await sg.prisma.payment.count({ where: { tenantId: LAGOS, idempotencyKey: 'concurrent-retry-1' } })).toBe(1);
    expect(steady.charges.size - charges).toBe(1);
    const row = await sg.prisma.invoice.findUniqueOrThrow({ where: { id: inv.id } });
    expect(row.amountPaid.toFixed(2)).toBe('2500.00');
    expect(row.status).toBe('PARTIALLY_PAID');
    expect(Number(before.utilized.amount) - Number((await lineOf(inv.customerId)).utilized.amount)).toBeCloseTo(2500, 2);
    const postings = await sg.prisma.ledgerPosting.count({ where: { invoiceId: inv.id, kind: 'PAYMENT_RECEIVED' } });
    expect(postings).toBe(1);
    // A later retry (sequential) still answers with the same payment; a different payment under the key is refused.
    expect((await pay(lagosFinance, input)).data.recordPayment.payment.id).toBe([...ids][0]);
    expect((await pay(lagosFinance, { ...input, amount: '1.00' })).data.recordPayment.userErrors[0].code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('a retry resumes a payment left PENDING by a crash mid-charge, and applies it once', async () => {
    const inv = issuedOnCredit[6]!;
    await sg.prisma.payment.create({
      data: { id: 'pay_STALE', tenantId: LAGOS, invoiceId: inv.id, currency: 'NGN', amount: '300.00', method: 'CARD', status: 'PENDING', idempotencyKey: 'stale-1', createdAt: new Date(Date.now() - 5 * 60_000) },
    });
    const input = { invoiceId: inv.id, amount: '300.00', method: 'CARD', idempotencyKey: 'stale-1' };
    const results = await Promise.all([pay(lagosFinance, input), pay(lagosFinance, input)]);
    for (const r of results) expect(r.data.recordPayment).toMatchObject({ payment: { id: 'pay_STALE', status: 'SUCCEEDED', provider: 'steady-gateway' }, userErrors: [] });
    const row = await sg.prisma.invoice.findUniqueOrThrow({ where: { id: inv.id } });
    expect(row.amountPaid.toFixed(2)).toBe('300.00');
    expect(await sg.prisma.ledgerPosting.count({ where: { paymentId: 'pay_STALE' } })).toBe(1);
  });

  it('concurrent payments with different keys never pay more than is due', async () => {
    const inv = issuedOnCredit[3]!;
    const results = await Promise.all(Array.from({ length: 6 }, (_, n) => pay(lagosFinance, { invoiceId: inv.id, amount: inv.total, method: 'CARD', idempotencyKey: `race-${n}` })));
    const ok = results.filter((r) => r.data.recordPayment.userErrors.length === 0);
    expect(ok).toHaveLength(1);
    for (const r of results.filter((x) => x !== ok[0])) expect(['AMOUNT_EXCEEDS_DUE', 'INVOICE_ALREADY_PAID']).toContain(r.data.recordPayment.userErrors[0].code);
    const row = await sg.prisma.invoice.findUniqueOrThrow({ where: { id: inv.id } });
    expect(row.amountPaid.toFixed(2)).toBe(Number(inv.total).toFixed(2));
    expect(row.status).toBe('PAID');
  });

  it('a PARTNER key with finance:write may record payments; one without it and SALES_REP may not; another tenant cannot pay or see Lagos invoices', async () => {
    const inv = issuedOnCredit[4]!;
    const unscoped = await pay({ ...lagosPartner, scopes: [] }, { invoiceId: inv.id, amount: '10.00', idempotencyKey: 'partner-0' });
    expect(unscoped.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await sg.prisma.payment.count({ where: { idempotencyKey: 'partner-0' } })).toBe(0);
    const partner = await pay(lagosPartner, { invoiceId: inv.id, amount: '10.00', idempotencyKey: 'partner-1' });
    expect(partner.data.recordPayment.userErrors).toEqual([]);
    const sales = await pay(lagosSales, { invoiceId: inv.id, amount: '10.00', idempotencyKey: 'sales-1' });
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const accra = await q(accraFinance, RECORD_PAYMENT, { i: { invoiceId: inv.id, amount: '10.00', currencyCode: 'NGN', method: 'CARD', idempotencyKey: 'accra-1' } });
    expect(accra.data.recordPayment.userErrors[0].code).toBe('INVOICE_NOT_FOUND');
    const seen = await q(accraFinance, `query($id: ID!) { invoice(id: $id) { id } }`, { id: inv.id });
    expect(seen.data.invoice).toBeNull();
    // the same idempotency key in another tenant is another payment
    const accraInv = demoPlan().find((t) => t.id === 'tnt_ACCRA')!.invoices.find((i) => i.status === 'ISSUED')!;
    const other = await q(accraFinance, RECORD_PAYMENT, { i: { invoiceId: accraInv.id, amount: '1.00', currencyCode: 'GHS', method: 'CARD', idempotencyKey: 'partner-1' } });
    expect(other.data.recordPayment).toMatchObject({ userErrors: [], payment: { amount: { amount: '1.00', currencyCode: 'GHS' } } });
  });

  it('refuses unsigned calls', async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: RECORD_PAYMENT, variables: { i: { invoiceId: issuedOnCredit[5]!.id, amount: '1.00', method: 'CARD', idempotencyKey: 'unsigned' } } }),
    });
    expect(res.status).toBe(401);
    expect(await sg.prisma.payment.count({ where: { idempotencyKey: 'unsigned' } })).toBe(0);
  });

  it('after all of it the ledger of every tenant sums to zero', async () => {
    for (const v of [lagosFinance, accraFinance]) {
      const r = await q(v, LEDGER_BALANCE);
      expect(r.errors).toBeUndefined();
      expect(r.data.ledgerBalance.length).toBeGreaterThan(0);
      for (const b of r.data.ledgerBalance) expect(b).toMatchObject({ balanced: true, net: { amount: '0.00' } });
    }
    const [{ total }] = await sg.prisma.$queryRaw<{ total: string }[]>`SELECT COALESCE(SUM("amount"), 0)::text AS total FROM "LedgerEntry"`;
    expect(Number(total)).toBe(0);
    const unbalanced = await sg.prisma.$queryRaw<unknown[]>`SELECT "postingId" FROM "LedgerEntry" GROUP BY "postingId" HAVING SUM("amount") <> 0`;
    expect(unbalanced).toEqual([]);
  });
});

describe('credit review after payments', () => {
  it('re-scores the line from on-time, late and overdue payments and scales the limit by the score band', async () => {
    const SET = `mutation($i: SetCreditLimitInput!) { setCreditLimit(input: $i) { creditLine { score limit { amount } } userErrors { code } } }`;
    const set = await q(lagosFinance, SET, { i: { customerId: 'cus_SCORE', limit: '10000', currencyCode: 'NGN' } });
    expect(set.data.setCreditLimit.creditLine).toEqual({ score: creditScore({ onTime: 0, late: 0, overdue: 0, utilization: 0 }), limit: { amount: '10000.00' } });
    const day = 86_400_000;
    const orders: [string, 'NET_7' | 'NET_14' | 'NET_30', string, number][] = [
      ['ord_SCORE_A', 'NET_7', '4000.00', -30 * day], // due 23 days ago: overdue
      ['ord_SCORE_B', 'NET_30', '2000.00', 0], // due in 30 days
      ['ord_SCORE_C', 'NET_14', '1000.00', -40 * day], // due 26 days ago: overdue
    ];
    const invoiceIds: Record<string, string> = {};
    for (const [orderId, terms, amount, deliveredAgo] of orders) {
      await sg.prisma.$transaction(async (tx) => {
        const total = money(amount, 'NGN');
        const d = await sg.services.credit.reserve(tx, { tenantId: LAGOS, customerId: 'cus_SCORE', orderId, orderNumber: orderId, terms, total });
        expect(d.approved).toBe(true);
        invoiceIds[orderId] = (await sg.services.invoices.createDraft(tx, { tenantId: LAGOS, orderId, customerId: 'cus_SCORE', terms, total, onCredit: true })).id;
        await sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId, deliveredAt: new Date(Date.now() + deliveredAgo) });
      });
    }
    expect((await lineOf('cus_SCORE')).utilized.amount).toBe('7000.00');

    // B paid on time; A and C overdue; utilization 5000 / 10000 → 480 → limit × 0.75
    await pay(lagosFinance, { invoiceId: invoiceIds.ord_SCORE_B, amount: '2000.00', idempotencyKey: 'score-b' });
    const afterB = creditScore({ onTime: 1, late: 0, overdue: 2, utilization: 0.5 });
    expect(afterB).toBe(480);
    expect(await lineOf('cus_SCORE')).toMatchObject({ score: afterB, limit: { amount: '7500.00' }, utilized: { amount: '5000.00' }, available: { amount: '2500.00' } });

    // A paid late; C still overdue; utilization 1000 / 10000 (the approved limit) → 555 → limit × 1
    await pay(lagosFinance, { invoiceId: invoiceIds.ord_SCORE_A, amount: '4000.00', idempotencyKey: 'score-a' });
    const afterA = creditScore({ onTime: 1, late: 1, overdue: 1, utilization: 0.1 });
    expect(afterA).toBe(555);
    expect(await lineOf('cus_SCORE')).toMatchObject({ score: afterA, limit: { amount: '10000.00' }, utilized: { amount: '1000.00' } });
  });
});
