// Safaricom Daraja (https://developer.safaricom.co.ke): Authorization (OAuth client credentials), M-Pesa Express
// (STK push) and M-Pesa Express Query. Shapes quoted in docs/payments.md.
import { MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import type { PaymentMethod } from '../providers.ts';
import {
  CallbackError, callbackJson, callProvider, describeReply, msisdn, notAccepted, ProviderError, reportedAmount, TokenCache, tokenCallbackUrl, verifiedCallbackId,
  type CollectRequest, type CollectResult, type IncomingCallback, type RailAccount, type RailCallback, type RailConnector, type RailOutcome,
} from './rail.ts';

/** Daraja's timestamps are East Africa Time (UTC+3) as YYYYMMDDHHmmss; the STK password is built from one. */
export function darajaTimestamp(at: Date): string {
  return new Date(at.getTime() + 3 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** Daraja's `Amount`: whole shillings for KES (Safaricom takes no cents); other M-Pesa markets take the currency's minor units. */
export function darajaDecimals(currency: CurrencyCode): number {
  return currency === 'KES' ? 0 : MINOR_UNITS[currency];
}

const PENDING_QUERY = '500.001.1001';

/**
 * Daraja for one account: its OAuth token (cached per account version) and bearer POSTs, retried once with a fresh
 * token when Daraja says it is invalid (401). Collections (STK push) and payouts (B2C) share the submission.
 */
export class DarajaApi {
  private readonly tokens = new TokenCache();

  constructor(private readonly timeoutMs: number) {}

  private token(a: RailAccount): Promise<string> {
    return this.tokens.get(a.version, async () => {
      const basic = Buffer.from(`${a.secrets.consumerKey}:${a.secrets.consumerSecret}`).toString('base64');
      const r = await callProvider(`${a.baseUrl}/oauth/v1/generate?grant_type=client_credentials`, { method: 'GET', headers: { authorization: `Basic ${basic}` } }, this.timeoutMs);
      if (r.status !== 200 || typeof r.body?.access_token !== 'string') throw new ProviderError(describeReply('MPESA', r), r.status === null || r.status >= 500);
      return { token: r.body.access_token, expiresInSec: Number(r.body.expires_in) || 3599 };
    });
  }

  async post(a: RailAccount, path: string, body: string) {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(a);
      const r = await callProvider(`${a.baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body }, this.timeoutMs);
      if (r.status !== 401 || attempt > 0) return r;
      this.tokens.forget(a.version);
    }
  }

  /**
   * Submits an STK push or a B2C payment request; Daraja's id of it (`idField`: CheckoutRequestID, ConversationID) is
   * the reference. `Amount` is a JSON number in Daraja; it is written from the decimal's digits so no float ever holds
   * the money. Without a token nothing was sent, so nothing can have been taken: FAILED.
   */
  async submit(a: RailAccount, path: string, fields: Record<string, unknown>, amount: { amount: Decimal; currency: CurrencyCode }, idField: string): Promise<CollectResult> {
    let r;
    try {
      const body = JSON.stringify({ ...fields, Amount: '__AMOUNT__' }).replace('"__AMOUNT__"', amount.amount.toFixed(darajaDecimals(amount.currency)));
      r = await this.post(a, path, body);
    } catch (e) {
      return { status: 'FAILED', reason: (e as Error).message };
    }
    if (r.status === 200 && r.body?.ResponseCode === '0' && typeof r.body[idField] === 'string') return { status: 'PENDING', reference: r.body[idField] };
    return notAccepted('MPESA', r);
  }
}

export class MpesaConnector implements RailConnector {
  readonly rail = 'MPESA' as const;
  readonly methods: readonly PaymentMethod[] = ['MOBILE_MONEY'];
  private readonly api: DarajaApi;

  constructor(timeoutMs = 10_000) {
    this.api = new DarajaApi(timeoutMs);
  }

  newReference(): null {
    return null; // Daraja assigns the CheckoutRequestID
  }

  check(req: { amount: Decimal; currency: CurrencyCode }): string | null {
    const places = darajaDecimals(req.currency);
    return req.amount.decimalPlaces() > places ? `M-Pesa takes ${req.currency} amounts with at most ${places} decimals` : null;
  }

  callbackUrl(account: RailAccount, endpoint: string, paymentId: string): string {
    return tokenCallbackUrl(account, endpoint, paymentId);
  }

  /** BusinessShortCode, Password and Timestamp, which every STK call carries. */
  private stkAuth(a: RailAccount, at = new Date()) {
    const timestamp = darajaTimestamp(at);
    return { BusinessShortCode: a.secrets.shortCode, Password: Buffer.from(`${a.secrets.shortCode}${a.secrets.passkey}${timestamp}`).toString('base64'), Timestamp: timestamp };
  }

  collect(a: RailAccount, req: CollectRequest): Promise<CollectResult> {
    const phone = msisdn(req.phone);
    return this.api.submit(a, '/mpesa/stkpush/v1/processrequest', {
      ...this.stkAuth(a),
      TransactionType: 'CustomerPayBillOnline',
      Amount: null, // written by submit from the decimal's digits
      PartyA: phone,
      PartyB: a.secrets.shortCode,
      PhoneNumber: phone,
      CallBackURL: req.callbackUrl,
      AccountReference: req.description.slice(0, 12),
      TransactionDesc: `Invoice ${req.description}`.slice(0, 13),
    }, req, 'CheckoutRequestID');
  }

  async status(a: RailAccount, p: { reference: string | null }): Promise<RailOutcome> {
    // Without the CheckoutRequestID (the push's answer never came) only the callback can tell.
    if (!p.reference) return { status: 'PENDING' };
    let r;
    try {
      r = await this.api.post(a, '/mpesa/stkpushquery/v1/query', JSON.stringify({ ...this.stkAuth(a), CheckoutRequestID: p.reference }));
    } catch {
      return { status: 'PENDING' };
    }
    if (r.status === 200 && r.body?.ResultCode !== undefined) {
      return String(r.body.ResultCode) === '0' ? { status: 'SUCCEEDED', receipt: null, amount: null } : { status: 'FAILED', reason: `M-Pesa ${r.body.ResultCode}: ${r.body.ResultDesc ?? 'failed'}` };
    }
    if (r.status === 400 && /CheckoutRequestID/i.test(String(r.body?.errorMessage ?? ''))) return { status: 'NOT_FOUND' };
    if (r.body?.errorCode === PENDING_QUERY) return { status: 'PENDING' };
    return { status: 'PENDING' };
  }

  readCallback(a: RailAccount, cb: IncomingCallback): RailCallback | null {
    const paymentId = verifiedCallbackId(a, cb.query, 'payment');
    if (!paymentId) return null;
    const body = callbackJson(cb);
    const s = body?.Body?.stkCallback;
    if (!s || typeof s.CheckoutRequestID !== 'string' || s.ResultCode === undefined) throw new CallbackError('not an stkCallback');
    if (Number(s.ResultCode) !== 0) return { reference: s.CheckoutRequestID, paymentId, outcome: { status: 'FAILED', reason: `M-Pesa ${s.ResultCode}: ${s.ResultDesc ?? 'failed'}` }, payload: body };
    const items: { Name: string; Value?: unknown }[] = Array.isArray(s.CallbackMetadata?.Item) ? s.CallbackMetadata.Item : [];
    const item = (n: string) => items.find((i) => i.Name === n)?.Value;
    return {
      reference: s.CheckoutRequestID,
      paymentId,
      outcome: { status: 'SUCCEEDED', receipt: item('MpesaReceiptNumber') != null ? String(item('MpesaReceiptNumber')) : null, amount: reportedAmount(item('Amount')) },
      payload: body,
    };
  }
}
