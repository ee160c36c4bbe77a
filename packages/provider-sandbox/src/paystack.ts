// Paystack, as documented at https://paystack.com/docs/api/transaction/ and https://paystack.com/docs/payments/webhooks/:
// `POST /transaction/initialize` and `GET /transaction/verify/:reference` with `Authorization: Bearer <secret key>`,
// answers `{ status, message, data }`, amounts in the currency's subunit (kobo, pesewas); the `charge.success` event
// POSTed to the account's webhook URL with `x-paystack-signature` = hex HMAC-SHA512 of the raw body under the secret
// key. Paystack sends no event for a failed or abandoned charge: the merchant learns it by verifying.
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearer, HttpReply, proceed, readJson, send, type Outcomes, type SandboxState, type SandboxTransaction } from './core.ts';
import { scenarioFor } from './scenarios.ts';

export interface PaystackAccount {
  secretKey: string;
  /** Where `charge.success` events go (set on Paystack's dashboard; here when the account is registered). */
  webhookUrl?: string;
}

const outcomes: Outcomes = {
  reason: (s) => (s === 'INSUFFICIENT_FUNDS' ? 'Insufficient Funds' : s === 'DECLINED' ? 'Declined' : 'abandoned'),
  receipt: (t) => String(4_000_000_000 + Number(t.meta.n)),
};

const SUBUNIT_DIGITS: Record<string, number> = { XOF: 0 };
const paystackError = (status: number, message: string) => new HttpReply(status, { status: false, message });

/** Transaction as verify and the webhook's `data` show it. */
export function paystackTransaction(t: SandboxTransaction): Record<string, unknown> {
  const status = t.status === 'SUCCEEDED' ? 'success' : t.status === 'FAILED' ? (t.scenario === 'EXPIRED' ? 'abandoned' : 'failed') : 'ongoing';
  return {
    id: Number(t.receipt ?? 4_000_000_000 + Number(t.meta.n)),
    domain: 'test',
    status,
    reference: t.reference,
    amount: t.meta.subunits,
    currency: t.currency,
    gateway_response: t.status === 'SUCCEEDED' ? 'Approved' : t.status === 'FAILED' ? t.reason : 'The transaction is ongoing',
    channel: t.meta.channel,
    paid_at: t.status === 'SUCCEEDED' ? t.settledAt?.toISOString() : null,
    created_at: t.createdAt.toISOString(),
    metadata: t.meta.metadata,
    customer: { email: t.meta.email, phone: t.phone },
  };
}

const transferOutcomes: Outcomes = {
  reason: (s) => (s === 'DECLINED' ? 'Could not resolve recipient account' : 'Transfer timed out at the recipient\'s network'),
  receipt: (t) => `TRF_sbx${String(t.meta.n).padStart(8, '0')}`,
};

/** A transfer as /transfer/verify and the transfer.* webhooks show it (https://paystack.com/docs/api/transfer/). */
export function paystackTransfer(t: SandboxTransaction): Record<string, unknown> {
  return {
    id: 700_000 + Number(t.meta.n),
    domain: 'test',
    amount: t.meta.subunits,
    currency: t.currency,
    source: 'balance',
    reason: t.meta.reason,
    reference: t.reference,
    transfer_code: t.meta.transferCode,
    status: t.status === 'SUCCEEDED' ? 'success' : t.status === 'FAILED' ? 'failed' : 'pending',
    failures: t.status === 'FAILED' ? t.reason : null,
    recipient: t.meta.recipient,
    transferred_at: t.status === 'SUCCEEDED' ? t.settledAt?.toISOString() : null,
    createdAt: t.createdAt.toISOString(),
    updatedAt: (t.settledAt ?? t.createdAt).toISOString(),
  };
}

/** The signature Paystack puts on a webhook: hex HMAC-SHA512 of the exact body bytes under the secret key. */
export function paystackSignature(secretKey: string, rawBody: string | Buffer): string {
  return createHmac('sha512', secretKey).update(rawBody).digest('hex');
}

