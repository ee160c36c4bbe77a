// Issue 19: invariants that look at the OTHER rows. After a cancel, a rejection, a payment and a void, every credit
// line but the customer's is unchanged, and the ledger moved exactly the accounts of the posting, in the right
// direction, for that customer only — balances per (currency, account, customer), not only "the posting sums to
// zero". Plus the boundaries where finance applies its rules (decimals per currency). In-memory PGlite, seeded demo
// plan, events in on an in-memory bus as commerce and logistics publish them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '@omniroute/core';
import { createEventBus, type DomainEvent, type EventBus } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { eventually } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { CONSUMER_GROUP } from '../src/events/order-to-cash.ts';
import { accraFinance, ACCRA, client, LAGOS, lagosFinance, nodes, RECORD_PAYMENT, SECRET, event } from './helpers.ts';

let sg: Awaited<ReturnType<typeof create>>;
let bus: EventBus;
let stop: () => Promise<void>;
let q: ReturnType<typeof client>;
const lagos = demoPlan().find((t) => t.id === LAGOS)!;
// The customer every test acts for; the others (both tenants) must not move.
const customer = lagos.customers.find((c) => c.type === 'DISTRIBUTOR') ?? lagos.customers[0]!;

const placed = (orderId: string, amount: string, paymentTerms = 'NET_30') =>
  event('order.placed', orderId, { orderId, number: `T-${orderId}`, customerId: customer.id, paymentTerms, total: { amount, currencyCode: 'NGN' }, lines: [{ sku: 'X', quantity: 1 }], placedAt: new Date().toISOString() });
const cancelled = (orderId: string) => event('order.cancelled', orderId, { orderId, customerId: customer.id, total: { amount: '0.00', currencyCode: 'NGN' } });
const rejected = (orderId: string) => event('order.rejected', orderId, { orderId, customerId: customer.id, reason: 'OUT_OF_STOCK' });
const delivered = (orderId: string) =>
  event('shipment.delivered', `shp_${orderId}`, { shipmentId: `shp_${orderId}`, orderId, riderId: 'wrk_1', vehicleId: 'veh_1', deliveredAt: new Date().toISOString(), onTime: true, proof: { recipientName: 'Ada', lat: 6.5, lng: 3.3 } }, 'logistics');

/** Publishes an event and waits until the order-to-cash consumer has handled it. */
async function handled(e: DomainEvent): Promise<void> {
  await bus.publish([e]);
  await eventually(async () => (await sg.prisma.processedEvent.count({ where: { consumer: CONSUMER_GROUP, eventId: e.id } })) === 1, { timeoutMs: 20_000, intervalMs: 20 });
}
const invoiceOf = (orderId: string) => sg.prisma.invoice.findUniqueOrThrow({ where: { tenantId_orderId: { tenantId: LAGOS, orderId } } });

type Lines = Map<string, { limit: string; baseLimit: string; utilized: string; score: number }>;
/** Every credit line of every tenant, by tenant/customer. */
async function creditLines(): Promise<Lines> {
  const rows = await sg.prisma.creditLine.findMany();
  return new Map(rows.map((r) => [`${r.tenantId}/${r.customerId}`, { limit: r.limit.toString(), baseLimit: r.baseLimit.toString(), utilized: r.utilized.toString(), score: r.score }]));
}
/** Ledger balance (debits − credits) of every (tenant, currency, account, customer). */
async function balances(): Promise<Map<string, Decimal>> {
  const rows = await sg.prisma.ledgerEntry.groupBy({ by: ['tenantId', 'currency', 'account', 'customerId'], _sum: { amount: true } });
  return new Map(rows.map((r) => [`${r.tenantId}/${r.currency}/${r.account}/${r.customerId ?? '-'}`, new Decimal(r._sum.amount?.toString() ?? 0)]));
}
/** What moved between two balance snapshots, zero moves left out, as plain strings. */
function moved(before: Map<string, Decimal>, after: Map<string, Decimal>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of new Set([...before.keys(), ...after.keys()])) {
    const d = (after.get(k) ?? new Decimal(0)).minus(before.get(k) ?? new Decimal(0));
    if (!d.isZero()) out[k] = d.toFixed(2);
  }
  return out;
}
const account = (name: string) => `${LAGOS}/NGN/${name}/${customer.id}`;
const utilizedOf = (lines: Lines) => new Decimal(lines.get(`${LAGOS}/${customer.id}`)!.utilized);

/** Asserts every credit line but the customer's is unchanged, and returns the customer's utilized before → after. */
function othersUnchanged(before: Lines, after: Lines): void {
  expect(before.size).toBeGreaterThan(5); // both tenants' seeded customers: the comparison is not vacuous
  const others = (m: Lines) => [...m].filter(([k]) => k !== `${LAGOS}/${customer.id}`);
  expect(others(after)).toEqual(others(before));
}

beforeAll(async () => {
  bus = createEventBus();
  sg = await create({ secret: SECRET, bus, relayIntervalMs: 50, paymentPollMs: 0, reconcileIntervalMs: 0, overdueSweepMs: 0 });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  q = client(running.url);
  // the seed posted entries for other customers too: the "unchanged" checks below compare real, non-zero rows
  expect((await balances()).size).toBeGreaterThan(5);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await bus?.close();
});

