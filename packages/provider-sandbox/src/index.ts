// The payment provider sandbox: one HTTP server speaking the documented APIs of M-Pesa Daraja, MTN MoMo
// Collections and Paystack, and sending their callbacks, with outcomes scripted by the payer's phone number
// (scenarios.ts). `npm start` runs it beside the stack; finance's connectors and tests talk to it over HTTP exactly
// as they would to the providers. See README.md.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { demoPaymentAccounts } from '@omniroute/demo';
import { HttpReply, SandboxState, send, type Delivery, type SandboxTiming, type SandboxTransaction } from './core.ts';
import { momoRail, type MomoAccount } from './momo.ts';
import { mpesaRail, type MpesaAccount } from './mpesa.ts';
import { paystackRail, type PaystackAccount } from './paystack.ts';
import { africasTalkingRail, type AfricasTalkingAccount, type SandboxMessage } from './africastalking.ts';
import { demoSmsAccounts } from '@omniroute/demo';
import { reportsRail } from './reports.ts';

export { SCENARIOS, scenarioFor, type Scenario } from './scenarios.ts';
export { paystackSignature } from './paystack.ts';
export { darajaTimestamp } from './mpesa.ts';
export type { Delivery, SandboxTransaction, SandboxTiming, MomoAccount, MpesaAccount, PaystackAccount, AfricasTalkingAccount, SandboxMessage };

export interface SandboxAccounts {
  mpesa?: MpesaAccount[];
  momo?: MomoAccount[];
  paystack?: PaystackAccount[];
  /** Africa's Talking SMS accounts (collections' reminders). */
  africasTalking?: AfricasTalkingAccount[];
}

export interface ProviderSandboxOptions {
  port?: number;
  host?: string;
  accounts?: SandboxAccounts;
  timing?: Partial<SandboxTiming>;
}

export interface ProviderSandbox {
  /** Base URL of every rail's API, e.g. http://127.0.0.1:4010 (rails are told apart by path). */
  url: string;
  port: number;
  /** Registers more accounts (what the providers' onboarding does). */
  addAccounts(a: SandboxAccounts): void;
  /** Every callback delivery attempt, oldest first. */
  deliveries: Delivery[];
  transactions: Map<string, SandboxTransaction>;
  /** Every SMS asked of the Africa's Talking API, oldest first. */
  messages: SandboxMessage[];
  close(): Promise<void>;
}

export async function startProviderSandbox(opts: ProviderSandboxOptions = {}): Promise<ProviderSandbox> {
  const approveMs = opts.timing?.approveMs ?? 500;
  const state = new SandboxState({
    approveMs,
    expireMs: opts.timing?.expireMs ?? approveMs * 3,
    slowResponseMs: opts.timing?.slowResponseMs ?? 15_000,
    repeatMs: opts.timing?.repeatMs ?? 100,
  });
  const accounts: Required<SandboxAccounts> = { mpesa: [], momo: [], paystack: [], africasTalking: [] };
  const messages: SandboxMessage[] = [];
  const addAccounts = (a: SandboxAccounts) => {
    accounts.mpesa.push(...(a.mpesa ?? []));
    accounts.momo.push(...(a.momo ?? []));
    accounts.africasTalking.push(...(a.africasTalking ?? []));
    // a re-registered secret key gets its new webhook URL
    for (const p of a.paystack ?? []) {
      const i = accounts.paystack.findIndex((x) => x.secretKey === p.secretKey);
      if (i >= 0) accounts.paystack[i] = p;
      else accounts.paystack.push(p);
    }
  };
  addAccounts(opts.accounts ?? {});
  const rails = [mpesaRail(state, () => accounts.mpesa), momoRail(state, () => accounts.momo), paystackRail(state, () => accounts.paystack), africasTalkingRail(state, () => accounts.africasTalking, messages),
    reportsRail(state, { mpesa: () => accounts.mpesa, momo: () => accounts.momo, paystack: () => accounts.paystack })];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'sandbox'}`);
      try {
        for (const rail of rails) if (await rail(req, res, url)) return;
        if (url.pathname === '/health') return send(res, 200, { status: 'ok', transactions: state.transactions.size, deliveries: state.deliveries.length });
        send(res, 404, { message: `no such endpoint: ${req.method} ${url.pathname}` });
      } catch (e) {
        if (res.headersSent) return void res.end();
        if (e instanceof HttpReply) return send(res, e.status, e.body, e.headers);
        send(res, 500, { message: 'sandbox error' });
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host && opts.host !== '0.0.0.0' && opts.host !== '::' ? opts.host : '127.0.0.1'}:${port}`,
    port,
    addAccounts,
    deliveries: state.deliveries,
    transactions: state.transactions,
    messages,
    async close() {
      state.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * The demo tenants' accounts as the sandbox knows them; Paystack webhooks of each go to
 * `<callbackBase>/webhooks/payments/paystack/<tenantId>` (the gateway in `npm start`).
 */
export function demoSandboxAccounts(callbackBase: string): SandboxAccounts {
  const demo = demoPaymentAccounts();
  return {
    mpesa: demo.map((d) => ({ ...d.mpesa, currency: d.currency })),
    momo: demo.map((d) => d.momo),
    paystack: demo.map((d) => ({ secretKey: d.paystack.secretKey, webhookUrl: `${callbackBase.replace(/\/$/, '')}/webhooks/payments/paystack/${d.tenantId}` })),
    // the delivery-report URL finance asks each tenant to set on its dashboard (collections/sms.ts deliveryReportToken)
    africasTalking: demoSmsAccounts().map((a) => ({
      username: a.username, apiKey: a.apiKey,
      deliveryReportUrl: `${callbackBase.replace(/\/$/, '')}/webhooks/payments/africastalking/${a.tenantId}?token=${createHmac('sha256', a.apiKey).update(`${a.tenantId}:africastalking:dlr`).digest('base64url')}`,
    })),
  };
}
