// Issue 16 part 5, financing agreements through the real gateway (the stack on Postgres): accepting an offer of an
// invoice pays the distributor now (the receivable leaves its books; the customer's debt to the financier is kept on
// FINANCED_RECEIVABLE / FINANCIER_PAYABLE), instalments are recorded, the daily job accrues late fees and defaults an
// agreement (credit hold), refusals change nothing, another tenant is refused. After every flow: the ledger balances
// per currency and each account moved by exactly what the flow says.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, money } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { startStack, type Stack } from '@omniroute/platform';
import { createTestDatabase, gql, login, testSecrets } from '@omniroute/testkit';

const DAY = 86_400_000;
const lagos = demoPlan().find((t) => t.id === 'tnt_LAGOS')!;
const AGREEMENT = `id status tenorDays principal { amount currencyCode } fee { amount } feeRate lateFees { amount } repayable { amount }
  repaid { amount } outstanding { amount } defaultedAt repaidAt customer { id } invoice { id status amountDue { amount } }
  payment { id method status amount { amount } }
  instalments { sequence dueDate amount { amount } lateFee { amount } paid { amount } outstanding { amount } status }`;
const ACCEPT = `mutation($i: AcceptFinancingOfferInput!) { acceptFinancingOffer(input: $i) { agreement { ${AGREEMENT} } userErrors { code field message } } }`;
const REPAY = `mutation($i: RecordInstalmentPaymentInput!) { recordInstalmentPayment(input: $i) { agreement { ${AGREEMENT} } userErrors { code field message } } }`;
const OFFERS = `query($c: ID!, $i: ID) { financingOffers(customerId: $c, invoiceId: $i) { eligible reason offers { id tenorDays expiresAt limit { amount currencyCode } feeRate fee { amount } repayable { amount } } } }`;