describe('other rows stay as they were (issue 19)', () => {
  it('order cancelled: only this customer’s credit comes back, CREDIT_RELEASED moves exposure down and commitment up', async () => {
    await handled(placed('ord_I19_CAN', '25000.00'));
    expect((await invoiceOf('ord_I19_CAN')).status).toBe('DRAFT');
    const [lines, ledger] = [await creditLines(), await balances()];
    await handled(cancelled('ord_I19_CAN'));
    const [linesAfter, ledgerAfter] = [await creditLines(), await balances()];
    othersUnchanged(lines, linesAfter);
    expect(utilizedOf(lines).minus(utilizedOf(linesAfter)).toFixed(2)).toBe('25000.00');
    expect(moved(ledger, ledgerAfter)).toEqual({ [account('CREDIT_EXPOSURE')]: '-25000.00', [account('CREDIT_COMMITMENT')]: '25000.00' });
    expect((await invoiceOf('ord_I19_CAN')).status).toBe('VOID');
  });

  it('order rejected: the same, for the rejected order’s draft', async () => {
    await handled(placed('ord_I19_REJ', '7000.50'));
    const [lines, ledger] = [await creditLines(), await balances()];
    await handled(rejected('ord_I19_REJ'));
    const [linesAfter, ledgerAfter] = [await creditLines(), await balances()];
    othersUnchanged(lines, linesAfter);
    expect(utilizedOf(lines).minus(utilizedOf(linesAfter)).toFixed(2)).toBe('7000.50');
    expect(moved(ledger, ledgerAfter)).toEqual({ [account('CREDIT_EXPOSURE')]: '-7000.50', [account('CREDIT_COMMITMENT')]: '7000.50' });
  });

  it('payment on a credit invoice: cash up, receivable and exposure down for this customer only', async () => {
    await handled(placed('ord_I19_PAY', '12000.00'));
    await handled(delivered('ord_I19_PAY'));
    const inv = await invoiceOf('ord_I19_PAY');
    expect(inv.status).toBe('ISSUED');
    const [lines, ledger] = [await creditLines(), await balances()];
    const r = await q(lagosFinance, RECORD_PAYMENT, { i: { invoiceId: inv.id, amount: '2000.25', currencyCode: 'NGN', method: 'CASH', idempotencyKey: randomUUID() } });
    expect(r.data.recordPayment.userErrors).toEqual([]);
    const [linesAfter, ledgerAfter] = [await creditLines(), await balances()];
    othersUnchanged(lines, linesAfter);
    expect(utilizedOf(lines).minus(utilizedOf(linesAfter)).toFixed(2)).toBe('2000.25');
    expect(moved(ledger, ledgerAfter)).toEqual({
      [account('CASH')]: '2000.25',
      [account('ACCOUNTS_RECEIVABLE')]: '-2000.25',
      [account('CREDIT_COMMITMENT')]: '2000.25',
      [account('CREDIT_EXPOSURE')]: '-2000.25',
    });
  });

  it('void of an issued, part-paid invoice: revenue and receivable reversed by what is outstanding, credit released', async () => {
    await handled(placed('ord_I19_VOID', '9000.00'));
    await handled(delivered('ord_I19_VOID'));
    const inv = await invoiceOf('ord_I19_VOID');
    expect(inv.status).toBe('ISSUED');
    const paid = await q(lagosFinance, RECORD_PAYMENT, { i: { invoiceId: inv.id, amount: '1000.00', currencyCode: 'NGN', method: 'CASH', idempotencyKey: randomUUID() } });
    expect(paid.data.recordPayment.userErrors).toEqual([]);
    const [lines, ledger] = [await creditLines(), await balances()];
    await handled(cancelled('ord_I19_VOID'));
    const [linesAfter, ledgerAfter] = [await creditLines(), await balances()];
    expect(await invoiceOf('ord_I19_VOID')).toMatchObject({ status: 'VOID' });
    othersUnchanged(lines, linesAfter);
    expect(utilizedOf(lines).minus(utilizedOf(linesAfter)).toFixed(2)).toBe('8000.00');
    expect(moved(ledger, ledgerAfter)).toEqual({
      [account('REVENUE')]: '8000.00',
      [account('ACCOUNTS_RECEIVABLE')]: '-8000.00',
      [account('CREDIT_EXPOSURE')]: '-8000.00',
      [account('CREDIT_COMMITMENT')]: '8000.00',
    });
    const postings = await sg.prisma.ledgerPosting.findMany({ where: { invoiceId: inv.id }, select: { kind: true }, orderBy: { postedAt: 'asc' } });
    expect(postings.map((p) => p.kind)).toEqual(['INVOICE_ISSUED', 'PAYMENT_RECEIVED', 'CREDIT_RELEASED', 'INVOICE_VOIDED']);
  });

  it('per account, the ledger adds up to what the invoices and credit lines say', async () => {
    // Exposure minus commitment is a pair of memo accounts: per customer, exposure equals −commitment.
    const b = await balances();
    const exposure = b.get(account('CREDIT_EXPOSURE'));
    const commitment = b.get(account('CREDIT_COMMITMENT'));
    expect(exposure).toBeDefined();
    expect(exposure!.plus(commitment!).isZero()).toBe(true);
    // Receivable of this test's invoices: issued totals − payments − voided outstanding = what is still due.
    const mine = await sg.prisma.invoice.findMany({ where: { tenantId: LAGOS, orderId: { startsWith: 'ord_I19_' } } });
    expect(mine.length).toBe(4);
    const due = mine.filter((i) => i.status !== 'VOID' && i.issuedAt).reduce((s, i) => s.plus(i.total.toString()).minus(i.amountPaid.toString()), new Decimal(0));
    const entries = await sg.prisma.ledgerEntry.aggregate({ where: { tenantId: LAGOS, account: 'ACCOUNTS_RECEIVABLE', posting: { invoiceId: { in: mine.map((i) => i.id) } } }, _sum: { amount: true } });
    expect(new Decimal(entries._sum.amount!.toString()).toFixed(2)).toBe(due.toFixed(2));
    expect(due.toFixed(2)).toBe('9999.75'); // ord_I19_PAY: 12000.00 − 2000.25
  });
});

