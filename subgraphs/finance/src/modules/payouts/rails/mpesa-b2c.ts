// Safaricom Daraja B2C (https://developer.safaricom.co.ke/APIs/BusinessToCustomer): `POST /mpesa/b2c/v3/paymentrequest`
// with the OAuth token, the initiator and its security credential; the outcome arrives as a Result at ResultURL.
// Shapes quoted in docs/payments.md.
import type { CurrencyCode, Decimal } from '@omniroute/core';
import {
  CallbackError, callbackJson, describeReply, msisdn, ProviderError, reportedAmount, tokenCallbackUrl, verifiedCallbackId, type IncomingCallback, type RailAccount, type RailOutcome,
} from '../../payments/rails/rail.ts';
import { DarajaApi, darajaDecimals } from '../../payments/rails/mpesa.ts';
import type { PayoutCallback, PayoutConnector, PayoutRequest, SendResult } from './payout-rail.ts';

export class MpesaB2cConnector implements PayoutConnector {
  readonly rail = 'MPESA' as const;
  private readonly api: DarajaApi;

  constructor(timeoutMs = 10_000) {
    this.api = new DarajaApi(timeoutMs);
  }

  newReference(): null {
    return null; // Daraja assigns the ConversationID
  }

  check(req: { amount: Decimal; currency: CurrencyCode }): string | null {
    const places = darajaDecimals(req.currency);
    return req.amount.decimalPlaces() > places ? `M-Pesa pays ${req.currency} amounts with at most ${places} decimals` : null;
  }

  missing(a: RailAccount): string[] {
    return ['initiatorName', 'securityCredential'].filter((k) => !a.secrets[k]);
  }

  callbackUrl(a: RailAccount, endpoint: string, payoutId: string): string {
    return tokenCallbackUrl(a, endpoint, payoutId, 'payout');
  }

  send(a: RailAccount, req: PayoutRequest): Promise<SendResult> {
    return this.api.submit(a, '/mpesa/b2c/v3/paymentrequest', {
      // The payout id: Daraja answers a repeated OriginatorConversationID with the first request, so a resend pays once.
      OriginatorConversationID: req.payoutId,
      InitiatorName: a.secrets.initiatorName,
      SecurityCredential: a.secrets.securityCredential,
      CommandID: 'BusinessPayment',
      Amount: null, // written by submit from the decimal's digits
      PartyA: a.secrets.shortCode,
      PartyB: msisdn(req.phone),
      Remarks: req.description.slice(0, 100),
      QueueTimeOutURL: req.callbackUrl,
      ResultURL: req.callbackUrl,
      Occassion: req.payoutId,
    }, req, 'ConversationID');
  }

  /**
   * Daraja's Transaction Status API (https://developer.safaricom.co.ke/APIs/TransactionStatus) for a payout whose Result
   * has not come: `POST /mpesa/transactionstatus/v1/query` naming the request by its OriginatorConversationID (our payout
   * id; no receipt is known yet). Daraja only accepts the query here — the answer is POSTed to ResultURL (the payout's
   * own result URL) and read by readCallback — so this says PENDING, or NOT_FOUND when Daraja refuses the reference.
   */
  async status(a: RailAccount, p: { id: string; callbackUrl: string }): Promise<RailOutcome> {
    const body = JSON.stringify({
      Initiator: a.secrets.initiatorName,
      SecurityCredential: a.secrets.securityCredential,
      CommandID: 'TransactionStatusQuery',
      TransactionID: '',
      OriginalConversationID: p.id,
      PartyA: a.secrets.shortCode,
      IdentifierType: '4',
      ResultURL: p.callbackUrl,
      QueueTimeOutURL: p.callbackUrl,
      Remarks: `Status of payout ${p.id}`.slice(0, 100),
      Occasion: p.id,
    });
    const r = await this.api.post(a, '/mpesa/transactionstatus/v1/query', body);
    if (r.status === 200 && r.body?.ResponseCode === '0') return { status: 'PENDING' };
    if (r.status === 400 && /Invalid (TransactionID|OriginalConversationID)/.test(String(r.body?.errorMessage ?? ''))) return { status: 'NOT_FOUND' };
    throw new ProviderError(describeReply('MPESA', r), r.status === null || r.status >= 500);
  }

  readCallback(a: RailAccount, cb: IncomingCallback): PayoutCallback | null {
    const payoutId = verifiedCallbackId(a, cb.query, 'payout');
    if (!payoutId) return null;
    const body = callbackJson(cb);
    const r = body?.Result;
    if (!r || r.ResultCode === undefined || typeof r.ConversationID !== 'string') throw new CallbackError('not a B2C Result');
    const params: { Key: string; Value?: unknown }[] = Array.isArray(r.ResultParameters?.ResultParameter) ? r.ResultParameters.ResultParameter : [];
    const value = (k: string) => params.find((p) => p.Key === k)?.Value;
    if (isStatusResult(r, params)) return readStatusResult(r, payoutId, body, value);
    if (Number(r.ResultCode) !== 0) return { reference: r.ConversationID, payoutId, outcome: { status: 'FAILED', reason: `M-Pesa ${r.ResultCode}: ${r.ResultDesc ?? 'failed'}` }, payload: body };
    return {
      reference: r.ConversationID,
      payoutId,
      outcome: { status: 'SUCCEEDED', receipt: String(value('TransactionReceipt') ?? r.TransactionID ?? ''), amount: reportedAmount(value('TransactionAmount')) },
      payload: body,
    };
  }
}

/**
 * A Transaction Status Result rather than the B2C Result: its parameters carry `TransactionStatus`, or (the query
 * itself failed) it is not a number-coded B2C result and names no B2C parameters. Its ConversationID is the query's,
 * never the payout's reference.
 */
function isStatusResult(r: any, params: { Key: string }[]): boolean {
  if (params.some((p) => p.Key === 'TransactionStatus')) return true;
  return !/^\d+$/.test(String(r.ResultCode)) && !params.some((p) => p.Key === 'TransactionReceipt');
}

function readStatusResult(r: any, payoutId: string, body: unknown, value: (k: string) => unknown): PayoutCallback {
  const status = String(value('TransactionStatus') ?? '');
  // the query failed, or the transaction is still in flight: nothing decided
  if (String(r.ResultCode) !== '0' || !/^(Completed|Failed|Cancelled|Declined|Reversed)$/i.test(status)) return { reference: null, payoutId, outcome: { status: 'PENDING' }, payload: body };
  if (!/^Completed$/i.test(status)) return { reference: null, payoutId, outcome: { status: 'FAILED', reason: `M-Pesa transaction ${status}${value('TransactionReason') ? `: ${String(value('TransactionReason'))}` : ''}` }, payload: body };
  const receipt = String(value('ReceiptNo') ?? r.TransactionID ?? '');
  return { reference: null, payoutId, outcome: { status: 'SUCCEEDED', receipt: receipt || null, amount: reportedAmount(value('Amount')) }, payload: body };
}
