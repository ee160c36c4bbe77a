// MTN MoMo Open API, Disbursement (https://momodeveloper.mtn.com/api-documentation): `POST /disbursement/token/`,
// `POST /disbursement/v1_0/transfer` (X-Reference-Id, X-Callback-Url; 202) and `GET /disbursement/v1_0/transfer/{referenceId}`
// (TransferResult). The callback carries the same TransferResult. Shapes quoted in docs/payments.md.
import { randomUUID } from 'node:crypto';
import { MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import { CallbackError, describeReply, msisdn, type IncomingCallback, type RailAccount, type RailOutcome } from '../../payments/rails/rail.ts';
import { MomoApi, momoOutcome } from '../../payments/rails/momo.ts';
import { payoutCallbackUrl, verifiedPayoutId, type PayoutCallback, type PayoutConnector, type PayoutRequest, type SendResult } from './payout-rail.ts';

export class MomoDisbursementConnector implements PayoutConnector {
  readonly rail = 'MTN_MOMO' as const;
  private readonly api: MomoApi;

  constructor(timeoutMs = 10_000) {
    this.api = new MomoApi('disbursement', (a) => a.secrets.disbursementSubscriptionKey ?? '', timeoutMs);
  }

  newReference(): string {
    return randomUUID();
  }

  check(req: { amount: Decimal; currency: CurrencyCode }): string | null {
    return req.amount.decimalPlaces() > MINOR_UNITS[req.currency] ? `MTN MoMo pays ${req.currency} amounts with at most ${MINOR_UNITS[req.currency]} decimals` : null;
  }

  missing(a: RailAccount): string[] {
    return a.secrets.disbursementSubscriptionKey ? [] : ['disbursementSubscriptionKey'];
  }

  callbackUrl(a: RailAccount, endpoint: string, payoutId: string): string {
    return payoutCallbackUrl(a, endpoint, payoutId);
  }

  async send(a: RailAccount, req: PayoutRequest): Promise<SendResult> {
    const reference = req.reference ?? randomUUID();
    let r;
    try {
      r = await this.api.call(a, 'POST', '/disbursement/v1_0/transfer', { 'x-reference-id': reference, 'x-callback-url': req.callbackUrl, 'content-type': 'application/json' }, JSON.stringify({
        amount: req.amount.toFixed(MINOR_UNITS[req.currency]),
        currency: req.currency,
        externalId: req.payoutId,
        payee: { partyIdType: 'MSISDN', partyId: msisdn(req.phone) },
        payerMessage: req.description.slice(0, 160),
        payeeNote: req.description.slice(0, 160),
      }));
    } catch (e) {
      return { status: 'FAILED', reason: (e as Error).message };
    }
    // 409: our X-Reference-Id exists already — this very transfer, sent before.
    if (r.status === 202 || r.status === 409) return { status: 'PENDING', reference };
    if (r.status !== null && r.status >= 400 && r.status < 500) return { status: 'FAILED', reason: describeReply('MTN_MOMO', r) };
    return { status: 'UNKNOWN', reason: describeReply('MTN_MOMO', r) };
  }

  status(a: RailAccount, p: { reference: string | null }): Promise<RailOutcome> {
    return this.api.statusOf(a, '/disbursement/v1_0/transfer/', p.reference);
  }

  readCallback(a: RailAccount, cb: IncomingCallback): PayoutCallback | null {
    const payoutId = verifiedPayoutId(a, cb.query);
    if (!payoutId) return null;
    let body: any;
    try {
      body = JSON.parse(cb.raw.toString('utf8'));
    } catch {
      throw new CallbackError('body is not JSON');
    }
    if (typeof body?.status !== 'string') throw new CallbackError('not a TransferResult');
    if (body.externalId != null && String(body.externalId) !== payoutId) throw new CallbackError('externalId does not match the callback URL');
    return { reference: null, payoutId, outcome: momoOutcome(body), payload: body };
  }
}
