// Paystack Transfers (https://paystack.com/docs/transfers/single-transfers/, https://paystack.com/docs/api/transfer/):
// `POST /transferrecipient` (type mobile_money), `POST /transfer` (source balance, amount in subunits, our reference),
// `GET /transfer/verify/:reference`; the `transfer.success` / `transfer.failed` / `transfer.reversed` events come to
// the account's webhook URL signed like every Paystack event. Shapes quoted in docs/payments.md.
import { MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import { msisdn, notAccepted, type IncomingCallback, type RailAccount, type RailOutcome, type SettledOutcome } from '../../payments/rails/rail.ts';
import { PaystackApi, toSubunits } from '../../payments/rails/paystack.ts';
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
  private readonly api: PaystackApi;

  constructor(timeoutMs = 10_000) {
    this.api = new PaystackApi(timeoutMs);
  }

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

  async send(a: RailAccount, req: PayoutRequest): Promise<SendResult> {
    const reference = req.reference ?? req.payoutId.toLowerCase();
    const rcp = await this.api.post(a, '/transferrecipient', {
      type: 'mobile_money', name: req.name.slice(0, 100), account_number: msisdn(req.phone), bank_code: mobileMoneyBankCode(req.phone), currency: req.currency,
    });
    const code = rcp.body?.data?.recipient_code;
    if (!(rcp.status === 200 || rcp.status === 201) || typeof code !== 'string') {
      // No recipient, no transfer: nothing was sent. A 5xx may be retried by the dispatcher later.
      return notAccepted('PAYSTACK', rcp);
    }
    const r = await this.api.post(a, '/transfer', { source: 'balance', amount: Number(toSubunits(req.amount, req.currency)), recipient: code, reference, reason: req.description.slice(0, 100), currency: req.currency });
    // Paystack may refuse a transfer it accepted the request for (the answer's own status says failed): nothing was sent.
    const o = r.status === 200 && r.body?.status === true ? transferOutcome(r.body.data) : null;
    if (o?.status === 'FAILED') return { status: 'FAILED', reason: o.reason };
    return this.api.answer(r, reference, /duplicate transfer reference/i);
  }

  status(a: RailAccount, p: { id: string; reference: string | null }): Promise<RailOutcome> {
    return this.api.verify(a, `/transfer/verify/${encodeURIComponent(p.reference ?? p.id.toLowerCase())}`, (data) => transferOutcome(data));
  }

  readCallback(a: RailAccount, cb: IncomingCallback): PayoutCallback | null {
    const body = this.api.readEvent(a, cb, (event) => event.startsWith('transfer.'), 'Paystack transfer event');
    return body && { reference: body.data.reference, payoutId: null, outcome: transferOutcome(body.data, body.event), payload: body };
  }
}
