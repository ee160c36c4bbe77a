// Finance with its payment rails over the real wire, for the rails test files: the provider sandbox (Daraja, MTN
// MoMo, Paystack over HTTP) calls back through the gateway's webhook forwarder on a port of its own, and finance
// settles. PGlite unless a database URL is given.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoPlan } from '@omniroute/demo';
import { createPaymentWebhookPlugin } from '@omniroute/gateway';
import { demoSandboxAccounts, startProviderSandbox, type ProviderSandbox } from '@omniroute/provider-sandbox';
import { eventually } from '@omniroute/testkit';
import { money, type Viewer } from '@omniroute/core';
import { create, type FinanceOptions } from '../src/server.ts';
import { client, LAGOS, lagosFinance, RECORD_PAYMENT, SECRET } from './helpers.ts';

export const CREDENTIALS_KEY = 'a'.repeat(64);

export const INITIATE = `mutation($i: InitiatePaymentInput!) { initiatePayment(input: $i) {
  payment { id status rail provider reference receipt phone failureReason method amount { amount currencyCode } }
  invoice { id status amountPaid { amount } }
  userErrors { code field message } } }`;
export const PAYMENT = `query($id: ID!) { node(id: $id) { __typename ... on Payment { id status reference receipt failureReason receivedAt rail invoice { id status amountPaid { amount } } } } }`;

export const lagos = demoPlan().find((t) => t.id === LAGOS)!;
/** A payload refused before anything was written: no payment, no invoice (plus `extra`, e.g. `{ wallet: null }`), one user error on `input.<field>`. */
export const refused = (code: string, field: string, message: string, extra: Record<string, null> = {}) =>
  ({ payment: null, invoice: null, ...extra, userErrors: [{ code, field: ['input', field], message }] });

/** A payer whose number scripts the sandbox's outcome (packages/provider-sandbox/src/scenarios.ts). */
export const payer = (scenario = '0042') => `+25470000${scenario}`;

export interface RailsStack {
  sg: Awaited<ReturnType<typeof create>>;
  sandbox: ProviderSandbox;
  /** The webhook forwarder's base URL (the gateway's, as providers see it). */
  hooks: string;
  financeUrl: string;
  q: ReturnType<typeof client>;
  /**
   * A fresh ISSUED invoice, so the amounts paid on it are the caller's own: drafted and issued by the services
   * order-to-cash uses (a cash-on-delivery order of a demo customer, just delivered), order id `ord_<prefix>NNNN`.
   */
  freshInvoice(total?: string, customerId?: string): Promise<{ id: string; number: string; total: string; orderId: string }>;
  initiate(input: Record<string, unknown>, v?: Viewer): Promise<any>;
  /** recordPayment as FINANCE (BANK_TRANSFER of 100.00 unless the input says otherwise). */
  record(input: Record<string, unknown>): Promise<any>;
  read(paymentId: string): Promise<any>;
  /** The payment once it is no longer PENDING (through the graph). */
  settled(paymentId: string, timeoutMs?: number): Promise<any>;
  stop(): Promise<void>;
}

export async function startRails(options: { orderPrefix: string } & Partial<FinanceOptions>): Promise<RailsStack> {
  const { orderPrefix, ...financeOptions } = options;
  let routes: Record<string, (req: any, res: any) => Promise<void>> = {};
  const forwarder: Server = createServer((req, res) => void routes['/webhooks/payments/*']!(req, res));
  await new Promise<void>((r) => forwarder.listen(0, '127.0.0.1', r));
  const hooks = `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}`;
  const sandbox = await startProviderSandbox({ accounts: demoSandboxAccounts(hooks), timing: { approveMs: 150, slowResponseMs: 1_500, repeatMs: 30 } });
  const sg = await create({
    secret: SECRET, credentialsKey: CREDENTIALS_KEY, callbackBaseUrl: hooks, paymentSandboxUrl: sandbox.url,
    railTimeoutMs: 800, paymentPollMs: 150, // the first poll comes well after the sandbox's callbacks (150 ms), so tests about callbacks see callbacks settle
    ...financeOptions,
    paymentTiming: { firstPollMs: 2_500, maxPollMs: 2_500, notFoundAfterMs: 2_000, ...financeOptions.paymentTiming },
  });
  await sg.seed();
  const running = await sg.listen(0);
  routes = createPaymentWebhookPlugin({ financeUrl: () => running.url, secret: SECRET }).routes;
  const q = client(running.url);

  let orders = 0;
  const freshInvoice = async (total = '60000.00', customerId?: string) => {
    const n = ++orders;
    const orderId = `ord_${orderPrefix}${String(n).padStart(4, '0')}`;
    const customer = customerId ?? lagos.customers[n % lagos.customers.length]!.id;
    const inv = await sg.prisma.$transaction(async (tx) => {
      await sg.services.invoices.createDraft(tx, { tenantId: LAGOS, orderId, customerId: customer, terms: 'CASH_ON_DELIVERY', total: money(total, 'NGN'), onCredit: false });
      return (await sg.services.invoices.issueForDelivery(tx, { tenantId: LAGOS, orderId, deliveredAt: new Date() }))!;
    });
    return { id: inv.id, number: inv.number, total, orderId };
  };
  let keys = 0;
  const initiate = (input: Record<string, unknown>, v: Viewer = lagosFinance) =>
    q(v, INITIATE, { i: { method: 'MOBILE_MONEY', provider: 'MPESA', amount: '1000.00', idempotencyKey: `${orderPrefix}-k-${++keys}`, phone: payer(), ...input } });
  const record = (input: Record<string, unknown>) => q(lagosFinance, RECORD_PAYMENT, { i: { method: 'BANK_TRANSFER', amount: '100.00', ...input } });
  const read = async (id: string) => (await q(lagosFinance, PAYMENT, { id })).data.node;
  const settled = (id: string, timeoutMs = 10_000) => eventually(async () => {
    const p = await read(id);
    return p.status !== 'PENDING' ? p : null;
  }, { timeoutMs, intervalMs: 50 });

  return {
    sg, sandbox, hooks, financeUrl: running.url, q, freshInvoice, initiate, record, read, settled,
    async stop() {
      await running.stop();
      await sg.close();
      await sandbox.close();
      await new Promise((r) => forwarder.close(r));
    },
  };
}
