// Issue 19: invariants that look at the OTHER rows. After a cancel, a rejection, a payment and a void, every credit
// line but the customer's is unchanged, and the ledger moved exactly the accounts of the posting, in the right
// direction, for that customer only — balances per (currency, account, customer), not only "the posting sums to
// zero". Plus the boundaries where finance applies its rules (decimals per currency). In-memory PGlite, seeded demo
// plan, events in on an in-memory bus as commerce and logistics publish them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '@omniroute/core';
import { createEventBus, newEventId, type DomainEvent, type EventBus } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { eventually } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { CONSUMER_GROUP } from '../src/events/order-to-cash.ts';
import { client, LAGOS, lagosFinance, RECORD_PAYMENT, SECRET } from './helpers.ts';

let sg: Awaited<ReturnType<typeof create>>;
let bus: EventBus;
let stop: () => Promise<void>;
let q: ReturnType<typeof client>;
const lagos = demoPlan().find((t) => t.id === LAGOS)!;
// The customer every test acts for; the others (both tenants) must not move.
const customer = lagos.customers.find((c) => c.type === 'DISTRIBUTOR') ?? lagos.customers[0]!;

const event = (type: string, aggregateId: string, payload: object, source = 'commerce'): DomainEvent => ({
  id: newEventId(), type, tenantId: LAGOS, aggregateId, payload: payload as Record<string, unknown>, occurredAt: new Date().toISOString(), source,
});
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
