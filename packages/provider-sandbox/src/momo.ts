// MTN MoMo Open API, Collection product, as documented at https://momodeveloper.mtn.com/api-documentation:
// `POST /collection/token/` (Basic API user:API key + Ocp-Apim-Subscription-Key), `POST /collection/v1_0/requesttopay`
// (X-Reference-Id UUID, X-Target-Environment, X-Callback-Url; 202 Accepted, 409 on a reused reference) and
// `GET /collection/v1_0/requesttopay/{referenceId}` (RequestToPayResult: status PENDING | SUCCESSFUL | FAILED,
// reason). The callback to X-Callback-Url carries the same RequestToPayResult body.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { amountText, basicAuth, bearer, HttpReply, proceed, readJson, send, type Outcomes, type SandboxState, type SandboxTransaction } from './core.ts';

export interface MomoAccount {
  apiUser: string;
  apiKey: string;
  subscriptionKey: string;
  /** `sandbox` on MTN's sandbox; a market name (e.g. `mtnghana`) in production. */
  targetEnvironment?: string;
  /** Subscription key of the Disbursement product (each MoMo product has its own); absent: no disbursements. */
  disbursementSubscriptionKey?: string;
}

const transferOutcomes: Outcomes = {
  reason: (s) => (s === 'INSUFFICIENT_FUNDS' ? 'NOT_ENOUGH_FUNDS' : s === 'DECLINED' ? 'PAYEE_NOT_FOUND' : 'EXPIRED'),
  receipt: (t) => String(2_000_000_000 + Number(t.meta.n)),
};

/** TransferResult, as GET /disbursement/v1_0/transfer/{referenceId} and the callback carry it. */
export function transferResult(t: SandboxTransaction, status = t.status): Record<string, unknown> {
  return moneyResult(t, status, 'payee');
}