export function paystackRail(state: SandboxState, accounts: () => PaystackAccount[]) {
  const accountOf = (req: IncomingMessage): PaystackAccount => {
    const key = bearer(req);
    const a = accounts().find((x) => x.secretKey === key);
    if (!a) throw paystackError(401, 'Invalid key');
    return a;
  };

  const recipients = new Map<string, { account: string; recipient: Record<string, unknown> }>();

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method === 'POST' && url.pathname === '/transferrecipient') {
      const a = accountOf(req);
      const body = await readJson(req);
      if (body.type !== 'mobile_money' && body.type !== 'nuban' && body.type !== 'ghipss') throw paystackError(400, 'Invalid recipient type');
      if (typeof body.name !== 'string' || !body.name) throw paystackError(400, 'Name is required');
      if (!/^\d{9,15}$/.test(String(body.account_number ?? '').replace(/^\+/, ''))) throw paystackError(400, 'Account number is invalid');
      if (typeof body.bank_code !== 'string' || !body.bank_code) throw paystackError(400, 'Bank code is required');
      const n = state.next();
      const code = `RCP_sbx${String(n).padStart(8, '0')}`;
      const recipient = {
        active: true, currency: body.currency ?? 'NGN', domain: 'test', id: 900_000 + n, recipient_code: code, type: body.type, name: body.name,
        details: { account_number: String(body.account_number), account_name: body.name, bank_code: body.bank_code, bank_name: body.bank_code },
      };
      recipients.set(code, { account: a.secretKey, recipient });
      send(res, 201, { status: true, message: 'Transfer recipient created successfully', data: recipient });
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/transfer') {
      const a = accountOf(req);
      const body = await readJson(req);
      if (body.source !== 'balance') throw paystackError(400, 'Invalid transfer source');
      if (!/^\d{1,17}$/.test(String(body.amount ?? '')) || Number(body.amount) <= 0) throw paystackError(400, 'Invalid amount');
      const r = recipients.get(String(body.recipient ?? ''));
      if (!r || r.account !== a.secretKey) throw paystackError(400, 'Transfer recipient not found');
      const reference = String(body.reference ?? '');
      if (!/^[a-z0-9_-]{16,50}$/.test(reference)) throw paystackError(400, 'Invalid transfer reference');
      if (state.get('PAYSTACK', reference)) throw paystackError(400, 'Duplicate Transfer Reference');
      const phone = String((r.recipient.details as any).account_number);
      // Paystack checks the balance when the transfer is queued: short of it, the request itself is refused.
      if (scenarioFor(phone) === 'INSUFFICIENT_FUNDS') throw paystackError(400, 'Your balance is not enough to fulfil this request');
      const currency = typeof body.currency === 'string' ? body.currency : String(r.recipient.currency);
      const digits = SUBUNIT_DIGITS[currency] ?? 2;
      const subunits = String(body.amount);
      const amount = digits === 0 ? subunits : `${subunits.slice(0, -digits) || '0'}.${subunits.padStart(digits, '0').slice(-digits)}`;
      const n = state.next();
      const txn = state.add({
        rail: 'PAYSTACK', reference, account: a.secretKey, amount, currency, phone,
        meta: { n, kind: 'payout', subunits: Number(subunits), reason: body.reason ?? null, transferCode: `TRF_sbx${String(n).padStart(8, '0')}`, recipient: r.recipient },
      });
      const webhook = (t: SandboxTransaction) => {
        if (!a.webhookUrl) return Promise.resolve(null);
        const raw = JSON.stringify({ event: t.status === 'SUCCEEDED' ? 'transfer.success' : 'transfer.failed', data: paystackTransfer(t) });
        return state.deliver('PAYSTACK', t.reference, a.webhookUrl, raw, { 'x-paystack-signature': paystackSignature(a.secretKey, raw) });
      };
      await proceed(state, txn, transferOutcomes, (t) => ({ final: () => webhook(t) }));
      send(res, 200, { status: true, message: 'Transfer has been queued', data: paystackTransfer(txn) });
      return true;
    }
    const vt = /^\/transfer\/verify\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && vt) {
      const a = accountOf(req);
      const txn = state.get('PAYSTACK', decodeURIComponent(vt[1]!));
      if (!txn || txn.account !== a.secretKey || txn.meta.kind !== 'payout') throw paystackError(400, 'Transfer not found');
      send(res, 200, { status: true, message: 'Transfer retrieved', data: paystackTransfer(txn) });
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/transaction/initialize') {
      const a = accountOf(req);
      const body = await readJson(req);
      if (typeof body.email !== 'string' || !body.email.includes('@')) throw paystackError(400, 'Invalid Email Address Passed');
      const currency = typeof body.currency === 'string' ? body.currency : 'NGN';
      if (!/^\d{1,17}$/.test(String(body.amount ?? '')) || Number(body.amount) <= 0) throw paystackError(400, 'Invalid Amount Sent');
      const reference = String(body.reference ?? '');
      if (!/^[\w.=-]{1,100}$/.test(reference)) throw paystackError(400, 'Invalid transaction reference');
      if (state.get('PAYSTACK', reference)) throw paystackError(400, 'Duplicate Transaction Reference');
      const digits = SUBUNIT_DIGITS[currency] ?? 2;
      const subunits = String(body.amount);
      const amount = digits === 0 ? subunits : `${subunits.slice(0, -digits) || '0'}.${subunits.padStart(digits, '0').slice(-digits)}`;
      const metadata = typeof body.metadata === 'string' ? safeJson(body.metadata) : (body.metadata ?? {});
      const n = state.next();
      const txn = state.add({
        rail: 'PAYSTACK', reference, account: a.secretKey, amount, currency, phone: String(metadata?.phone ?? ''),
        meta: { n, subunits: Number(subunits), email: body.email, metadata, channel: Array.isArray(body.channels) ? body.channels[0] : 'card', accessCode: `sbx${n}` },
      });
      const webhook = (t: SandboxTransaction) => {
        if (!a.webhookUrl || t.status !== 'SUCCEEDED') return Promise.resolve(null);
        const raw = JSON.stringify({ event: 'charge.success', data: paystackTransaction(t) });
        return state.deliver('PAYSTACK', t.reference, a.webhookUrl, raw, { 'x-paystack-signature': paystackSignature(a.secretKey, raw) });
      };
      await proceed(state, txn, outcomes, (t) => ({ final: () => webhook(t) }));
      send(res, 200, {
        status: true, message: 'Authorization URL created',
        data: { authorization_url: `${url.origin}/checkout/${txn.meta.accessCode}`, access_code: txn.meta.accessCode, reference },
      });
      return true;
    }
    const m = /^\/transaction\/verify\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const a = accountOf(req);
      const txn = state.get('PAYSTACK', decodeURIComponent(m[1]!));
      if (!txn || txn.account !== a.secretKey) throw paystackError(400, 'Transaction reference not found');
      send(res, 200, { status: true, message: 'Verification successful', data: paystackTransaction(txn) });
      return true;
    }
    return false;
  };
}

function safeJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