describe('amounts with too many decimals (issue 19)', () => {
  it('recordPayment: NGN takes 2 decimals, a third is refused and nothing is written', async () => {
    await handled(placed('ord_I19_DEC', '500.00'));
    await handled(delivered('ord_I19_DEC'));
    const inv = await invoiceOf('ord_I19_DEC');
    const ledger = await balances();
    const three = await q(lagosFinance, RECORD_PAYMENT, { i: { invoiceId: inv.id, amount: '10.005', currencyCode: 'NGN', method: 'CASH', idempotencyKey: randomUUID() } });
    expect(three.data.recordPayment.userErrors).toMatchObject([{ code: 'INVALID_AMOUNT', field: ['input', 'amount'] }]);
    expect(moved(ledger, await balances())).toEqual({});
    const two = await q(lagosFinance, RECORD_PAYMENT, { i: { invoiceId: inv.id, amount: '10.01', currencyCode: 'NGN', method: 'CASH', idempotencyKey: randomUUID() } });
    expect(two.data.recordPayment.userErrors).toEqual([]);
  });

  it('setCreditLimit: as many decimals as the currency has, not one more', async () => {
    const set = (limit: string) =>
      q(lagosFinance, `mutation($i: SetCreditLimitInput!) { setCreditLimit(input: $i) { creditLine { limit { amount } } userErrors { code field } } }`, {
        i: { customerId: customer.id, limit, currencyCode: 'NGN' },
      });
    const before = await creditLines();
    expect((await set('900000.001')).data.setCreditLimit.userErrors).toMatchObject([{ code: 'INVALID_AMOUNT', field: ['input', 'limit'] }]);
    expect(await creditLines()).toEqual(before);
    expect((await set('900000.01')).data.setCreditLimit.userErrors).toEqual([]);
  });
});