const outcomes: Outcomes = {
  reason: (s) => (s === 'INSUFFICIENT_FUNDS' ? 'NOT_ENOUGH_FUNDS' : s === 'DECLINED' ? 'APPROVAL_REJECTED' : 'EXPIRED'),
  receipt: (t) => String(1_000_000_000 + Number(t.meta.n)),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const momoError = (status: number, code: string, message: string) => new HttpReply(status, { code, message });

/** RequestToPayResult, as the status GET and the callback carry it. */
export function requestToPayResult(t: SandboxTransaction, status = t.status): Record<string, unknown> {
  return moneyResult(t, status, 'payer');
}

/** RequestToPayResult and TransferResult differ only in the party the phone belongs to. */
function moneyResult(t: SandboxTransaction, status: SandboxTransaction['status'], party: 'payer' | 'payee'): Record<string, unknown> {
  return {
    amount: t.amount,
    currency: t.currency,
    ...(status === 'SUCCEEDED' ? { financialTransactionId: t.receipt } : {}),
    externalId: t.meta.externalId,
    [party]: { partyIdType: 'MSISDN', partyId: t.phone },
    payerMessage: t.meta.payerMessage,
    payeeNote: t.meta.payeeNote,
    status: status === 'SUCCEEDED' ? 'SUCCESSFUL' : status,
    ...(status === 'FAILED' ? { reason: t.reason } : {}),
  };
}

/** One MoMo product (Collection, Disbursement): its own tokens, subscription key, party and results. */
interface MomoProduct {
  /** Where its paths start, and its resource: `/collection` + `requesttopay`, `/disbursement` + `transfer`. */
  prefix: string;
  resource: string;
  tokens: Map<string, { account: MomoAccount; expiresAt: number }>;
  keyOf: (a: MomoAccount) => string | undefined;
  /** Who the phone belongs to, and the error when it is not an MSISDN. */
  party: 'payer' | 'payee';
  partyError: [code: string, message: string];
  outcomes: Outcomes;
  result: (t: SandboxTransaction, status?: SandboxTransaction['status']) => Record<string, unknown>;
  /** Marks the product's transactions in `meta` (Collection's carry none). */
  kind?: string;
  /** The callback's method (MoMo calls back with PUT for transfers). */
  callbackMethod?: 'PUT';
}

export function momoRail(state: SandboxState, accounts: () => MomoAccount[]) {
  const collection: MomoProduct = {
    prefix: '/collection', resource: 'requesttopay', tokens: new Map(), keyOf: (x) => x.subscriptionKey, party: 'payer', partyError: ['PAYER_NOT_FOUND', 'Payer does not exist'], outcomes, result: requestToPayResult,
  };
  // Disbursement product: its own tokens, issued against its own subscription key.
  const disbursement: MomoProduct = {
    prefix: '/disbursement', resource: 'transfer', tokens: new Map(), keyOf: (x) => x.disbursementSubscriptionKey, party: 'payee', partyError: ['PAYEE_NOT_FOUND', 'Payee does not exist'], outcomes: transferOutcomes,
    result: transferResult, kind: 'payout', callbackMethod: 'PUT',
  };

  const lookUpPaths = new Map([collection, disbursement].map((p) => [p, new RegExp(`^/v1_0/${p.resource}/([^/]+)$`)]));

  const accountOf = (req: IncomingMessage, product: MomoProduct): MomoAccount => {
    const token = bearer(req);
    const t = token ? product.tokens.get(token) : undefined;
    if (!t || t.expiresAt < Date.now()) throw new HttpReply(401, { statusCode: 401, message: 'Access token is missing or invalid' });
    if (req.headers['ocp-apim-subscription-key'] !== product.keyOf(t.account)) {
      throw new HttpReply(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
    }
    if (req.headers['x-target-environment'] !== (t.account.targetEnvironment ?? 'sandbox')) throw momoError(400, 'NOT_ALLOWED_TARGET_ENVIRONMENT', 'Access to target environment is forbidden.');
    return t.account;
  };

  /** `POST /<product>/token/`: Basic apiUser:apiKey plus the product's subscription key → a bearer token for an hour. */
  const issueToken = (req: IncomingMessage, res: ServerResponse, { tokens: store, keyOf }: MomoProduct) => {
    const [user, key] = basicAuth(req) ?? [];
    const a = accounts().find((x) => x.apiUser === user && x.apiKey === key && !!keyOf(x) && keyOf(x) === req.headers['ocp-apim-subscription-key']);
    if (!a) throw new HttpReply(401, { error: 'login_failed' });
    const token = randomBytes(24).toString('base64url');
    store.set(token, { account: a, expiresAt: Date.now() + 3_600_000 });
    send(res, 200, { access_token: token, token_type: 'access_token', expires_in: 3600 });
  };

  /** `POST /collection/v1_0/requesttopay`, `POST /disbursement/v1_0/transfer`: 202 Accepted, the outcome later. */
  const create = async (req: IncomingMessage, res: ServerResponse, product: MomoProduct) => {
    const a = accountOf(req, product);
    const ref = String(req.headers['x-reference-id'] ?? '');
    if (!UUID.test(ref)) throw momoError(400, 'INVALID_REFERENCE_ID', 'X-Reference-Id must be a UUID version 4');
    const body = await readJson(req);
    if (state.get('MTN_MOMO', ref)) throw momoError(409, 'RESOURCE_ALREADY_EXIST', 'Duplicated reference id. Creation of resource failed.');
    const amount = amountText(body.amount, 2);
    if (!amount) throw momoError(400, 'INVALID_AMOUNT', 'amount must be a positive decimal string');
    if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) throw momoError(400, 'INVALID_CURRENCY', 'Currency not supported.');
    const party = body[product.party];
    if (party?.partyIdType !== 'MSISDN' || !/^\d{9,15}$/.test(String(party?.partyId ?? ''))) throw momoError(400, ...product.partyError);
    const callback = req.headers['x-callback-url'] as string | undefined;
    const txn = state.add({
      rail: 'MTN_MOMO', reference: ref, account: a.apiUser, amount, currency: body.currency, phone: String(party.partyId),
      meta: { n: state.next(), ...(product.kind ? { kind: product.kind } : {}), externalId: body.externalId, payerMessage: body.payerMessage, payeeNote: body.payeeNote },
    });
    const deliver = (t: SandboxTransaction, status?: SandboxTransaction['status']) =>
      callback ? state.deliver('MTN_MOMO', t.reference, callback, JSON.stringify(product.result(t, status)), {}, product.callbackMethod) : Promise.resolve(null);
    await proceed(state, txn, product.outcomes, (t) => ({ final: () => deliver(t), stale: () => deliver(t, 'PENDING') }));
    send(res, 202, undefined);
  };

  /** `GET …/requesttopay/{referenceId}`, `GET …/transfer/{referenceId}`: the result, for the account that made it. */
  const lookUp = (req: IncomingMessage, res: ServerResponse, product: MomoProduct, reference: string) => {
    const a = accountOf(req, product);
    const txn = state.get('MTN_MOMO', decodeURIComponent(reference));
    if (!txn || txn.account !== a.apiUser || (product.kind !== undefined && txn.meta.kind !== product.kind)) throw momoError(404, 'RESOURCE_NOT_FOUND', 'Requested resource was not found.');
    send(res, 200, product.result(txn));
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const product = [disbursement, collection].find((p) => url.pathname.startsWith(`${p.prefix}/`));
    if (!product) return false;
    const path = url.pathname.slice(product.prefix.length);
    if (req.method === 'POST' && path === '/token/') {
      issueToken(req, res, product);
      return true;
    }
    if (req.method === 'POST' && path === `/v1_0/${product.resource}`) {
      await create(req, res, product);
      return true;
    }
    const m = lookUpPaths.get(product)!.exec(path);
    if (req.method === 'GET' && m) {
      lookUp(req, res, product, m[1]!);
      return true;
    }
    return false;
  };
}
