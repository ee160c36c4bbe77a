// Paystack (https://paystack.com/docs/api/transaction/, https://paystack.com/docs/payments/webhooks/): initialize,
// verify, and the webhook signed with HMAC-SHA512. Shapes quoted in docs/payments.md.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { dec, MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import type { PaymentMethod } from '../providers.ts';
import {
  CallbackError, callbackJson, callProvider, msisdn, notAccepted, type ProviderReply,
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

/**
 * Paystack with one account's secret key: transactions (collections) and transfers (payouts) share the bearer calls,
 * the answer to a request under our reference, the verify lookup and the signed webhook.
 */
export class PaystackApi {
  constructor(private readonly timeoutMs: number) {}

  post(a: RailAccount, path: string, body: unknown): Promise<ProviderReply> {
    return callProvider(`${a.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${a.secrets.secretKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }, this.timeoutMs);
  }

  /**
   * What Paystack said to a request under our reference: `status: true` accepted it; a "duplicate … reference" (the
   * reference is ours and unique) means an earlier attempt of this very request got through.
   */
  answer(r: ProviderReply, reference: string, duplicate: RegExp): CollectResult {
    if (r.status === 200 && r.body?.status === true) return { status: 'PENDING', reference };
    if (r.status === 400 && duplicate.test(String(r.body?.message ?? ''))) return { status: 'PENDING', reference };
    return notAccepted('PAYSTACK', r);
  }

  /** GET `<path>` (transaction or transfer verify): NOT_FOUND when Paystack knows no such reference, PENDING without a clear answer. */
  async verify(a: RailAccount, path: string, outcome: (data: any) => SettledOutcome): Promise<RailOutcome> {
    const r = await callProvider(`${a.baseUrl}${path}`, { method: 'GET', headers: { authorization: `Bearer ${a.secrets.secretKey}` } }, this.timeoutMs);
    if (r.status === 400 && /not found/i.test(String(r.body?.message ?? ''))) return { status: 'NOT_FOUND' };
    if (r.status !== 200 || r.body?.status !== true) return { status: 'PENDING' };
    return outcome(r.body.data);
  }

  /** A webhook event signed under the account's secret key: null when the signature is not valid. */
  readEvent(a: RailAccount, cb: IncomingCallback, wanted: (event: string) => boolean, what: string): { event: string; data: any } | null {
    if (!validPaystackSignature(a.secrets.secretKey ?? '', cb.raw, cb.headers['x-paystack-signature'])) return null;
    const body = callbackJson(cb);
    if (typeof body?.event !== 'string' || !wanted(body.event) || typeof body?.data?.reference !== 'string') throw new CallbackError(`not a ${what}`);
    return body;
  }
}

export class PaystackConnector implements RailConnector {
  readonly rail = 'PAYSTACK' as const;
  readonly methods: readonly PaymentMethod[] = ['MOBILE_MONEY', 'CARD', 'BANK_TRANSFER'];
  private readonly api: PaystackApi;

  constructor(timeoutMs = 10_000) {
    this.api = new PaystackApi(timeoutMs);
  }

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

  async collect(a: RailAccount, req: CollectRequest): Promise<CollectResult> {
    const reference = req.reference ?? req.paymentId;
    const r = await this.api.post(a, '/transaction/initialize', {
      // Paystack requires an email; finance holds none for customers, so the payer's number stands in (.invalid never delivers).
      email: `${msisdn(req.phone)}@payers.omniroute.invalid`,
      amount: toSubunits(req.amount, req.currency),
      currency: req.currency,
      reference,
      channels: CHANNELS[req.method],
      metadata: { paymentId: req.paymentId, phone: req.phone, invoice: req.description },
    });
    return this.api.answer(r, reference, /duplicate transaction reference/i);
  }

  status(a: RailAccount, p: { id: string; reference: string | null }): Promise<RailOutcome> {
    return this.api.verify(a, `/transaction/verify/${encodeURIComponent(p.reference ?? p.id)}`, paystackOutcome);
  }

  readCallback(a: RailAccount, cb: IncomingCallback): RailCallback | null {
    const body = this.api.readEvent(a, cb, () => true, 'Paystack event');
    if (!body) return null;
    // Only charge.success moves a collection; other events (refunds, transfers…) are recorded, not applied.
    const outcome: SettledOutcome = body.event === 'charge.success' ? paystackOutcome(body.data) : { status: 'PENDING' };
    return { reference: body.data.reference, paymentId: null, outcome, payload: body };
  }
}