// The ledger's reports (ledger.service.ts), checked against the rows themselves: a statement names one account, one
// currency and optionally one customer, and every page opens where the entries before it leave the balance; the trial
// balance adds up debits and credits per account; an entry is read only in its own tenant. Mutation testing (issue 19)
// found these read paths untested in the files it runs (the paging was only exercised by rails.test.ts, outside it).
describe('ledger reports read exactly the rows they name (issue 19)', () => {
  const STATEMENT = `query($a: LedgerAccount!, $c: CurrencyCode!, $cu: ID, $f: Int, $after: String) {
    ledgerStatement(account: $a, currencyCode: $c, customerId: $cu, first: $f, after: $after) {
      account currencyCode customer { id } openingBalance { amount currencyCode } closingBalance { amount currencyCode }
      edges { cursor node { entry { id account amount { currencyCode } } balance { amount currencyCode } } }
      pageInfo { hasNextPage } } }`;
  const fixed = (x: { toString(): string }) => new Decimal(x.toString()).toFixed(2);
  type Page = { openingBalance: { amount: string }; closingBalance: { amount: string }; customer: { id: string } | null; account: string; currencyCode: string; edges: { cursor: string; node: { entry: { id: string }; balance: { amount: string } } }[]; pageInfo: { hasNextPage: boolean } };

  it('a customer’s receivable statement, two lines a page: only its own entries, each page opening at the balance before it', async () => {
    const where = { tenantId: LAGOS, account: 'ACCOUNTS_RECEIVABLE' as const, currency: 'NGN' as const };
    // the customer with the most receivable entries (seeded and from the tests above) that still owes something, so
    // that the closing balance of a page after the last line is not zero by chance
    const counts = await sg.prisma.ledgerEntry.groupBy({ by: ['customerId'], where, _count: { _all: true }, _sum: { amount: true } });
    const owing = counts.filter((c) => c.customerId && !new Decimal(c._sum.amount?.toString() ?? 0).isZero() && c._count._all > 2);
    const who = owing.sort((a, b) => b._count._all - a._count._all)[0]!.customerId!;
    const rows = await sg.prisma.ledgerEntry.findMany({ where: { ...where, customerId: who }, orderBy: { id: 'asc' } });
    expect(rows.length).toBeGreaterThan(2); // two pages at least
    // other customers have receivable entries too: the customer filter is what keeps them out
    expect(await sg.prisma.ledgerEntry.count({ where: { ...where, customerId: { not: who } } })).toBeGreaterThan(0);
    const pages: Page[] = [];
    let after: string | null = null;
    do {
      const r = await q(lagosFinance, STATEMENT, { a: 'ACCOUNTS_RECEIVABLE', c: 'NGN', cu: who, f: 2, after });
      expect(r.errors).toBeUndefined();
      const page: Page = r.data.ledgerStatement;
      pages.push(page);
      after = page.pageInfo.hasNextPage ? page.edges.at(-1)!.cursor : null;
    } while (after);
    expect(pages.length).toBe(Math.ceil(rows.length / 2));
    expect(pages.flatMap((p) => p.edges.map((e) => e.node.entry.id))).toEqual(rows.map((r) => r.id));
    let running = new Decimal(0);
    const runningAfter = rows.map((r) => fixed((running = running.plus(r.amount.toString()))));
    expect(pages.flatMap((p) => p.edges.map((e) => fixed(e.node.balance.amount)))).toEqual(runningAfter);
    let opening = '0.00';
    for (const p of pages) {
      expect(p).toMatchObject({ account: 'ACCOUNTS_RECEIVABLE', currencyCode: 'NGN', customer: { id: who } });
      expect(fixed(p.openingBalance.amount)).toBe(opening);
      expect(p.closingBalance.amount).toBe(p.edges.at(-1)!.node.balance.amount);
      opening = fixed(p.closingBalance.amount);
    }
    expect(opening).toBe(runningAfter.at(-1));
    expect(opening).not.toBe('0.00');
    // a page of three closes at its third line, not its second (found by the mutation run: pages of two could not tell)
    const three: Page = (await q(lagosFinance, STATEMENT, { a: 'ACCOUNTS_RECEIVABLE', c: 'NGN', cu: who, f: 3 })).data.ledgerStatement;
    expect(three.edges).toHaveLength(3);
    expect(fixed(three.closingBalance.amount)).toBe(runningAfter[2]);
    expect(runningAfter[2]).not.toBe(runningAfter[1]);
    // after the last line: no lines, and the page opens and closes at the final balance
    const end = await q(lagosFinance, STATEMENT, { a: 'ACCOUNTS_RECEIVABLE', c: 'NGN', cu: who, f: 2, after: pages.at(-1)!.edges.at(-1)!.cursor });
    expect(end.data.ledgerStatement.edges).toEqual([]);
    expect(fixed(end.data.ledgerStatement.openingBalance.amount)).toBe(opening);
    expect(end.data.ledgerStatement.closingBalance).toEqual({ amount: end.data.ledgerStatement.openingBalance.amount, currencyCode: 'NGN' });
  });

  it('without a customer, the statement is the whole account in that currency; another account is not in it', async () => {
    const rows = await sg.prisma.ledgerEntry.findMany({ where: { tenantId: LAGOS, account: 'CREDIT_EXPOSURE', currency: 'NGN' }, orderBy: { id: 'asc' }, take: 30 });
    expect(new Set(rows.map((r) => r.customerId)).size).toBeGreaterThan(1);
    const r = await q(lagosFinance, STATEMENT, { a: 'CREDIT_EXPOSURE', c: 'NGN', f: 30 });
    expect(r.errors).toBeUndefined();
    const s: Page = r.data.ledgerStatement;
    expect(s.customer).toBeNull();
    expect(s.edges.map((e) => e.node.entry.id)).toEqual(rows.map((x) => x.id));
    expect(fixed(s.openingBalance.amount)).toBe('0.00');
    // nothing in a currency the tenant never posted in: an empty statement at zero
    const none = await q(lagosFinance, STATEMENT, { a: 'CREDIT_EXPOSURE', c: 'KES', f: 5 });
    expect(none.data.ledgerStatement).toMatchObject({ edges: [], openingBalance: { currencyCode: 'KES' }, closingBalance: { currencyCode: 'KES' } });
    expect(fixed(none.data.ledgerStatement.closingBalance.amount)).toBe('0.00');
  });

  it('the trial balance is the entries’ own sums: debits, credits and each account’s balance', async () => {
    const rows = await sg.prisma.ledgerEntry.findMany({ where: { tenantId: LAGOS, currency: 'NGN' } });
    const amounts = rows.map((r) => new Decimal(r.amount.toString()));
    const debits = amounts.filter((a) => a.gt(0)).reduce((s, a) => s.plus(a), new Decimal(0));
    const credits = amounts.filter((a) => a.lt(0)).reduce((s, a) => s.minus(a), new Decimal(0));
    const perAccount = new Map<string, Decimal>();
    for (const r of rows) perAccount.set(r.account, (perAccount.get(r.account) ?? new Decimal(0)).plus(r.amount.toString()));
    expect(debits.gt(0)).toBe(true);
    const r = await q(lagosFinance, '{ trialBalance(currencyCode: NGN) { currencyCode debits { amount currencyCode } credits { amount currencyCode } net { amount currencyCode } balanced accounts { account balance { amount currencyCode } } } }');
    expect(r.errors).toBeUndefined();
    const tb = r.data.trialBalance;
    expect(tb).toMatchObject({ currencyCode: 'NGN', balanced: true, debits: { currencyCode: 'NGN' }, credits: { currencyCode: 'NGN' }, net: { currencyCode: 'NGN' } });
    expect([fixed(tb.debits.amount), fixed(tb.credits.amount), fixed(tb.net.amount)]).toEqual([debits.toFixed(2), credits.toFixed(2), '0.00']);
    expect(tb.accounts.map((a: any) => [a.account, fixed(a.balance.amount), a.balance.currencyCode])).toEqual(
      [...perAccount].sort(([a], [b]) => (a < b ? -1 : 1)).map(([account, b]) => [account, b.toFixed(2), 'NGN']),
    );
    expect(tb.accounts.some((a: any) => new Decimal(a.balance.amount).lt(0)) && tb.accounts.some((a: any) => new Decimal(a.balance.amount).gt(0))).toBe(true);
  });

  it('a currency nothing was posted in: all zero and balanced (found by the mutation run)', async () => {
    expect(await sg.prisma.ledgerEntry.count({ where: { tenantId: LAGOS, currency: 'KES' } })).toBe(0);
    const r = await q(lagosFinance, '{ trialBalance(currencyCode: KES) { currencyCode balanced debits { amount } credits { amount } net { amount } accounts { account } } }');
    expect(r.errors).toBeUndefined();
    expect(r.data.trialBalance).toMatchObject({ currencyCode: 'KES', balanced: true, accounts: [] });
    expect([fixed(r.data.trialBalance.debits.amount), fixed(r.data.trialBalance.net.amount)]).toEqual(['0.00', '0.00']);
  });

  it('an unbalanced posting shows: balanced false and the difference as net (in its own currency only)', async () => {
    const id = `lgp_I19_UNBALANCED_${randomUUID()}`;
    await sg.prisma.ledgerPosting.create({
      data: {
        id, tenantId: LAGOS, kind: 'SETTLEMENT_FEE', currency: 'XOF', description: 'issue 19: a posting that does not sum to zero', postedAt: new Date(),
        entries: { create: [{ id: `lge_I19_UNBALANCED_${randomUUID()}`, tenantId: LAGOS, account: 'PROVIDER_FEES', currency: 'XOF', amount: '10.00' }] },
      },
    });
    try {
      const r = await q(lagosFinance, '{ trialBalance(currencyCode: XOF) { balanced debits { amount } credits { amount } net { amount } } ledgerBalance { currencyCode balanced } }');
      expect(r.errors).toBeUndefined();
      expect(r.data.trialBalance.balanced).toBe(false);
      expect([fixed(r.data.trialBalance.debits.amount), fixed(r.data.trialBalance.credits.amount), fixed(r.data.trialBalance.net.amount)]).toEqual(['10.00', '0.00', '10.00']);
      expect(r.data.ledgerBalance).toEqual(expect.arrayContaining([{ currencyCode: 'XOF', balanced: false }, { currencyCode: 'NGN', balanced: true }]));
    } finally {
      await sg.prisma.ledgerEntry.deleteMany({ where: { postingId: id } });
      await sg.prisma.ledgerPosting.delete({ where: { id } });
    }
  });

  it('entries: paged after a cursor in id order, one tenant’s; node(id) finds an entry only in its tenant', async () => {
    const rows = await sg.prisma.ledgerEntry.findMany({ where: { tenantId: LAGOS }, orderBy: { id: 'asc' }, take: 6 });
    expect(rows).toHaveLength(6);
    const PAGE = 'query($after: String) { ledgerEntries(first: 3, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage } } }';
    const first = await q(lagosFinance, PAGE);
    expect(nodes<any>(first.data.ledgerEntries).map((e) => e.id)).toEqual(rows.slice(0, 3).map((r) => r.id));
    expect(first.data.ledgerEntries.pageInfo.hasNextPage).toBe(true);
    const second = await q(lagosFinance, PAGE, { after: first.data.ledgerEntries.edges.at(-1).cursor });
    expect(nodes<any>(second.data.ledgerEntries).map((e) => e.id)).toEqual(rows.slice(3, 6).map((r) => r.id));
    const accraFirst = await q(accraFinance, PAGE);
    const accraIds = nodes<any>(accraFirst.data.ledgerEntries).map((e) => e.id);
    expect(accraIds.length).toBe(3);
    expect(await sg.prisma.ledgerEntry.count({ where: { id: { in: accraIds }, tenantId: ACCRA } })).toBe(3);

    const NODE = 'query($id: ID!) { node(id: $id) { id ... on LedgerEntry { account } } }';
    const own = await q(lagosFinance, NODE, { id: rows[0]!.id });
    expect(own.data.node).toEqual({ id: rows[0]!.id, account: rows[0]!.account });
    const foreign = await q(accraFinance, NODE, { id: rows[0]!.id });
    expect(foreign.errors).toBeUndefined();
    expect(foreign.data.node).toBeNull();
  });
});

