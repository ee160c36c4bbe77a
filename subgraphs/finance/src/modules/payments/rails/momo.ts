// MTN MoMo Open API, Collection (https://momodeveloper.mtn.com/api-documentation): token, RequestToPay and its status.
// Shapes quoted in docs/payments.md.
import { randomUUID } from 'node:crypto';
import { MINOR_UNITS, type CurrencyCode, type Decimal } from '@omniroute/core';
import type { PaymentMethod } from '../providers.ts';
import {
  CallbackError, callbackJson, callProvider, describeReply, msisdn, notAccepted, ProviderError, reportedAmount, TokenCache, tokenCallbackUrl, verifiedCallbackId,
  type CallbackSubject, type CollectRequest, type CollectResult, type IncomingCallback, type RailAccount, type RailCallback, type RailConnector, type RailOutcome, type SettledOutcome,
} from './rail.ts';

/** A RequestToPayResult (status answer and callback body) as an outcome. */
export function momoOutcome(body: any): SettledOutcome {
  switch (body?.status) {
    case 'SUCCESSFUL':
      return { status: 'SUCCEEDED', receipt: body.financialTransactionId != null ? String(body.financialTransactionId) : null, amount: reportedAmount(body.amount) };
    case 'FAILED': {
      const reason = typeof body.reason === 'string' ? body.reason : body.reason?.code ?? 'FAILED';
      return { status: 'FAILED', reason: `MTN MoMo: ${reason}` };
    }
    default:
      return { status: 'PENDING' };
  }
}

/**
 * One MTN MoMo Open API product (`collection` or `disbursement`): its OAuth token (cached per account version) and
 * bearer calls with the product's subscription key, retried once with a fresh token on 401. Collections
 * (RequestToPay) and payouts (Transfer) share the submission under our X-Reference-Id, the status lookup and the
 * result callback.
 */
export class MomoApi {
  private readonly tokens = new TokenCache();

  constructor(
    private readonly product: 'collection' | 'disbursement',
    private readonly subscriptionKey: (a: RailAccount) => string,
    private readonly timeoutMs: number,
  ) {}

  private token(a: RailAccount): Promise<string> {
    return this.tokens.get(a.version, async () => {
      const basic = Buffer.from(`${a.secrets.apiUser}:${a.secrets.apiKey}`).toString('base64');
      const r = await callProvider(`${a.baseUrl}/${this.product}/token/`, { method: 'POST', headers: { authorization: `Basic ${basic}`, 'ocp-apim-subscription-key': this.subscriptionKey(a) } }, this.timeoutMs);
      if (r.status !== 200 || typeof r.body?.access_token !== 'string') throw new ProviderError(describeReply('MTN_MOMO', r), r.status === null || r.status >= 500);
      return { token: r.body.access_token, expiresInSec: Number(r.body.expires_in) || 3600 };
    });
  }

  async call(a: RailAccount, method: string, path: string, extra: Record<string, string> = {}, body?: string) {
    const headers = { 'ocp-apim-subscription-key': this.subscriptionKey(a), 'x-target-environment': a.secrets.targetEnvironment ?? 'sandbox' };
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(a);
      const r = await callProvider(`${a.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...headers, ...extra }, body }, this.timeoutMs);
      if (r.status === 401 && attempt === 0) {
        this.tokens.forget(a.version);
        continue;
      }
      return r;
    }
  }

  /**
   * Submits a RequestToPay or Transfer under our X-Reference-Id with its callback URL: 202 is accepted, and so is 409 —
   * a request with this X-Reference-Id exists already: ours, sent before a crash or a lost answer.
   */
  async submit(a: RailAccount, path: string, reference: string, callbackUrl: string, body: object): Promise<CollectResult> {
    let r;
    try {
      r = await this.call(a, 'POST', path, { 'x-reference-id': reference, 'x-callback-url': callbackUrl, 'content-type': 'application/json' }, JSON.stringify(body));
    } catch (e) {
      return { status: 'FAILED', reason: (e as Error).message };
    }
    if (r.status === 202 || r.status === 409) return { status: 'PENDING', reference };
    return notAccepted('MTN_MOMO', r);
  }

  /**
   * A result callback (RequestToPayResult, TransferResult) with the payment or payout its URL token names; null when
   * the token is not valid. The body names our externalId, not the X-Reference-Id: the id comes from the URL token.
   */
  readResult(a: RailAccount, cb: IncomingCallback, subject: CallbackSubject, what: string): { id: string; body: any } | null {
    const id = verifiedCallbackId(a, cb.query, subject);
    if (!id) return null;
    const body = callbackJson(cb);
    if (typeof body?.status !== 'string') throw new CallbackError(`not a ${what}`);
    if (body.externalId != null && String(body.externalId) !== id) throw new CallbackError('externalId does not match the callback URL');
    return { id, body };
  }

  /** A request's status by its X-Reference-Id (GET `<path><reference>`): NOT_FOUND on 404, PENDING while unreachable or not final. */
  async statusOf(a: RailAccount, path: string, reference: string | null): Promise<RailOutcome> {
    if (!reference) return { status: 'NOT_FOUND' };
    let r;
    try {
      r = await this.call(a, 'GET', `${path}${encodeURIComponent(reference)}`);
    } catch {
      return { status: 'PENDING' };
    }
    if (r.status === 404) return { status: 'NOT_FOUND' };
    if (r.status !== 200) return { status: 'PENDING' };
    return momoOutcome(r.body);
  }
}

export class MomoConnector implements RailConnector {
  readonly rail = 'MTN_MOMO' as const;
  readonly methods: readonly PaymentMethod[] = ['MOBILE_MONEY'];
  private readonly api: MomoApi;

  constructor(timeoutMs = 10_000) {
    this.api = new MomoApi('collection', (a) => a.secrets.subscriptionKey ?? '', timeoutMs);
  }

  /** X-Reference-Id: a UUID v4 we choose, so the request can be looked up even when its answer is lost. */
  newReference(): string {
    return randomUUID();
  }

  check(req: { amount: Decimal; currency: CurrencyCode }): string | null {
    return req.amount.decimalPlaces() > MINOR_UNITS[req.currency] ? `MTN MoMo takes ${req.currency} amounts with at most ${MINOR_UNITS[req.currency]} decimals` : null;
  }

  callbackUrl(account: RailAccount, endpoint: string, paymentId: string): string {
    return tokenCallbackUrl(account, endpoint, paymentId);
  }

  collect(a: RailAccount, req: CollectRequest): Promise<CollectResult> {
    return this.api.submit(a, '/collection/v1_0/requesttopay', req.reference ?? randomUUID(), req.callbackUrl, {
      amount: req.amount.toFixed(MINOR_UNITS[req.currency]),
      currency: req.currency,
      externalId: req.paymentId,
      payer: { partyIdType: 'MSISDN', partyId: msisdn(req.phone) },
      payerMessage: `Invoice ${req.description}`,
      payeeNote: req.description,
    });
  }

  status(a: RailAccount, p: { reference: string | null }): Promise<RailOutcome> {
    return this.api.statusOf(a, '/collection/v1_0/requesttopay/', p.reference);
  }

  readCallback(a: RailAccount, cb: IncomingCallback): RailCallback | null {
    const r = this.api.readResult(a, cb, 'payment', 'RequestToPayResult');
    return r && { reference: null, paymentId: r.id, outcome: momoOutcome(r.body), payload: r.body };
  }
}
