// Paystack Transfers (https://paystack.com/docs/transfers/single-transfers/, https://paystack.com/docs/api/transfer/):
// `POST /transferrecipient` (type mobile_money), `POST /transfer` (source balance, amount in subunits, our reference),
// `GET /transfer/verify/:reference`; the `transfer.success` / `transfer.failed` / `transfer.reversed` events come to
// the account's webhook URL signed like every Paystack event. Shapes quoted in docs/payments.md.
import { MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import { CallbackError, callProvider, describeReply, msisdn, type IncomingCallback, type RailAccount, type RailOutcome, type SettledOutcome } from '../../payments/rails/rail.ts';
import { toSubunits, validPaystackSignature } from '../../payments/rails/paystack.ts';
import type { PayoutCallback, PayoutConnector, PayoutRequest, SendResult } from './payout-rail.ts';

/** Paystack's mobile-money bank codes by the recipient's country: M-Pesa in Kenya, MTN in Ghana (and elsewhere). */
export function mobileMoneyBankCode(phone: string): string {
  return phone.startsWith('+254') ? 'MPESA' : 'MTN';
}

/** A transfer (verify's `data`, a transfer.* event's `data`) as an outcome. */
export function transferOutcome(data: any, event?: string): SettledOutcome {
  const status = event === 'transfer.success' ? 'success' : event === 'transfer.failed' ? 'failed' : event === 'transfer.reversed' ? 'reversed' : data?.status;
  if (status === 'success') return { status: 'SUCCEEDED', receipt: data?.transfer_code ? String(data.transfer_code) : null, amount: null };
  if (status === 'failed' || status === 'reversed') return { status: 'FAILED', reason: `Paystack transfer ${status}${data?.failures ? `: ${String(data.failures).slice(0, 200)}` : ''}` };
  return { status: 'PENDING' };
}

export class PaystackTransferConnector implements PayoutConnector {
  readonly rail = 'PAYSTACK' as const;

  constructor(private readonly timeoutMs = 10_000) {}

  /** Paystack takes our reference (lowercase, 16–50 characters): the payout id. */
  newReference(payoutId: string): string {
    return payoutId.toLowerCase();
  }

  check(req: { amount: Decimal; currency: CurrencyCode }): string | null {
    return req.amount.decimalPlaces() > MINOR_UNITS[req.currency] ? `Paystack pays ${req.currency} amounts in whole subunits` : null;
  }

  missing(): string[] {
    return [];
  }

  callbackUrl(_a: RailAccount, endpoint: string): string {
    return endpoint;
  }

  private post(a: RailAccount, path: string, body: unknown) {
    return callProvider(`${a.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${a.secrets.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }, this.timeoutMs);
  }

  async send(a: RailAccount, req: PayoutRequest): Promise<SendResult> {
    const reference = req.reference ?? req.payoutId.toLowerCase();
    const rcp = await this.post(a, '/transferrecipient', {
      type: 'mobile_money', name: req.name.slice(0, 100), account_number: msisdn(req.phone), bank_code: mobileMoneyBankCode(req.phone), currency: req.currency,
    });
    const code = rcp.body?.data?.recipient_code;
    if (!(rcp.status === 200 || rcp.status === 201) || typeof code !== 'string') {
      // No recipient, no transfer: nothing was sent. A 5xx may be retried by the dispatcher later.
      return rcp.status !== null && rcp.status >= 400 && rcp.status < 500 ? { status: 'FAILED', reason: describeReply('PAYSTACK', rcp) } : { status: 'UNKNOWN', reason: describeReply('PAYSTACK', rcp) };
    }
    const r = await this.post(a, '/transfer', { source: 'balance', amount: Number(toSubunits(req.amount, req.currency)), recipient: code, reference, reason: req.description.slice(0, 100), currency: req.currency });
    if (r.status === 200 && r.body?.status === true) {
      const o = transferOutcome(r.body.data);
      return o.status === 'FAILED' ? { status: 'FAILED', reason: o.reason } : { status: 'PENDING', reference };
    }
    if (r.status === 400 && /duplicate transfer reference/i.test(String(r.body?.message ?? ''))) return { status: 'PENDING', reference };
    if (r.status !== null && r.status >= 400 && r.status < 500) return { status: 'FAILED', reason: describeReply('PAYSTACK', r) };
    return { status: 'UNKNOWN', reason: describeReply('PAYSTACK', r) };
  }

  async status(a: RailAccount, p: { id: string; reference: string | null }): Promise<RailOutcome> {
    const r = await callProvider(`${a.baseUrl}/transfer/verify/${encodeURIComponent(p.reference ?? p.id.toLowerCase())}`, { method: 'GET', headers: { authorization: `Bearer ${a.secrets.secretKey}` } }, this.timeoutMs);
    if (r.status === 400 && /not found/i.test(String(r.body?.message ?? ''))) return { status: 'NOT_FOUND' };
    if (r.status !== 200 || r.body?.status !== true) return { status: 'PENDING' };
    return transferOutcome(r.body.data);
  }

  readCallback(a: RailAccount, cb: IncomingCallback): PayoutCallback | null {
    if (!validPaystackSignature(a.secrets.secretKey ?? '', cb.raw, cb.headers['x-paystack-signature'])) return null;
    let body: any;
    try {
      body = JSON.parse(cb.raw.toString('utf8'));
    } catch {
      throw new CallbackError('body is not JSON');
    }
    if (typeof body?.event !== 'string' || !body.event.startsWith('transfer.') || typeof body?.data?.reference !== 'string') throw new CallbackError('not a Paystack transfer event');
    return { reference: body.data.reference, payoutId: null, outcome: transferOutcome(body.data, body.event), payload: body };
  }
}