// credit.service.ts's own rules, at their boundaries (found uncovered by reading the service for the mutation run).
describe('credit lines at their boundaries (issue 19)', () => {
  const SET = `mutation($i: SetCreditLimitInput!) { setCreditLimit(input: $i) { creditLine { customer { id } limit { amount } } userErrors { code field } } }`;
  const set = (customerId: string, limit: string) => q(lagosFinance, SET, { i: { customerId, limit, currencyCode: 'NGN' } });

  it('setCreditLimit: customer id of 1 to 200 characters (trimmed), limit from 0 to 10 000 000 000 000; a refusal writes nothing', async () => {
    const before = await creditLines();
    const refused = async (customerId: string, limit: string, code: string, field: string) => {
      expect((await set(customerId, limit)).data.setCreditLimit).toEqual({ creditLine: null, userErrors: [{ code, field: ['input', field] }] });
    };
    await refused('   ', '10', 'INVALID_INPUT', 'customerId');
    expect((await q(lagosFinance, SET.replace('code field', 'code field message'), { i: { customerId: ' ', limit: '1', currencyCode: 'NGN' } })).data.setCreditLimit.userErrors[0].message).toBe('customerId must be 1–200 characters');
    // an unknown currency never gets past the schema's CurrencyCode enum; the service refuses it too (called directly)
    const direct = await sg.services.credit.setCreditLimit({ viewer: lagosFinance } as never, { customerId: 'cus_I19_XYZ', limit: new Decimal(1), currencyCode: 'XYZ' });
    expect(direct).toEqual({ ok: false, errors: [{ code: 'INVALID_INPUT', message: 'Unknown currency', field: ['input', 'currencyCode'] }] });
    await refused(`cus_${'x'.repeat(197)}`, '10', 'INVALID_INPUT', 'customerId'); // 201
    await refused('cus_I19_MAX', '10000000000000.01', 'INVALID_AMOUNT', 'limit');
    await refused('cus_I19_MAX', '-0.01', 'INVALID_AMOUNT', 'limit');
    expect(await creditLines()).toEqual(before);

    const at200 = `cus_${'y'.repeat(196)}`;
    expect((await set(at200, '10')).data.setCreditLimit).toEqual({ creditLine: { customer: { id: at200 }, limit: { amount: '10.00' } }, userErrors: [] });
    expect((await set('  cus_I19_MAX  ', '10000000000000')).data.setCreditLimit).toEqual({ creditLine: { customer: { id: 'cus_I19_MAX' }, limit: { amount: '10000000000000.00' } }, userErrors: [] });
    expect([...(await creditLines()).keys()].filter((k) => !before.has(k)).sort()).toEqual([`${LAGOS}/${at200}`, `${LAGOS}/cus_I19_MAX`].sort());
    expect((await sg.prisma.creditLine.findFirstOrThrow({ where: { tenantId: LAGOS, customerId: 'cus_I19_MAX' } })).id).toMatch(/^crl_/);
    // what a refusal says (userErrors' messages reach the dashboard as they are)
    const WITH_MESSAGE = SET.replace('code field', 'code field message');
    const msg = async (customerId: string, limit: string, currencyCode: string) =>
      (await q(lagosFinance, WITH_MESSAGE, { i: { customerId, limit, currencyCode } })).data.setCreditLimit.userErrors[0];
    expect(await msg('cus_I19_MAX', '0.001', 'NGN')).toEqual({ code: 'INVALID_AMOUNT', field: ['input', 'limit'], message: 'limit must be between 0 and 10000000000000 with at most 2 decimals' });
    expect(await msg('cus_I19_MAX', '10', 'GHS')).toEqual({ code: 'CURRENCY_MISMATCH', field: ['input', 'currencyCode'], message: 'The credit line is in NGN, not GHS' });
  });

  it('a retailer reads its own customer’s credit line and not another customer’s', async () => {
    const lines = await creditLines();
    const other = lagos.customers.find((c) => c.id !== customer.id && lines.has(`${LAGOS}/${c.id}`))!;
    expect(lines.has(`${LAGOS}/${customer.id}`)).toBe(true);
    const QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { id creditLine { currencyCode } } } }`;
    const r = await q({ tenantId: LAGOS, userId: 'usr_I19_RET', roles: ['RETAILER'], scopes: [], customerId: customer.id }, QUERY, {
      r: [{ __typename: 'Customer', id: customer.id }, { __typename: 'Customer', id: other.id }],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([{ id: customer.id, creditLine: { currencyCode: 'NGN' } }, { id: other.id, creditLine: null }]);
  });

  it('hold and release of zero move nothing and post nothing', async () => {
    const [lines, ledger, postings] = [await creditLines(), await balances(), await sg.prisma.ledgerPosting.count()];
    const zero = { amount: new Decimal(0), currencyCode: 'NGN' as const };
    await sg.prisma.$transaction(async (tx) => {
      await sg.services.credit.hold(tx, { tenantId: LAGOS, customerId: customer.id, amount: zero, ref: 'I19-ZERO', invoiceId: 'inv_I19_ZERO' });
      await sg.services.credit.release(tx, { tenantId: LAGOS, customerId: customer.id, amount: zero, ref: 'I19-ZERO', reason: 'VOID', invoiceId: 'inv_I19_ZERO' });
    });
    expect(await creditLines()).toEqual(lines);
    expect(moved(ledger, await balances())).toEqual({});
    expect(await sg.prisma.ledgerPosting.count()).toBe(postings);
  });

  it('hold takes credit again for this customer only and posts it as a reservation (found by the mutation run)', async () => {
    const [lines, ledger] = [await creditLines(), await balances()];
    await sg.prisma.$transaction((tx) => sg.services.credit.hold(tx, { tenantId: LAGOS, customerId: customer.id, amount: { amount: new Decimal('250.50'), currencyCode: 'NGN' }, ref: 'I19-HOLD', invoiceId: 'inv_I19_HOLD' }));
    const after = await creditLines();
    othersUnchanged(lines, after);
    expect(utilizedOf(after).minus(utilizedOf(lines)).toFixed(2)).toBe('250.50');
    expect(moved(ledger, await balances())).toEqual({ [account('CREDIT_EXPOSURE')]: '250.50', [account('CREDIT_COMMITMENT')]: '-250.50' });
    const posting = await sg.prisma.ledgerPosting.findFirstOrThrow({ where: { tenantId: LAGOS, invoiceId: 'inv_I19_HOLD' } });
    expect(posting).toMatchObject({ kind: 'CREDIT_RESERVED', customerId: customer.id, description: 'Credit reserved for order I19-HOLD' });
  });

  it('the score counts an invoice overdue only after the day of grace past its due date (found by the mutation run)', async () => {
    const id = 'cus_I19_GRACE';
    await sg.prisma.creditLine.create({ data: { id: 'crl_I19_GRACE', tenantId: LAGOS, customerId: id, currency: 'NGN', limit: '1000', baseLimit: '1000', utilized: '0', score: 50 } });
    const now = new Date();
    const day = 86_400_000;
    const minute = 60_000;
    const total = { amount: new Decimal('10.00'), currencyCode: 'NGN' as const };
    const issue = (orderId: string, due: Date) =>
      sg.prisma.$transaction(async (tx) => {
        const inv = await sg.services.invoices.createDraft(tx, { tenantId: LAGOS, orderId, customerId: id, terms: 'NET_7', total, onCredit: false });
        await tx.invoice.update({ where: { id: inv.id }, data: { status: 'ISSUED', issuedAt: new Date(due.getTime() - 7 * day), dueDate: due } });
      });
    await issue('ord_I19_GRACE_IN', new Date(now.getTime() - day + minute)); // within the day of grace
    expect((await sg.services.credit.history(sg.prisma, LAGOS, id, now))!.history.overdue).toBe(0);
    await issue('ord_I19_GRACE_OUT', new Date(now.getTime() - day - minute)); // past it
    expect((await sg.services.credit.history(sg.prisma, LAGOS, id, now))!.history.overdue).toBe(1);
    expect(await sg.services.credit.history(sg.prisma, LAGOS, 'cus_I19_NO_LINE', now)).toBeNull();
  });
});

describe('invoices: the overdue sweep and a retailer’s Order.invoice (issue 19)', () => {
  it('markOverdue marks exactly the ISSUED invoices more than a day past due, in every tenant', async () => {
    const now = new Date();
    const day = 86_400_000;
    const total = { amount: new Decimal('100.00'), currencyCode: 'NGN' as const };
    // NET_7: due 7 days after delivery; one a millisecond past the day of grace, one exactly at it, one paid in full
    const cases: [string, number][] = [['ord_I19_OD_LATE', -8 * day - 1], ['ord_I19_OD_EDGE', -8 * day], ['ord_I19_OD_DRAFT', 0]];
    for (const [orderId, deliveredAgo] of cases) {
      await sg.prisma.$transaction(async (tx) => {
        await sg.services.invoices.createDraft(tx, { tenantId: LAGOS, orderId, customerId: customer.id, terms: 'NET_7', total, onCredit: false });
        if (deliveredAgo) await sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId, deliveredAt: new Date(now.getTime() + deliveredAgo) });
      });
    }
    const all = await sg.prisma.invoice.findMany({ select: { id: true, orderId: true, status: true, dueDate: true } });
    const due = all.filter((i) => i.status === 'ISSUED' && i.dueDate && i.dueDate.getTime() + day < now.getTime()).map((i) => i.id).sort();
    const late = all.find((i) => i.orderId === 'ord_I19_OD_LATE')!;
    expect(due).toContain(late.id);

    expect(await sg.services.invoices.markOverdue(now)).toBe(due.length);
    const after = new Map((await sg.prisma.invoice.findMany({ select: { id: true, status: true } })).map((i) => [i.id, i.status]));
    for (const i of all) expect([i.id, after.get(i.id)]).toEqual([i.id, due.includes(i.id) ? 'OVERDUE' : i.status]);
    expect(all.filter((i) => i.orderId.startsWith('ord_I19_OD_')).map((i) => [i.orderId, after.get(i.id)]).sort())
      .toEqual([['ord_I19_OD_DRAFT', 'DRAFT'], ['ord_I19_OD_EDGE', 'ISSUED'], ['ord_I19_OD_LATE', 'OVERDUE']]);
    // nothing left to mark
    expect(await sg.services.invoices.markOverdue(now)).toBe(0);
  });

  it('a retailer reads the invoice of its own customer’s order and not of another customer’s', async () => {
    const mine = await sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: LAGOS, customerId: customer.id } });
    const theirs = await sg.prisma.invoice.findFirstOrThrow({ where: { tenantId: LAGOS, customerId: { not: customer.id } } });
    const QUERY = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { id invoice { id } } } }`;
    const r = await q({ tenantId: LAGOS, userId: 'usr_I19_RET', roles: ['RETAILER'], scopes: [], customerId: customer.id }, QUERY, {
      r: [{ __typename: 'Order', id: mine.orderId }, { __typename: 'Order', id: theirs.orderId }],
    });
    expect(r.errors).toBeUndefined();
    expect(r.data._entities).toEqual([{ id: mine.orderId, invoice: { id: mine.id } }, { id: theirs.orderId, invoice: null }]);
  });
});

