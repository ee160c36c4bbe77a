// Paystack (https://paystack.com/docs/api/transaction/, https://paystack.com/docs/payments/webhooks/): initialize,
// verify, and the webhook signed with HMAC-SHA512. Shapes quoted in docs/payments.md.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { dec, MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import type { PaymentMethod } from '../providers.ts';
import {
  CallbackError, callProvider, describeReply, msisdn,
  type CollectRequest, type CollectResult, type IncomingCallback, type RailAccount, type RailCallback, type RailConnector, type RailOutcome, type SettledOutcome,
} from './rail.ts';

const CHANNELS: Record<PaymentMethod, string[]> = { MOBILE_MONEY: ['mobile_money'], CARD: ['card'], BANK_TRANSFER: ['bank_transfer'], CASH: [], WALLET: [], FINANCING: [] };

/** Amount in the currency's subunit (kobo, pesewas), as Paystack takes and reports it. */
export function toSubunits(amount: Decimal, currency: CurrencyCode): string {
  return amount.times(10 ** MINOR_UNITS[currency]).toFixed(0);
}

/** A transaction (verify's `data`, a webhook's `data`) as an outcome. */
export function paystackOutcome(data: any): SettledOutcome {
  const currency = data?.currency as CurrencyCode;
  switch (data?.status) {
    case 'success':
      return {
        status: 'SUCCEEDED',
        receipt: data.id != null ? String(data.id) : null,
        amount: Number.isInteger(data.amount) && currency in MINOR_UNITS ? dec(String(data.amount)).dividedBy(10 ** MINOR_UNITS[currency]) : null,
      };
    case 'failed':
    case 'abandoned':
    case 'reversed':
      return { status: 'FAILED', reason: `Paystack ${data.status}: ${data.gateway_response ?? ''}`.trim() };
    default:
      return { status: 'PENDING' };
  }
}

/** Whether `signature` is the hex HMAC-SHA512 of the raw body under the secret key (constant time). */
export function validPaystackSignature(secretKey: string, raw: Buffer, signature: string | undefined): boolean {
  if (!signature || !/^[0-9a-f]{128}$/i.test(signature)) return false;
  const expected = createHmac('sha512', secretKey).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(signature, 'hex'));
}

export class PaystackConnector implements RailConnector {
  readonly rail = 'PAYSTACK' as const;
  readonly methods: readonly PaymentMethod[] = ['MOBILE_MONEY', 'CARD', 'BANK_TRANSFER'];

  constructor(private readonly timeoutMs = 10_000) {}

  /** Our payment id is the Paystack reference: unique per account, and known before the call. */
  newReference(paymentId: string): string {
    return paymentId;
  }

  check(req: { amount: Decimal; currency: CurrencyCode }): string | null {
    return req.amount.decimalPlaces() > MINOR_UNITS[req.currency] ? `Paystack takes ${req.currency} amounts in whole subunits` : null;
  }

  /** Paystack posts events to the URL set on the account's dashboard; the request names none. */
  callbackUrl(_a: RailAccount, endpoint: string): string {
    return endpoint;
  }

  private auth(a: RailAccount) {
    return { authorization: `Bearer ${a.secrets.secretKey}` };
  }

  async collect(a: RailAccount, req: CollectRequest): Promise<CollectResult> {
    const reference = req.reference ?? req.paymentId;
    const r = await callProvider(`${a.baseUrl}/transaction/initialize`, {
      method: 'POST',
      headers: { ...this.auth(a), 'content-type': 'application/json' },
      body: JSON.stringify({
        // Paystack requires an email; finance holds none for customers, so the payer's number stands in (.invalid never delivers).
        email: `${msisdn(req.phone)}@payers.omniroute.invalid`,
        amount: toSubunits(req.amount, req.currency),
        currency: req.currency,
        reference,
        channels: CHANNELS[req.method],
        metadata: { paymentId: req.paymentId, phone: req.phone, invoice: req.description },
      }),
    }, this.timeoutMs);
    if (r.status === 200 && r.body?.status === true) return { status: 'PENDING', reference };
    // The reference is ours and unique: a duplicate means an earlier attempt of this very payment got through.
    if (r.status === 400 && /duplicate transaction reference/i.test(String(r.body?.message ?? ''))) return { status: 'PENDING', reference };
    if (r.status !== null && r.status >= 400 && r.status < 500) return { status: 'FAILED', reason: describeReply('PAYSTACK', r) };
    return { status: 'UNKNOWN', reason: describeReply('PAYSTACK', r) };
  }

  async status(a: RailAccount, p: { id: string; reference: string | null }): Promise<RailOutcome> {
    const r = await callProvider(`${a.baseUrl}/transaction/verify/${encodeURIComponent(p.reference ?? p.id)}`, { method: 'GET', headers: this.auth(a) }, this.timeoutMs);
    if (r.status === 400 && /not found/i.test(String(r.body?.message ?? ''))) return { status: 'NOT_FOUND' };
    if (r.status !== 200 || r.body?.status !== true) return { status: 'PENDING' };
    return paystackOutcome(r.body.data);
  }

  readCallback(a: RailAccount, cb: IncomingCallback): RailCallback | null {
    if (!validPaystackSignature(a.secrets.secretKey ?? '', cb.raw, cb.headers['x-paystack-signature'])) return null;
    let body: any;
    try {
      body = JSON.parse(cb.raw.toString('utf8'));
    } catch {
      throw new CallbackError('body is not JSON');
    }
    if (typeof body?.event !== 'string' || typeof body?.data?.reference !== 'string') throw new CallbackError('not a Paystack event');
    // Only charge.success moves a collection; other events (refunds, transfers…) are recorded, not applied.
    const outcome: SettledOutcome = body.event === 'charge.success' ? paystackOutcome(body.data) : { status: 'PENDING' };
    return { reference: body.data.reference, paymentId: null, outcome, payload: body };
  }
}
