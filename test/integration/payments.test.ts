// Money that moves, through the real gateway (what ../shared/acceptance/finance checks): the stack with its provider
// sandbox; a forged Paystack webhook at /webhooks/payments/paystack/<tenant> gets 401; an M-Pesa payment initiated
// through the graph is settled by the sandbox's callback (which comes back through the gateway), seen through
// Query.node and by a paymentUpdated subscriber; the trial balance stays even.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startStack, type Stack } from '@omniroute/platform';
import { eventually, gql, login, nodes } from '@omniroute/testkit';

describe('payments through the gateway', () => {
  let stack: Stack;
  let ops: string;
  let base: string;
  let ws: Client;

  beforeAll(async () => {
    stack = await startStack({ seed: true, relayIntervalMs: 200, paymentSandboxTiming: { approveMs: 400 } });
    base = stack.gatewayUrl.replace(/\/graphql$/, '');
    ops = await login(stack.gatewayUrl, 'ops@lagos.demo');
    ws = createClient({ url: stack.gatewayUrl.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${ops}` }, retryAttempts: 0 });
  });
  afterAll(async () => {
    await ws?.dispose();
    await stack?.close();
  });

  it('introspection shows initiatePayment, trialBalance, node and an M-Pesa rail', async () => {
    const r = await gql(stack.gatewayUrl, '{ __schema { mutationType { fields { name } } queryType { fields { name } } } __type(name: "PaymentRail") { enumValues { name } } }', {}, ops);
    expect(r.data.__schema.mutationType.fields.map((f: any) => f.name)).toContain('initiatePayment');
    expect(r.data.__schema.queryType.fields.map((f: any) => f.name)).toEqual(expect.arrayContaining(['trialBalance', 'node', 'ledgerStatement', 'tenant']));
    expect(r.data.__type.enumValues.map((v: any) => v.name)).toEqual(['MPESA', 'MTN_MOMO', 'PAYSTACK']);
  });

  it('a forged Paystack webhook gets 401 at the gateway and nothing is recorded', async () => {
    const tenant = (await gql(stack.gatewayUrl, '{ tenant { id slug } }', {}, ops)).data.tenant;
    const prisma = (stack.subgraphs.finance!.runtime as any).prisma;
    const before = await prisma.paymentCallback.count();
    const res = await fetch(`${base}/webhooks/payments/paystack/${tenant.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': 'f'.repeat(128) },
      body: JSON.stringify({ event: 'charge.success', data: { reference: `forged-${Date.now()}`, amount: 100000, status: 'success' } }),
    });
    expect(res.status).toBe(401);
    expect(await prisma.paymentCallback.count()).toBe(before);
  });

  it('an M-Pesa payment initiated through the graph settles by the sandbox callback; subscribers see PENDING then SUCCEEDED; the trial balance is even', async () => {
    const inv = nodes<any>((await gql(stack.gatewayUrl, '{ invoices(first: 20, filter: { status: ISSUED }) { edges { node { id amountDue { amount } customer { phone } } } } }', {}, ops)).data.invoices)[0];
    expect(inv.customer.phone).toMatch(/^\+234/);
    const events: any[] = [];
    const un = ws.subscribe(
      { query: 'subscription($i: ID) { paymentUpdated(invoiceId: $i) { previousStatus status payment { id status rail invoice { id status } } } }', variables: { i: inv.id } },
      { next: (v) => void events.push(v), error: (e) => void events.push({ error: e }), complete: () => undefined },
    );
    await new Promise((r) => setTimeout(r, 500));

    const r = await gql(stack.gatewayUrl, `mutation($i: InitiatePaymentInput!) { initiatePayment(input: $i) { payment { id status } userErrors { code message } } }`, {
      i: { invoiceId: inv.id, method: 'MOBILE_MONEY', provider: 'MPESA', phone: inv.customer.phone, amount: inv.amountDue.amount, idempotencyKey: `it-${Date.now()}` },
    }, ops);
    expect(r.errors).toBeUndefined();
    expect(r.data.initiatePayment).toMatchObject({ payment: { status: 'PENDING' }, userErrors: [] });
    const id = r.data.initiatePayment.payment.id;

    const seen = await eventually(async () => {
      const q = await gql(stack.gatewayUrl, 'query($p: ID!, $i: ID!) { node(id: $p) { ... on Payment { status receipt } } invoice(id: $i) { status } }', { p: id, i: inv.id }, ops);
      return q.data?.node?.status !== 'PENDING' ? q.data : null;
    }, { timeoutMs: 20_000, intervalMs: 200 });
    expect(seen).toMatchObject({ node: { status: 'SUCCEEDED' }, invoice: { status: 'PAID' } });
    expect(seen.node.receipt).toBeTruthy();
    // the callback came back through the gateway
    expect(stack.paymentSandbox!.deliveries.filter((d) => d.rail === 'MPESA').map((d) => [new URL(d.url).origin, d.status])).toContainEqual([base.replace('localhost', '127.0.0.1'), 200]);

    await eventually(async () => events.length >= 2, { timeoutMs: 10_000 });
    un();
    expect(events.map((e) => [e.data?.paymentUpdated.previousStatus, e.data?.paymentUpdated.status])).toEqual([[null, 'PENDING'], ['PENDING', 'SUCCEEDED']]);
    expect(events[1].data.paymentUpdated.payment).toEqual({ id, status: 'SUCCEEDED', rail: 'MPESA', invoice: { id: inv.id, status: 'PAID' } });

    const tb = await gql(stack.gatewayUrl, '{ trialBalance(currencyCode: NGN) { debits { amount } credits { amount } balanced } }', {}, ops);
    expect(tb.errors).toBeUndefined();
    expect(tb.data.trialBalance.balanced).toBe(true);
    expect(tb.data.trialBalance.debits.amount).toBe(tb.data.trialBalance.credits.amount);
  });

  it('a rider may not initiate payments (the gateway refuses without finance:write)', async () => {
    const rider = await login(stack.gatewayUrl, 'rider1@lagos.demo');
    const r = await gql(stack.gatewayUrl, `mutation { initiatePayment(input: { invoiceId: "inv_LAGOS000001", method: MOBILE_MONEY, provider: MPESA, phone: "+254700000042", amount: "1.00", idempotencyKey: "rider" }) { payment { id } } }`, {}, rider);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});