describe('invoices.service: what voiding, issuing and paying leave behind (found by the mutation run)', () => {
  const total = { amount: new Decimal('500.00'), currencyCode: 'NGN' as const };
  const draft = (orderId: string, onCredit: boolean) =>
    sg.prisma.$transaction((tx) => sg.services.invoices.createDraft(tx, { tenantId: LAGOS, orderId, customerId: customer.id, terms: onCredit ? 'NET_30' : 'CASH_ON_DELIVERY', total, onCredit }));
  const outbox = (type: string, aggregateId: string) => sg.prisma.outboxEvent.findMany({ where: { type, aggregateId } });
  const pay = (orderId: string, amount: string, fromWalletId?: string) =>
    sg.prisma.$transaction(async (tx) => {
      const inv = (await sg.services.invoices.lock(tx, LAGOS, { orderId }))!;
      return sg.services.invoices.applyPayment(tx, inv, { paymentId: `pay_${orderId}_${amount}`, amount: { amount: new Decimal(amount), currencyCode: 'NGN' }, at: new Date('2026-12-01T09:00:00.000Z'), fromWalletId });
    });

  it('reserve takes credit only for an approved order on credit terms: a cash order and a refused one leave every line as it was', async () => {
    const lines = await creditLines();
    const reserve = (orderId: string, terms: 'CASH_ON_DELIVERY' | 'NET_30', amount: string) =>
      sg.prisma.$transaction((tx) => sg.services.credit.reserve(tx, { tenantId: LAGOS, customerId: customer.id, orderId, orderNumber: orderId, terms, total: { amount: new Decimal(amount), currencyCode: 'NGN' } }));
    expect(await reserve('ord_I19_RES_COD', 'CASH_ON_DELIVERY', '100.00')).toEqual({ approved: true, onCredit: false });
    expect(await reserve('ord_I19_RES_BIG', 'NET_30', '99999999999.00')).toMatchObject({ approved: false, reason: 'INSUFFICIENT_CREDIT' });
    expect(await creditLines()).toEqual(lines);
    expect(await sg.prisma.ledgerPosting.count({ where: { tenantId: LAGOS, kind: 'CREDIT_RESERVED', description: { contains: 'ord_I19_RES_' } } })).toBe(0);
  });

  it('a draft made without an id gets an inv_ id', async () => {
    expect((await draft('ord_I19_INV_ID', false)).id).toMatch(/^inv_[0-9a-zA-Z]{8,}$/);
  });

  it('voiding twice releases credit once and posts one invoice.voided; a void invoice is never issued', async () => {
    const inv = await draft('ord_I19_VOID2', true);
    await sg.prisma.$transaction((tx) => sg.services.credit.hold(tx, { tenantId: LAGOS, customerId: customer.id, amount: total, ref: inv.number, invoiceId: inv.id }));
    const lines = await creditLines();
    const voidIt = () => sg.prisma.$transaction((tx) => sg.services.invoices.voidForOrder(tx, { tenantId: LAGOS, orderId: 'ord_I19_VOID2', onlyDraft: false, reason: 'ORDER_CANCELLED' }));
    expect(await voidIt()).toMatchObject({ status: 'VOID' });
    expect(await voidIt()).toBeNull();
    const after = await creditLines();
    othersUnchanged(lines, after);
    expect(utilizedOf(lines).minus(utilizedOf(after)).toFixed(2)).toBe('500.00');
    expect(await outbox('invoice.voided', inv.id)).toHaveLength(1);

    const issued = await sg.prisma.$transaction((tx) => sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId: 'ord_I19_VOID2', deliveredAt: new Date() }));
    expect(issued).toBeNull();
    expect(await invoiceOf('ord_I19_VOID2')).toMatchObject({ status: 'VOID', issuedAt: null });
    expect(await outbox('invoice.issued', inv.id)).toEqual([]);
  });

  it('voiding and paying an invoice not on credit (cash on delivery) leave every credit line as it was', async () => {
    const lines = await creditLines();
    await draft('ord_I19_COD_VOID', false);
    await sg.prisma.$transaction((tx) => sg.services.invoices.voidForOrder(tx, { tenantId: LAGOS, orderId: 'ord_I19_COD_VOID', onlyDraft: false, reason: 'ORDER_CANCELLED' }));
    await draft('ord_I19_COD_PAY', false);
    await sg.prisma.$transaction((tx) => sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId: 'ord_I19_COD_PAY', deliveredAt: new Date() }));
    await pay('ord_I19_COD_PAY', '200.00');
    expect([...(await creditLines())].map(([k, v]) => [k, v.utilized])).toEqual([...lines].map(([k, v]) => [k, v.utilized]));
  });

  it('paidAt is set by the payment that pays the invoice in full, not by a partial one; the wallet a payment came from is on its posting; payment.recorded carries the invoice and the payment', async () => {
    const inv = await draft('ord_I19_PAIDAT', false);
    await sg.prisma.$transaction((tx) => sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId: 'ord_I19_PAIDAT', deliveredAt: new Date() }));
    expect(await pay('ord_I19_PAIDAT', '200.00')).toMatchObject({ status: 'PARTIALLY_PAID', paidAt: null });
    expect(await pay('ord_I19_PAIDAT', '300.00', 'wal_I19_PAIDAT')).toMatchObject({ status: 'PAID', paidAt: new Date('2026-12-01T09:00:00.000Z') });
    const postings = await sg.prisma.ledgerPosting.findMany({ where: { tenantId: LAGOS, invoiceId: inv.id, kind: 'PAYMENT_RECEIVED' } });
    expect(postings.map((p) => [p.paymentId, p.walletId]).sort()).toEqual([['pay_ord_I19_PAIDAT_200.00', null], ['pay_ord_I19_PAIDAT_300.00', 'wal_I19_PAIDAT']]);
    const recorded = (await outbox('payment.recorded', inv.id)).map((e) => e.payload as Record<string, any>);
    expect(recorded.map((p) => [p.paymentId, p.invoiceId, p.orderId, p.amount]).sort()).toEqual([
      ['pay_ord_I19_PAIDAT_200.00', inv.id, 'ord_I19_PAIDAT', { amount: '200.00', currencyCode: 'NGN' }],
      ['pay_ord_I19_PAIDAT_300.00', inv.id, 'ord_I19_PAIDAT', { amount: '300.00', currencyCode: 'NGN' }],
    ]);
  });

  it('markOverdue marks a thousand overdue invoices a run, and only overdue ones: its filter is in the statement (the run’s limit applies to candidates), not only in code', async () => {
    const now = new Date();
    const day = 86_400_000;
    // invoices within their day of grace must not take a run's places (they did: a run read the first thousand
    // ISSUED invoices with dueDate < now and marked only the overdue ones among them, so 1,000 invoices in their day
    // of grace would have held every overdue invoice back for a day)
    await sg.prisma.invoice.createMany({
      data: Array.from({ length: 1001 }, (_, i) => ({
        id: `inv_I19_GRACE_${i}`, tenantId: 'tnt_I19_BULK', number: `G-${i}`, orderId: `ord_I19_GRACE_${i}`, customerId: 'cus_I19_BULK', status: 'ISSUED' as const,
        paymentTerms: 'NET_7' as const, currency: 'NGN' as const, total: '1.00', issuedAt: new Date(now.getTime() - 8 * day + 60_000), dueDate: new Date(now.getTime() - day + 60_000),
      })),
    });
    // and 1,001 issued invoices nine days past due on NET_7 (the seeded invoices, in every status, are older rows:
    // without the statement's filter the first thousand rows read are not all overdue)
    await sg.prisma.invoice.createMany({
      data: Array.from({ length: 1001 }, (_, i) => ({
        id: `inv_I19_BULK_${i}`, tenantId: 'tnt_I19_BULK', number: `B-${i}`, orderId: `ord_I19_BULK_${i}`, customerId: 'cus_I19_BULK', status: 'ISSUED' as const,
        paymentTerms: 'NET_7' as const, currency: 'NGN' as const, total: '1.00', issuedAt: new Date(now.getTime() - 16 * day), dueDate: new Date(now.getTime() - 9 * day),
      })),
    });
    const bulk = (status: 'ISSUED' | 'OVERDUE') => sg.prisma.invoice.count({ where: { tenantId: 'tnt_I19_BULK', status } });
    expect(await sg.services.invoices.markOverdue(now)).toBe(1000);
    let runs = 1;
    while ((await sg.services.invoices.markOverdue(now)) > 0) runs += 1;
    expect(runs).toBe(2);
    expect([await bulk('ISSUED'), await bulk('OVERDUE')]).toEqual([1001, 1001]);
    expect(await sg.prisma.invoice.count({ where: { tenantId: 'tnt_I19_BULK', status: 'OVERDUE', id: { startsWith: 'inv_I19_GRACE_' } } })).toBe(0);
  });
});
