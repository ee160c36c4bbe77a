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
  return {
    amount: t.amount,
    currency: t.currency,
    ...(status === 'SUCCEEDED' ? { financialTransactionId: t.receipt } : {}),
    externalId: t.meta.externalId,
    payee: { partyIdType: 'MSISDN', partyId: t.phone },
    payerMessage: t.meta.payerMessage,
    payeeNote: t.meta.payeeNote,
    status: status === 'SUCCEEDED' ? 'SUCCESSFUL' : status,
    ...(status === 'FAILED' ? { reason: t.reason } : {}),
  };
}

const outcomes: Outcomes = {
  reason: (s) => (s === 'INSUFFICIENT_FUNDS' ? 'NOT_ENOUGH_FUNDS' : s === 'DECLINED' ? 'APPROVAL_REJECTED' : 'EXPIRED'),
  receipt: (t) => String(1_000_000_000 + Number(t.meta.n)),
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const momoError = (status: number, code: string, message: string) => new HttpReply(status, { code, message });

/** RequestToPayResult, as the status GET and the callback carry it. */
export function requestToPayResult(t: SandboxTransaction, status = t.status): Record<string, unknown> {
  return {
    amount: t.amount,
    currency: t.currency,
    ...(status === 'SUCCEEDED' ? { financialTransactionId: t.receipt } : {}),
    externalId: t.meta.externalId,
    payer: { partyIdType: 'MSISDN', partyId: t.phone },
    payerMessage: t.meta.payerMessage,
    payeeNote: t.meta.payeeNote,
    status: status === 'SUCCEEDED' ? 'SUCCESSFUL' : status,
    ...(status === 'FAILED' ? { reason: t.reason } : {}),
  };
}

export function momoRail(state: SandboxState, accounts: () => MomoAccount[]) {
  const tokens = new Map<string, { account: MomoAccount; expiresAt: number }>();
  const accountOf = (req: IncomingMessage): MomoAccount => {
    const token = bearer(req);
    const t = token ? tokens.get(token) : undefined;
    if (!t || t.expiresAt < Date.now()) throw new HttpReply(401, { statusCode: 401, message: 'Access token is missing or invalid' });
    if (req.headers['ocp-apim-subscription-key'] !== t.account.subscriptionKey) {
      throw new HttpReply(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
    }
    if (req.headers['x-target-environment'] !== (t.account.targetEnvironment ?? 'sandbox')) throw momoError(400, 'NOT_ALLOWED_TARGET_ENVIRONMENT', 'Access to target environment is forbidden.');
    return t.account;
  };

  // Disbursement product: its own tokens, issued against its own subscription key.
  const payoutTokens = new Map<string, { account: MomoAccount; expiresAt: number }>();
  const payoutAccountOf = (req: IncomingMessage): MomoAccount => {
    const token = bearer(req);
    const t = token ? payoutTokens.get(token) : undefined;
    if (!t || t.expiresAt < Date.now()) throw new HttpReply(401, { statusCode: 401, message: 'Access token is missing or invalid' });
    if (req.headers['ocp-apim-subscription-key'] !== t.account.disbursementSubscriptionKey) throw new HttpReply(401, { statusCode: 401, message: 'Access denied due to invalid subscription key.' });
    if (req.headers['x-target-environment'] !== (t.account.targetEnvironment ?? 'sandbox')) throw momoError(400, 'NOT_ALLOWED_TARGET_ENVIRONMENT', 'Access to target environment is forbidden.');
    return t.account;
  };

  /** `POST /<product>/token/`: Basic apiUser:apiKey plus the product's subscription key → a bearer token for an hour. */
  const issueToken = (req: IncomingMessage, res: ServerResponse, store: typeof tokens, keyOf: (a: MomoAccount) => string | undefined) => {
    const [user, key] = basicAuth(req) ?? [];
    const a = accounts().find((x) => x.apiUser === user && x.apiKey === key && !!keyOf(x) && keyOf(x) === req.headers['ocp-apim-subscription-key']);
    if (!a) throw new HttpReply(401, { error: 'login_failed' });
    const token = randomBytes(24).toString('base64url');
    store.set(token, { account: a, expiresAt: Date.now() + 3_600_000 });
    send(res, 200, { access_token: token, token_type: 'access_token', expires_in: 3600 });
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method === 'POST' && url.pathname === '/disbursement/token/') {
      issueToken(req, res, payoutTokens, (x) => x.disbursementSubscriptionKey);
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/disbursement/v1_0/transfer') {
      const a = payoutAccountOf(req);
      const ref = String(req.headers['x-reference-id'] ?? '');
      if (!UUID.test(ref)) throw momoError(400, 'INVALID_REFERENCE_ID', 'X-Reference-Id must be a UUID version 4');
      const body = await readJson(req);
      if (state.get('MTN_MOMO', ref)) throw momoError(409, 'RESOURCE_ALREADY_EXIST', 'Duplicated reference id. Creation of resource failed.');
      const amount = amountText(body.amount, 2);
      if (!amount) throw momoError(400, 'INVALID_AMOUNT', 'amount must be a positive decimal string');
      if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) throw momoError(400, 'INVALID_CURRENCY', 'Currency not supported.');
      if (body.payee?.partyIdType !== 'MSISDN' || !/^\d{9,15}$/.test(String(body.payee?.partyId ?? ''))) throw momoError(400, 'PAYEE_NOT_FOUND', 'Payee does not exist');
      const callback = req.headers['x-callback-url'] as string | undefined;
      const txn = state.add({
        rail: 'MTN_MOMO', reference: ref, account: a.apiUser, amount, currency: body.currency, phone: String(body.payee.partyId),
        meta: { n: state.next(), kind: 'payout', externalId: body.externalId, payerMessage: body.payerMessage, payeeNote: body.payeeNote },
      });
      // MoMo calls back with PUT for transfers.
      const deliver = (t: SandboxTransaction, status?: SandboxTransaction['status']) =>
        callback ? state.deliver('MTN_MOMO', t.reference, callback, JSON.stringify(transferResult(t, status)), {}, 'PUT') : Promise.resolve(null);
      await proceed(state, txn, transferOutcomes, (t) => ({ final: () => deliver(t), stale: () => deliver(t, 'PENDING') }));
      send(res, 202, undefined);
      return true;
    }
    const tm = /^\/disbursement\/v1_0\/transfer\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && tm) {
      const a = payoutAccountOf(req);
      const txn = state.get('MTN_MOMO', decodeURIComponent(tm[1]!));
      if (!txn || txn.account !== a.apiUser || txn.meta.kind !== 'payout') throw momoError(404, 'RESOURCE_NOT_FOUND', 'Requested resource was not found.');
      send(res, 200, transferResult(txn));
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/collection/token/') {
      issueToken(req, res, tokens, (x) => x.subscriptionKey);
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/collection/v1_0/requesttopay') {
      const a = accountOf(req);
      const ref = String(req.headers['x-reference-id'] ?? '');
      if (!UUID.test(ref)) throw momoError(400, 'INVALID_REFERENCE_ID', 'X-Reference-Id must be a UUID version 4');
      const body = await readJson(req);
      if (state.get('MTN_MOMO', ref)) throw momoError(409, 'RESOURCE_ALREADY_EXIST', 'Duplicated reference id. Creation of resource failed.');
      const amount = amountText(body.amount, 2);
      if (!amount) throw momoError(400, 'INVALID_AMOUNT', 'amount must be a positive decimal string');
      if (typeof body.currency !== 'string' || !/^[A-Z]{3}$/.test(body.currency)) throw momoError(400, 'INVALID_CURRENCY', 'Currency not supported.');
      if (body.payer?.partyIdType !== 'MSISDN' || !/^\d{9,15}$/.test(String(body.payer?.partyId ?? ''))) throw momoError(400, 'PAYER_NOT_FOUND', 'Payer does not exist');
      const callback = req.headers['x-callback-url'] as string | undefined;
      const txn = state.add({
        rail: 'MTN_MOMO', reference: ref, account: a.apiUser, amount, currency: body.currency, phone: String(body.payer.partyId),
        meta: { n: state.next(), externalId: body.externalId, payerMessage: body.payerMessage, payeeNote: body.payeeNote },
      });
      const deliver = (t: SandboxTransaction, status?: SandboxTransaction['status']) =>
        callback ? state.deliver('MTN_MOMO', t.reference, callback, JSON.stringify(requestToPayResult(t, status))) : Promise.resolve(null);
      await proceed(state, txn, outcomes, (t) => ({ final: () => deliver(t), stale: () => deliver(t, 'PENDING') }));
      send(res, 202, undefined);
      return true;
    }
    const m = /^\/collection\/v1_0\/requesttopay\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && m) {
      const a = accountOf(req);
      const txn = state.get('MTN_MOMO', decodeURIComponent(m[1]!));
      if (!txn || txn.account !== a.apiUser) throw momoError(404, 'RESOURCE_NOT_FOUND', 'Requested resource was not found.');
      send(res, 200, requestToPayResult(txn));
      return true;
    }
    return false;
  };
}