describe('financing agreements through the gateway', () => {
  let stack: Stack;
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let finance: any;
  let ops: string;
  let accra: string;
  const raw = (query: string, variables: Record<string, unknown> = {}, token = ops) => gql(stack.gatewayUrl, query, variables, token);
  const q = async (query: string, variables: Record<string, unknown> = {}, token = ops) => {
    const r = await raw(query, variables, token);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };

  /** NGN account balances of the Lagos ledger, after checking that every currency and every posting balances. */
  async function balances(): Promise<Record<string, Decimal>> {
    for (const c of ['NGN', 'GHS']) expect((await q('query($c: CurrencyCode!) { trialBalance(currencyCode: $c) { balanced } }', { c })).trialBalance.balanced, c).toBe(true);
    expect(await finance.prisma.$queryRaw`SELECT "postingId" FROM "LedgerEntry" GROUP BY "postingId" HAVING SUM("amount") <> 0`).toEqual([]);
    const tb = (await q('{ trialBalance(currencyCode: NGN) { accounts { account balance { amount } } } }')).trialBalance;
    return Object.fromEntries(tb.accounts.map((a: any) => [a.account, new Decimal(a.balance.amount)]));
  }
  /** What each account moved between two snapshots (accounts that did not move are left out). */
  function moved(before: Record<string, Decimal>, after: Record<string, Decimal>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const d = (after[k] ?? new Decimal(0)).minus(before[k] ?? new Decimal(0));
      if (!d.isZero()) out[k] = d.toFixed(2);
    }
    return out;
  }

  let orders = 0;
  /** An issued NET_30 invoice on credit, delivered today. */
  async function invoice(customerId: string, total: string) {
    const orderId = `ord_FIN${String(++orders).padStart(5, '0')}`;
    return finance.prisma.$transaction(async (tx: any) => {
      await finance.services.invoices.createDraft(tx, { tenantId: 'tnt_LAGOS', orderId, customerId, terms: 'NET_30', total: money(total, 'NGN'), onCredit: true });
      return finance.services.invoices.issueForDelivery(tx, { tenantId: 'tnt_LAGOS', orderId, deliveredAt: new Date() });
    });
  }
  const counts = async () => ({
    agreements: await finance.prisma.financingAgreement.count(),
    financingPayments: await finance.prisma.payment.count({ where: { method: 'FINANCING' } }),
    postings: await finance.prisma.ledgerPosting.count(),
  });

  const eligible: string[] = [];
  beforeAll(async () => {
    db = await createTestDatabase('omniroute_financing');
    process.env.PAYMENT_CREDENTIALS_KEY ??= 'c'.repeat(64);
    stack = await startStack({ secrets: testSecrets(), databaseUrl: db.url, seed: true, relayIntervalMs: 200, paymentSandboxTiming: { approveMs: 200 } });
    ops = await login(stack.gatewayUrl, 'ops@lagos.demo');
    accra = await login(stack.gatewayUrl, 'ops@accra.demo');
    finance = stack.subgraphs.finance!.runtime;
    // customers whose score earns financing of at least 60 000 NGN
    for (const c of lagos.customers) {
      const o = (await q(OFFERS, { c: c.id })).financingOffers;
      if (o?.eligible && Number(o.offers[0].limit.amount) >= 60_000) eligible.push(c.id);
      if (eligible.length === 3) break;
    }
    expect(eligible.length).toBe(3);
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  let agreement: any;
  let inv1: any;
  let offer30: any;
  it('refusals change nothing: wrong currency, over the limit, expired, forged, another tenant', async () => {
    inv1 = await invoice(eligible[0]!, '50000.00');
    const offers = (await q(OFFERS, { c: eligible[0], i: inv1.id })).financingOffers;
    expect(offers.eligible).toBe(true);
    expect(offers.offers.map((o: any) => o.tenorDays)).toEqual([7, 14, 30]);
    offer30 = offers.offers.find((o: any) => o.tenorDays === 30);
    expect(offer30.limit).toEqual({ amount: '50000.00', currencyCode: 'NGN' });
    const before = await balances();
    const n = await counts();
    const accept = async (i: Record<string, unknown>, token = ops) => (await q(ACCEPT, { i: { offerId: offer30.id, amount: '50000.00', currencyCode: 'NGN', idempotencyKey: randomUUID(), ...i } }, token)).acceptFinancingOffer;

    expect((await accept({ currencyCode: 'GHS' })).userErrors[0].code).toBe('CURRENCY_MISMATCH');
    expect((await accept({ amount: '50000.01' })).userErrors[0].code).toBe('AMOUNT_EXCEEDS_LIMIT');
    expect((await accept({ amount: '-5' })).userErrors[0].code).toBe('INVALID_AMOUNT');
    expect((await accept({ amount: '10.001' })).userErrors[0].code).toBe('INVALID_AMOUNT');
    // the same offer quoted 25 hours ago
    const [t, c, i, tenor, cur, limit, rate] = Buffer.from(offer30.id.slice(4), 'base64url').toString().split('|');
    const stale = `fof_${Buffer.from([t, c, i, tenor, cur, limit, rate, Date.now() - 25 * 3_600_000].join('|')).toString('base64url')}`;
    expect((await accept({ offerId: stale })).userErrors[0].code).toBe('OFFER_EXPIRED');
    // better terms than the score earns are not to be had by editing the id
    const forged = `fof_${Buffer.from([t, c, i, tenor, cur, '90000000', '0.0001', Date.now()].join('|')).toString('base64url')}`;
    expect((await accept({ offerId: forged, amount: '1000.00' })).userErrors[0].code).toBe('OFFER_CHANGED');
    expect((await accept({ offerId: 'fof_bm9wZQ' })).userErrors[0].code).toBe('OFFER_NOT_FOUND');
    // Accra's admin cannot accept Lagos's offer, nor see that it exists
    const cross = await accept({}, accra);
    expect(cross.userErrors).toEqual([{ code: 'OFFER_NOT_FOUND', field: ['offerId'], message: 'No such offer' }]);
    // a sales rep may look at offers but not commit the tenant
    const sales = await login(stack.gatewayUrl, 'sales@lagos.demo');
    const r = await raw(ACCEPT, { i: { offerId: offer30.id, amount: '1.00', currencyCode: 'NGN', idempotencyKey: randomUUID() } }, sales);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    expect(await counts()).toEqual(n);
    expect(moved(before, await balances())).toEqual({});
    expect((await q('query($id: ID!) { invoice(id: $id) { status amountDue { amount } } }', { id: inv1.id })).invoice).toEqual({ status: 'ISSUED', amountDue: { amount: '50000.00' } });
  });

  it('accepting pays the invoice now; the receivable leaves the books and the customer owes the financier; idempotent', async () => {
    const before = await balances();
    const key = randomUUID();
    const r = (await q(ACCEPT, { i: { offerId: offer30.id, amount: '50000.00', currencyCode: 'NGN', idempotencyKey: key } })).acceptFinancingOffer;
    expect(r.userErrors).toEqual([]);
    agreement = r.agreement;
    const fee = new Decimal('50000').times(offer30.feeRate).toDecimalPlaces(2);
    expect(agreement).toMatchObject({
      status: 'ACTIVE', tenorDays: 30, principal: { amount: '50000.00', currencyCode: 'NGN' }, fee: { amount: fee.toFixed(2) },
      repayable: { amount: fee.plus(50000).toFixed(2) }, outstanding: { amount: fee.plus(50000).toFixed(2) },
      customer: { id: eligible[0] }, invoice: { id: inv1.id, status: 'PAID', amountDue: { amount: '0.00' } },
      payment: { method: 'FINANCING', status: 'SUCCEEDED', amount: { amount: '50000.00' } },
    });
    expect(agreement.instalments.map((x: any) => x.status)).toEqual(['DUE', 'DUE', 'DUE']);
    expect(agreement.instalments.reduce((s: Decimal, x: any) => s.plus(x.amount.amount), new Decimal(0)).toFixed(2)).toBe(fee.plus(50000).toFixed(2));
    // the distributor's cash up, its receivable gone, the credit the invoice held freed; the financier's claim recorded
    expect(moved(before, await balances())).toEqual({
      CASH: '50000.00', ACCOUNTS_RECEIVABLE: '-50000.00', CREDIT_COMMITMENT: '50000.00', CREDIT_EXPOSURE: '-50000.00',
      FINANCED_RECEIVABLE: fee.plus(50000).toFixed(2), FINANCIER_PAYABLE: fee.plus(50000).negated().toFixed(2),
    });

    const mid = await balances();
    const n = await counts();
    const again = (await q(ACCEPT, { i: { offerId: offer30.id, amount: '50000.00', currencyCode: 'NGN', idempotencyKey: key } })).acceptFinancingOffer;
    expect(again.agreement.id).toBe(agreement.id);
    const other = (await q(ACCEPT, { i: { offerId: offer30.id, amount: '50000.00', currencyCode: 'NGN', idempotencyKey: randomUUID() } })).acceptFinancingOffer;
    expect(other.userErrors[0].code).toBe('OFFER_ALREADY_ACCEPTED');
    expect(await counts()).toEqual(n);
    expect(moved(mid, await balances())).toEqual({});
    // another tenant does not see it
    expect((await q('query($id: ID!) { financingAgreement(id: $id) { id } node(id: $id) { id } }', { id: agreement.id }, accra))).toEqual({ financingAgreement: null, node: null });
    expect((await q('query($id: ID!) { node(id: $id) { ... on FinancingAgreement { id status } } }', { id: agreement.id })).node).toEqual({ id: agreement.id, status: 'ACTIVE' });
  });

  it('two acceptances of one offer racing: one agreement, one payment', async () => {
    const inv = await invoice(eligible[1]!, '20000.00');
    const o = (await q(OFFERS, { c: eligible[1], i: inv.id })).financingOffers.offers[0];
    const n = await counts();
    const rs = await Promise.all([0, 1, 2].map(() => q(ACCEPT, { i: { offerId: o.id, amount: '20000.00', currencyCode: 'NGN', idempotencyKey: randomUUID() } })));
    const won = rs.filter((r) => r.acceptFinancingOffer.agreement);
    expect(won).toHaveLength(1);
    for (const r of rs.filter((x) => !x.acceptFinancingOffer.agreement)) expect(['OFFER_ALREADY_ACCEPTED', 'INVOICE_NOT_FINANCEABLE']).toContain(r.acceptFinancingOffer.userErrors[0].code);
    expect(await counts()).toMatchObject({ agreements: n.agreements + 1, financingPayments: n.financingPayments + 1 });
    await balances();
  });

  it('instalments: spread oldest first, collected and handed on to the financier, idempotent; refusals change nothing', async () => {
    const first = agreement.instalments[0];
    const before = await balances();
    const key = randomUUID();
    const r = (await q(REPAY, { i: { agreementId: agreement.id, amount: first.amount.amount, currencyCode: 'NGN', method: 'CASH', idempotencyKey: key } })).recordInstalmentPayment;
    expect(r.userErrors).toEqual([]);
    expect(r.agreement.instalments.map((x: any) => x.status)).toEqual(['PAID', 'DUE', 'DUE']);
    expect(r.agreement.repaid.amount).toBe(first.amount.amount);
    expect(moved(before, await balances())).toEqual({ FINANCED_RECEIVABLE: `-${first.amount.amount}`, FINANCIER_PAYABLE: first.amount.amount });

    const mid = await balances();
    const n = await finance.prisma.financingRepayment.count();
    const again = (await q(REPAY, { i: { agreementId: agreement.id, amount: first.amount.amount, currencyCode: 'NGN', method: 'CASH', idempotencyKey: key } })).recordInstalmentPayment;
    expect(again.agreement.repaid.amount).toBe(first.amount.amount);
    const bad = async (i: Record<string, unknown>, token = ops) => (await q(REPAY, { i: { agreementId: agreement.id, amount: '10.00', currencyCode: 'NGN', method: 'CASH', idempotencyKey: randomUUID(), ...i } }, token)).recordInstalmentPayment.userErrors[0]?.code;
    expect(await bad({ amount: '9999999.00' })).toBe('AMOUNT_EXCEEDS_OUTSTANDING');
    expect(await bad({ currencyCode: 'GHS' })).toBe('CURRENCY_MISMATCH');
    expect(await bad({ method: 'FINANCING' })).toBe('METHOD_NOT_SUPPORTED');
    expect(await bad({ idempotencyKey: key, amount: '11.00' })).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await bad({}, accra)).toBe('AGREEMENT_NOT_FOUND');
    expect(await finance.prisma.financingRepayment.count()).toBe(n);
    expect(moved(mid, await balances())).toEqual({});
  });

  it('the daily job: late fees by the policy once per day, then default with a credit hold; paying it off lifts the hold', async () => {
    const inv = await invoice(eligible[2]!, '30000.00');
    const o = (await q(OFFERS, { c: eligible[2], i: inv.id })).financingOffers.offers.find((x: any) => x.tenorDays === 14);
    const a = (await q(ACCEPT, { i: { offerId: o.id, amount: '30000.00', currencyCode: 'NGN', idempotencyKey: randomUUID() } })).acceptFinancingOffer.agreement;
    // instalment 1 fell due 10 days ago: 7 days past the 3 grace days at 0.2 % a day
    await finance.prisma.financingInstalment.updateMany({ where: { agreementId: a.id, sequence: 1 }, data: { dueDate: new Date(Date.now() - 10 * DAY) } });
    const before = await balances();
    const run = async () => (await q('mutation { runFinancingCycle(input: {}) { lateFees defaulted userErrors { code } } }')).runFinancingCycle;
    expect(await run()).toEqual({ lateFees: 1, defaulted: 0, userErrors: [] });
    const fee = new Decimal(a.instalments[0].amount.amount).times('0.014').toDecimalPlaces(2);
    const after = (await q(`query($id: ID!) { financingAgreement(id: $id) { ${AGREEMENT} } }`, { id: a.id })).financingAgreement;
    expect(after.instalments[0]).toMatchObject({ status: 'OVERDUE', lateFee: { amount: fee.toFixed(2) } });
    expect(after.lateFees.amount).toBe(fee.toFixed(2));
    expect(moved(before, await balances())).toEqual({ FINANCED_RECEIVABLE: fee.toFixed(2), FINANCIER_PAYABLE: fee.negated().toFixed(2) });
    // the same day again: nothing more
    const mid = await balances();
    expect(await run()).toEqual({ lateFees: 0, defaulted: 0, userErrors: [] });
    expect(moved(mid, await balances())).toEqual({});

    // 31 days overdue: the fee grows to 28 days' worth, then the agreement defaults and the credit line is held
    await finance.prisma.financingInstalment.updateMany({ where: { agreementId: a.id, sequence: 1 }, data: { dueDate: new Date(Date.now() - 31 * DAY) } });
    const pre = await balances();
    expect(await run()).toEqual({ lateFees: 1, defaulted: 1, userErrors: [] });
    const d = (await q(`query($id: ID!) { financingAgreement(id: $id) { ${AGREEMENT} } }`, { id: a.id })).financingAgreement;
    const fee2 = new Decimal(a.instalments[0].amount.amount).times('0.056').toDecimalPlaces(2);
    expect(d.status).toBe('DEFAULTED');
    expect(d.lateFees.amount).toBe(fee2.toFixed(2));
    const owed = new Decimal(d.outstanding.amount);
    expect(owed.toFixed(2)).toBe(new Decimal(a.repayable.amount).plus(fee2).toFixed(2));
    expect(moved(pre, await balances())).toEqual({
      FINANCED_RECEIVABLE: owed.minus(fee2.minus(fee)).negated().toFixed(2), // grew by the extra fee, then all of it moved out
      FINANCED_DEFAULTED: owed.toFixed(2), FINANCIER_PAYABLE: fee2.minus(fee).negated().toFixed(2),
    });
    const line = (await q('query($id: ID!) { customer(id: $id) { creditLine { status hold { reason } } } }', { id: eligible[2] })).customer.creditLine;
    expect(line.status).toBe('ON_HOLD');
    expect(line.hold.reason).toContain(a.id);
    expect((await q(OFFERS, { c: eligible[2] })).financingOffers).toMatchObject({ eligible: false, reason: expect.stringContaining('default') });
    expect(await run()).toEqual({ lateFees: 0, defaulted: 0, userErrors: [] });
    // a collections cycle does not release a default's hold
    await q('mutation { runCollections(input: {}) { released } }');
    expect((await q('query($id: ID!) { customer(id: $id) { creditLine { status } } }', { id: eligible[2] })).customer.creditLine.status).toBe('ON_HOLD');

    // paid off: REPAID, the defaulted balance cleared, the hold lifted
    const last = await balances();
    const paid = (await q(REPAY, { i: { agreementId: a.id, amount: owed.toFixed(2), currencyCode: 'NGN', method: 'BANK_TRANSFER', idempotencyKey: randomUUID() } })).recordInstalmentPayment;
    expect(paid.userErrors).toEqual([]);
    expect(paid.agreement).toMatchObject({ status: 'REPAID', outstanding: { amount: '0.00' } });
    expect(paid.agreement.instalments.every((x: any) => x.status === 'PAID')).toBe(true);
    expect(moved(last, await balances())).toEqual({ FINANCED_DEFAULTED: owed.negated().toFixed(2), FINANCIER_PAYABLE: owed.toFixed(2) });
    expect((await q('query($id: ID!) { customer(id: $id) { creditLine { status } } }', { id: eligible[2] })).customer.creditLine.status).not.toBe('ON_HOLD');
    expect((await q(REPAY, { i: { agreementId: a.id, amount: '1.00', currencyCode: 'NGN', method: 'CASH', idempotencyKey: randomUUID() } })).recordInstalmentPayment.userErrors[0].code).toBe('AGREEMENT_REPAID');
    // the tenant's agreements, newest first
    const list = (await q('{ financingAgreements(first: 10) { edges { node { id status } } } }')).financingAgreements.edges.map((e: any) => e.node);
    expect(list[0]).toEqual({ id: a.id, status: 'REPAID' });
    expect((await q('{ financingAgreements(first: 10) { edges { node { id } } } }', {}, accra)).financingAgreements.edges).toEqual([]);
  });
});
