// Finance subgraph end to end over HTTP, like the gateway calls it: in-memory PGlite, seeded demo plan.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { create } from '../src/server.ts';
import { accraAdmin, client, CREDIT_LINE, ENTITIES, INVOICE_FIELDS, LAGOS, lagosAdmin, lagosFinance, lagosSales, LEDGER_BALANCE, nodes, SECRET } from './helpers.ts';

let sg: Awaited<ReturnType<typeof create>>;
let stop: () => Promise<void>;
let url: string;
let q: ReturnType<typeof client>;
const lagos = demoPlan().find((t) => t.id === LAGOS)!;

beforeAll(async () => {
  sg = await create({ secret: SECRET });
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
  q = client(url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

describe('seeded data', () => {
  it('has every plan invoice exactly (number, status, total, paid, due date)', async () => {
    const seen = new Map<string, any>();
    let after: string | null = null;
    do {
      const r: any = await q(lagosFinance, `query($a: String) { invoices(first: 100, after: $a) { edges { node { ${INVOICE_FIELDS} } } pageInfo { hasNextPage endCursor } } }`, { a: after });
      expect(r.errors).toBeUndefined();
      for (const n of nodes(r.data.invoices)) seen.set((n as any).id, n);
      after = r.data.invoices.pageInfo.hasNextPage ? r.data.invoices.pageInfo.endCursor : null;
    } while (after);
    expect(seen.size).toBe(lagos.invoices.length);
    for (const p of lagos.invoices) {
      const inv = seen.get(p.id);
      expect(inv).toMatchObject({ number: p.number, status: p.status, total: { amount: p.total, currencyCode: 'NGN' }, amountPaid: { amount: p.amountPaid } });
      expect(inv.dueDate).toBe(p.dueDate?.toISOString() ?? null);
      const paid = inv.payments.reduce((s: number, x: any) => s + Number(x.amount.amount), 0);
      expect(paid.toFixed(2)).toBe(Number(p.amountPaid).toFixed(2));
    }
    expect(new Set(lagos.invoices.map((i) => i.status))).toEqual(new Set(['DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'PAID']));
  });

  it('gives every customer a credit line: limit from the plan, utilized from open credit-term invoices', async () => {
    const reps = lagos.customers.map((c) => ({ __typename: 'Customer', id: c.id }));
    const r = await q(lagosAdmin, ENTITIES, { r: reps });
    expect(r.errors).toBeUndefined();
    const terms = new Map(lagos.orders.map((o) => [o.id, o.paymentTerms]));
    for (const [i, c] of lagos.customers.entries()) {
      const line = r.data._entities[i].creditLine;
      const utilized = lagos.invoices
        .filter((inv) => inv.customerId === c.id && terms.get(inv.orderId)!.startsWith('NET_') && inv.status !== 'PAID')
        .reduce((s, inv) => s + Number(inv.total) - Number(inv.amountPaid), 0);
      expect(line.limit).toEqual({ amount: c.creditLimit, currencyCode: 'NGN' });
      expect(Number(line.utilized.amount)).toBeCloseTo(utilized, 2);
      expect(Number(line.available.amount)).toBeCloseTo(Math.max(0, Number(c.creditLimit) - utilized), 2);
      expect(line.score).toBeGreaterThanOrEqual(0);
      expect(line.score).toBeLessThanOrEqual(1000);
    }
  });

  it('seeds a balanced ledger', async () => {
    const r = await q(lagosFinance, LEDGER_BALANCE);
    expect(r.errors).toBeUndefined();
    expect(r.data.ledgerBalance).toHaveLength(1);
    expect(r.data.ledgerBalance[0]).toMatchObject({ currencyCode: 'NGN', balanced: true, net: { amount: '0.00' } });
    const acc = Object.fromEntries(r.data.ledgerBalance[0].accounts.map((a: any) => [a.account, Number(a.balance.amount)]));
    const outstanding = lagos.invoices.filter((i) => i.issuedAt).reduce((s, i) => s + Number(i.total) - Number(i.amountPaid), 0);
    expect(acc.ACCOUNTS_RECEIVABLE).toBeCloseTo(outstanding, 2);
    expect(acc.CASH).toBeCloseTo(lagos.invoices.reduce((s, i) => s + Number(i.amountPaid), 0), 2);
  });

  it('re-seeding is a no-op', async () => {
    sg.db.stats.statements = 0;
    await sg.seed();
    expect(sg.db.stats.statements).toBeLessThanOrEqual(2);
  });
});

describe('queries', () => {
  it('filters invoices by status and customer and pages with cursors', async () => {
    const byStatus = await q(lagosFinance, `{ invoices(first: 100, filter: { status: PARTIALLY_PAID }) { edges { node { status } } } }`);
    const partial = lagos.invoices.filter((i) => i.status === 'PARTIALLY_PAID').length;
    expect(nodes(byStatus.data.invoices)).toHaveLength(Math.min(100, partial));
    expect(nodes(byStatus.data.invoices).every((n: any) => n.status === 'PARTIALLY_PAID')).toBe(true);

    const cust = lagos.invoices[0]!.customerId;
    const byCustomer = await q(lagosFinance, `query($c: ID!) { invoices(first: 50, filter: { customerId: $c }) { edges { node { customer { id } } } } }`, { c: cust });
    expect(nodes(byCustomer.data.invoices).length).toBe(lagos.invoices.filter((i) => i.customerId === cust).length);

    const p1 = await q(lagosFinance, `{ invoices(first: 2) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`);
    const p2 = await q(lagosFinance, `query($a: String) { invoices(first: 2, after: $a) { edges { node { id } } pageInfo { hasPreviousPage } } }`, { a: p1.data.invoices.pageInfo.endCursor });
    expect(nodes(p2.data.invoices).map((n: any) => n.id)).toEqual([lagos.invoices[2]!.id, lagos.invoices[3]!.id]);
    expect(p2.data.invoices.pageInfo.hasPreviousPage).toBe(true);
  });

  it('refuses malformed arguments with BAD_USER_INPUT', async () => {
    const r = await q(lagosFinance, `{ invoices(first: 1000) { edges { node { id } } } }`);
    expect(r.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const c = await q(lagosFinance, `{ invoices(first: 1, after: "nonsense") { edges { node { id } } } }`);
    expect(c.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('resolves invoice(id), its order and customer stubs; unknown ids are null', async () => {
    const inv = lagos.invoices[1]!;
    const r = await q(lagosAdmin, `query($id: ID!) { invoice(id: $id) { number order { id } customer { id ${CREDIT_LINE} } } none: invoice(id: "inv_nope") { id } }`, { id: inv.id });
    expect(r.errors).toBeUndefined();
    expect(r.data.invoice).toMatchObject({ number: inv.number, order: { id: inv.orderId }, customer: { id: inv.customerId } });
    expect(r.data.invoice.customer.creditLine.currencyCode).toBe('NGN');
    expect(r.data.none).toBeNull();
  });

  it('pages through ledger entries (FINANCE/ADMIN only); every posting sums to zero', async () => {
    const r = await q(lagosFinance, `{ ledgerEntries(first: 100) { edges { node { id account direction amount { amount currencyCode } posting { id kind invoice { id } } } } pageInfo { hasNextPage } } }`);
    expect(r.errors).toBeUndefined();
    const entries = nodes<any>(r.data.ledgerEntries);
    expect(entries).toHaveLength(100);
    expect(entries[0].posting.invoice.id).toBe(lagos.invoices[0]!.id);
    const forbidden = await q(lagosSales, `{ ledgerEntries(first: 1) { edges { node { id } } } }`);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const balanceForbidden = await q(lagosSales, LEDGER_BALANCE);
    expect(balanceForbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('entities (as the gateway fetches them) are batched', () => {
  const orderReps = (n: number) => lagos.orders.slice(0, n).map((o) => ({ __typename: 'Order', id: o.id }));
  const customerReps = (n: number) => lagos.customers.slice(0, n).map((c) => ({ __typename: 'Customer', id: c.id }));

  async function statementsFor(reps: object[]) {
    sg.db.stats.statements = 0;
    const r = await q(lagosAdmin, ENTITIES, { r: reps });
    expect(r.errors).toBeUndefined();
    return { statements: sg.db.stats.statements, data: r.data._entities };
  }

  it('Order.invoice: 1 vs 50 representations take the same number of statements', async () => {
    const one = await statementsFor(orderReps(1));
    const fifty = await statementsFor(orderReps(50));
    expect(one.statements).toBe(1);
    expect(fifty.statements).toBe(one.statements);
    const withInvoice = new Set(lagos.invoices.map((i) => i.orderId));
    fifty.data.forEach((o: any, i: number) => expect(o.invoice !== null).toBe(withInvoice.has(lagos.orders[i]!.id)));
    const inv = lagos.invoices.find((x) => x.orderId === lagos.orders[0]!.id)!;
    expect(one.data[0].invoice).toEqual({ status: inv.status, amountDue: { amount: (Number(inv.total) - Number(inv.amountPaid)).toFixed(2) } });
  });

  it('Customer.creditLine: 1 vs 50 representations take the same number of statements', async () => {
    const one = await statementsFor(customerReps(1));
    const fifty = await statementsFor(customerReps(50));
    expect(one.statements).toBe(1);
    expect(fifty.statements).toBe(one.statements);
    expect(fifty.data).toHaveLength(50);
    expect(fifty.data.every((c: any) => c.creditLine?.currencyCode === 'NGN')).toBe(true);
  });
});

describe('tenant isolation and access', () => {
  it('another tenant sees nothing of Lagos: lists, by id, entities', async () => {
    const inv = lagos.invoices[0]!;
    const list = await q(accraAdmin, `{ invoices(first: 100) { edges { node { id total { currencyCode } } } } }`);
    expect(nodes<any>(list.data.invoices).length).toBeGreaterThan(0);
    expect(nodes<any>(list.data.invoices).every((n) => n.id.startsWith('inv_ACCRA') && n.total.currencyCode === 'GHS')).toBe(true);
    const byId = await q(accraAdmin, `query($id: ID!) { invoice(id: $id) { id } }`, { id: inv.id });
    expect(byId.data.invoice).toBeNull();
    const ents = await q(accraAdmin, ENTITIES, { r: [{ __typename: 'Order', id: inv.orderId }, { __typename: 'Customer', id: inv.customerId }, { __typename: 'Invoice', id: inv.id }] });
    expect(ents.data._entities).toEqual([
      { __typename: 'Order', id: inv.orderId, invoice: null },
      { __typename: 'Customer', id: inv.customerId, creditLine: null },
      null,
    ]);
    const bal = await q(viewerAccraFinance(), LEDGER_BALANCE);
    expect(bal.data.ledgerBalance.map((b: any) => b.currencyCode)).toEqual(['GHS']);
  });

  it('refuses unsigned and anonymous calls', async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ invoices { edges { node { id } } } }' }) });
    const body = await res.json();
    expect(res.status).toBe(401);
    expect(body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    const anon = await q(null, '{ invoices { edges { node { id } } } }');
    expect(anon.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const rider = await q({ ...lagosAdmin, roles: ['RIDER'] }, '{ invoices { edges { node { id } } } }');
    expect(rider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('setCreditLimit', () => {
  const SET = `mutation($i: SetCreditLimitInput!) { setCreditLimit(input: $i) { creditLine { customer { id } limit { amount currencyCode } available { amount } utilized { amount } score status } userErrors { code field message } } }`;

  it('sets the approved limit (FINANCE/ADMIN), opens a line for a customer without one', async () => {
    const c = lagos.customers[3]!;
    const r = await q(lagosFinance, SET, { i: { customerId: c.id, limit: '750000.50', currencyCode: 'NGN' } });
    expect(r.data.setCreditLimit.userErrors).toEqual([]);
    expect(r.data.setCreditLimit.creditLine).toMatchObject({ customer: { id: c.id }, limit: { amount: '750000.50', currencyCode: 'NGN' } });
    const fresh = await q(lagosAdmin, SET, { i: { customerId: 'cus_NEW', limit: '0', currencyCode: 'NGN' } });
    expect(fresh.data.setCreditLimit.creditLine).toMatchObject({ limit: { amount: '0.00' }, utilized: { amount: '0.00' }, status: 'SUSPENDED' });
  });

  it('refuses other currencies, negative limits, and other roles', async () => {
    const c = lagos.customers[4]!;
    const wrong = await q(lagosFinance, SET, { i: { customerId: c.id, limit: '1000', currencyCode: 'GHS' } });
    expect(wrong.errors).toBeUndefined();
    expect(wrong.data.setCreditLimit).toMatchObject({ creditLine: null, userErrors: [{ code: 'CURRENCY_MISMATCH', field: ['input', 'currencyCode'] }] });
    const neg = await q(lagosFinance, SET, { i: { customerId: c.id, limit: '-1', currencyCode: 'NGN' } });
    expect(neg.data.setCreditLimit.userErrors[0].code).toBe('INVALID_AMOUNT');
    const cents = await q(lagosFinance, SET, { i: { customerId: c.id, limit: '1.001', currencyCode: 'NGN' } });
    expect(cents.data.setCreditLimit.userErrors[0].code).toBe('INVALID_AMOUNT');
    const sales = await q(lagosSales, SET, { i: { customerId: c.id, limit: '1', currencyCode: 'NGN' } });
    expect(sales.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

function viewerAccraFinance() {
  return { ...accraAdmin, roles: ['FINANCE' as const] };
}
