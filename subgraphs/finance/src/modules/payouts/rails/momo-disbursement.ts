// MTN MoMo Open API, Disbursement (https://momodeveloper.mtn.com/api-documentation): `POST /disbursement/token/`,
// `POST /disbursement/v1_0/transfer` (X-Reference-Id, X-Callback-Url; 202) and `GET /disbursement/v1_0/transfer/{referenceId}`
// (TransferResult). The callback carries the same TransferResult. Shapes quoted in docs/payments.md.
import { randomUUID } from 'node:crypto';
import { MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import { msisdn, tokenCallbackUrl, type IncomingCallback, type RailAccount, type RailOutcome } from '../../payments/rails/rail.ts';
import { MomoApi, momoOutcome } from '../../payments/rails/momo.ts';
import type { PayoutCallback, PayoutConnector, PayoutRequest, SendResult } from './payout-rail.ts';

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
    return tokenCallbackUrl(a, endpoint, payoutId, 'payout');
  }

  send(a: RailAccount, req: PayoutRequest): Promise<SendResult> {
    return this.api.submit(a, '/disbursement/v1_0/transfer', req.reference ?? randomUUID(), req.callbackUrl, {
      amount: req.amount.toFixed(MINOR_UNITS[req.currency]),
      currency: req.currency,
      externalId: req.payoutId,
      payee: { partyIdType: 'MSISDN', partyId: msisdn(req.phone) },
      payerMessage: req.description.slice(0, 160),
      payeeNote: req.description.slice(0, 160),
    });
  }

  status(a: RailAccount, p: { reference: string | null }): Promise<RailOutcome> {
    return this.api.statusOf(a, '/disbursement/v1_0/transfer/', p.reference);
  }

  readCallback(a: RailAccount, cb: IncomingCallback): PayoutCallback | null {
    const r = this.api.readResult(a, cb, 'payout', 'TransferResult');
    return r && { reference: null, payoutId: r.id, outcome: momoOutcome(r.body), payload: r.body };
  }
}
