// Safaricom Daraja, as documented at https://developer.safaricom.co.ke (Authorization, M-Pesa Express "STK push",
// M-Pesa Express Query): OAuth client-credentials token, STK push with the Base64(ShortCode+Passkey+Timestamp)
// password, the result callback `Body.stkCallback`, and the query. Errors use Daraja's `{ requestId, errorCode,
// errorMessage }` shape.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { amountText, basicAuth, bearer, HttpReply, proceed, readJson, send, type Outcomes, type SandboxState, type SandboxTransaction } from './core.ts';

export interface MpesaAccount {
  consumerKey: string;
  consumerSecret: string;
  shortCode: string;
  passkey: string;
  /** What the short code settles in; Daraja itself has no currency field (KES: whole amounts only). */
  currency?: string;
  /** B2C: the API operator's name and the security credential (the initiator password encrypted with Safaricom's certificate). */
  initiatorName?: string;
  securityCredential?: string;
}

/** B2C failures by scenario: Daraja's ResultCode and ResultDesc. */
const B2C_FAILURES: Record<string, [number, string]> = {
  INSUFFICIENT_FUNDS: [1, 'The balance is insufficient for the transaction.'],
  DECLINED: [2040, 'Credit Party customer type (Unregistered or Registered Customer) can\'t be supported by the service.'],
  EXPIRED: [1037, 'DS timeout user cannot be reached'],
};
const b2cOutcomes: Outcomes = {
  reason: (s) => B2C_FAILURES[s]?.[1] ?? 'failed',
  receipt: (t) => `SBP${String(t.meta.n).padStart(7, '0')}`,
};

/** The Result body Daraja POSTs to a B2C request's ResultURL. */
export function b2cResultBody(t: SandboxTransaction): Record<string, unknown> {
  const ok = t.status === 'SUCCEEDED';
  const failure = B2C_FAILURES[t.scenario];
  return {
    Result: {
      ResultType: 0,
      ResultCode: ok ? 0 : failure?.[0] ?? 1,
      ResultDesc: ok ? 'The service request is processed successfully.' : t.reason,
      OriginatorConversationID: t.meta.originatorConversationId,
      ConversationID: t.reference,
      TransactionID: ok ? t.receipt : t.reference.slice(-10).toUpperCase(),
      ...(ok
        ? {
            ResultParameters: {
              ResultParameter: [
                { Key: 'TransactionAmount', Value: Number(t.amount) },
                { Key: 'TransactionReceipt', Value: t.receipt },
                { Key: 'ReceiverPartyPublicName', Value: `${t.phone} - Sandbox Recipient` },
                { Key: 'TransactionCompletedDateTime', Value: completedDateTime(t.settledAt ?? new Date()) },
                { Key: 'B2CUtilityAccountAvailableFunds', Value: 10116.0 },
                { Key: 'B2CWorkingAccountAvailableFunds', Value: 900000.0 },
                { Key: 'B2CRecipientIsRegisteredCustomer', Value: 'Y' },
                { Key: 'B2CChargesPaidAccountAvailableFunds', Value: -4510.0 },
              ],
            },
          }
        : {}),
      ReferenceData: { ReferenceItem: { Key: 'QueueTimeoutURL', Value: t.meta.queueTimeoutUrl } },
    },
  };
}

/**
 * The Result of a Transaction Status query: ResultCode 0 when the query was answered, with the transaction's state in
 * ResultParameters (`TransactionStatus`: Completed, Failed, or Pending while the sandbox has no outcome yet); an unknown
 * transaction fails the query itself (a non-zero ResultCode, no parameters).
 */
export function transactionStatusResult(t: SandboxTransaction | null, query: { originator: string; conversation: string }, a: MpesaAccount): Record<string, unknown> {
  if (!t) {
    return { Result: { ResultType: 0, ResultCode: 'R000001', ResultDesc: 'The transaction could not be found.', OriginatorConversationID: query.originator, ConversationID: query.conversation, TransactionID: '' } };
  }
  const state = t.status === 'SUCCEEDED' ? 'Completed' : t.status === 'FAILED' ? 'Failed' : 'Pending';
  const at = Number(darajaTimestamp(t.settledAt ?? new Date()));
  return {
    Result: {
      ResultType: 0,
      ResultCode: 0,
      ResultDesc: 'The service request is processed successfully.',
      OriginatorConversationID: query.originator,
      ConversationID: query.conversation,
      TransactionID: t.receipt ?? '',
      ResultParameters: {
        ResultParameter: [
          { Key: 'DebitPartyName', Value: `${a.shortCode} - Sandbox Business` },
          { Key: 'CreditPartyName', Value: `${t.phone} - Sandbox Recipient` },
          { Key: 'OriginatorConversationID', Value: t.meta.originatorConversationId },
          { Key: 'InitiatedTime', Value: Number(darajaTimestamp(t.createdAt ?? new Date())) },
          { Key: 'DebitAccountType', Value: 'Utility Account' },
          { Key: 'DebitPartyCharges', Value: '' },
          { Key: 'TransactionReason', Value: state === 'Failed' ? t.reason ?? '' : '' },
          { Key: 'ReasonType', Value: 'Business Payment to Customer via API' },
          { Key: 'TransactionStatus', Value: state },
          { Key: 'FinalisedTime', Value: at },
          { Key: 'Amount', Value: Number(t.amount) },
          { Key: 'ConversationID', Value: t.reference },
          { Key: 'ReceiptNo', Value: state === 'Completed' ? t.receipt : '' },
        ],
      },
      ReferenceData: { ReferenceItem: { Key: 'Occasion', Value: t.meta.occasion ?? '' } },
    },
  };
}

/** Daraja's "19.12.2019 11:45:50" (East Africa Time). */
function completedDateTime(at: Date): string {
  const s = darajaTimestamp(at);
  return `${s.slice(6, 8)}.${s.slice(4, 6)}.${s.slice(0, 4)} ${s.slice(8, 10)}:${s.slice(10, 12)}:${s.slice(12, 14)}`;
}

const outcomes: Outcomes = {
  reason: (s) =>
    s === 'INSUFFICIENT_FUNDS' ? 'The balance is insufficient for the transaction.' : s === 'DECLINED' ? 'Request cancelled by user' : 'DS timeout user cannot be reached',
  receipt: (t) => `SBX${String(t.meta.n).padStart(7, '0')}`,
};
const RESULT_CODES: Record<string, number> = {
  'The balance is insufficient for the transaction.': 1,
  'Request cancelled by user': 1032,
  'DS timeout user cannot be reached': 1037,
};

const darajaError = (status: number, errorCode: string, errorMessage: string) =>
  new HttpReply(status, { requestId: `${Date.now()}-sandbox`, errorCode, errorMessage });

/** The callback body Daraja POSTs to CallBackURL once the customer answered (or did not). */
export function stkCallbackBody(t: SandboxTransaction): Record<string, unknown> {
  const ok = t.status === 'SUCCEEDED';
  const at = t.settledAt ?? new Date();
  const stamp = Number(darajaTimestamp(at));
  return {
    Body: {
      stkCallback: {
        MerchantRequestID: t.meta.merchantRequestId,
        CheckoutRequestID: t.reference,
        ResultCode: ok ? 0 : RESULT_CODES[t.reason ?? ''] ?? 1,
        ResultDesc: ok ? 'The service request is processed successfully.' : t.reason,
        ...(ok
          ? {
              CallbackMetadata: {
                Item: [
                  { Name: 'Amount', Value: Number(t.amount) },
                  { Name: 'MpesaReceiptNumber', Value: t.receipt },
                  { Name: 'TransactionDate', Value: stamp },
                  { Name: 'PhoneNumber', Value: Number(t.phone) },
                ],
              },
            }
          : {}),
      },
    },
  };
}

/** Daraja's timestamps are East Africa Time (UTC+3), YYYYMMDDHHmmss. */
export function darajaTimestamp(at: Date): string {
  return new Date(at.getTime() + 3 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
}

/** B2C and Transaction Status: the account's initiator and its credential, and a command the API takes. */
function checkInitiator(a: MpesaAccount, body: Record<string, any>, field: 'InitiatorName' | 'Initiator', commands: string[]) {
  if (!a.initiatorName || body[field] !== a.initiatorName || body.SecurityCredential !== a.securityCredential) {
    throw darajaError(400, '400.002.02', `Bad Request - Invalid ${field} or SecurityCredential`);
  }
  if (!commands.includes(body.CommandID)) throw darajaError(400, '400.002.02', 'Bad Request - Invalid CommandID');
}

export function mpesaRail(state: SandboxState, accounts: () => MpesaAccount[]) {
  const tokens = new Map<string, { account: MpesaAccount; expiresAt: number }>();
  const accountOf = (req: IncomingMessage): MpesaAccount => {
    const token = bearer(req);
    const t = token ? tokens.get(token) : undefined;
    if (!t || t.expiresAt < Date.now()) throw darajaError(401, '404.001.03', 'Invalid Access Token');
    return t.account;
  };
  const checkPassword = (a: MpesaAccount, body: any) => {
    if (String(body.BusinessShortCode) !== a.shortCode) throw darajaError(400, '400.002.02', 'Bad Request - Invalid BusinessShortCode');
    if (typeof body.Timestamp !== 'string' || !/^\d{14}$/.test(body.Timestamp)) throw darajaError(400, '400.002.02', 'Bad Request - Invalid Timestamp');
    const expected = Buffer.from(a.shortCode + a.passkey + body.Timestamp).toString('base64');
    if (body.Password !== expected) throw darajaError(400, '400.002.02', 'Bad Request - Invalid Password');
  };

  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    if (req.method === 'GET' && url.pathname === '/oauth/v1/generate') {
      const [key, secret] = basicAuth(req) ?? [];
      const a = accounts().find((x) => x.consumerKey === key && x.consumerSecret === secret);
      if (!a || url.searchParams.get('grant_type') !== 'client_credentials') throw darajaError(400, '400.008.01', 'Invalid Authentication passed');
      const token = randomBytes(18).toString('base64url');
      tokens.set(token, { account: a, expiresAt: Date.now() + 3_599_000 });
      send(res, 200, { access_token: token, expires_in: '3599' });
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/mpesa/stkpush/v1/processrequest') {
      const a = accountOf(req);
      const body = await readJson(req);
      checkPassword(a, body);
      const decimals = (a.currency ?? 'KES') === 'KES' ? 0 : 2;
      const amount = amountText(body.Amount, decimals);
      if (!amount) throw darajaError(400, '400.002.02', 'Bad Request - Invalid Amount');
      const phone = String(body.PhoneNumber ?? '');
      if (!/^\d{9,15}$/.test(phone) || String(body.PartyA) !== phone) throw darajaError(400, '400.002.02', 'Bad Request - Invalid PhoneNumber');
      if (String(body.PartyB) !== a.shortCode) throw darajaError(400, '400.002.02', 'Bad Request - Invalid PartyB');
      if (body.TransactionType !== 'CustomerPayBillOnline' && body.TransactionType !== 'CustomerBuyGoodsOnline') throw darajaError(400, '400.002.02', 'Bad Request - Invalid TransactionType');
      let callback: URL;
      try {
        callback = new URL(String(body.CallBackURL));
      } catch {
        throw darajaError(400, '400.002.02', 'Bad Request - Invalid CallBackURL');
      }
      const n = state.next();
      const txn = state.add({
        rail: 'MPESA', reference: `ws_CO_${darajaTimestamp(new Date())}${String(n).padStart(6, '0')}`, account: a.consumerKey, amount, currency: a.currency ?? 'KES', phone,
        meta: { n, merchantRequestId: `${29000 + n}-${34620000 + n}-1`, accountReference: body.AccountReference, callbackUrl: callback.toString() },
      });
      await proceed(state, txn, outcomes, (t) => ({ final: () => state.deliver('MPESA', t.reference, callback.toString(), JSON.stringify(stkCallbackBody(t))) }));
      send(res, 200, {
        MerchantRequestID: txn.meta.merchantRequestId, CheckoutRequestID: txn.reference, ResponseCode: '0',
        ResponseDescription: 'Success. Request accepted for processing', CustomerMessage: 'Success. Request accepted for processing',
      });
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/mpesa/b2c/v3/paymentrequest') {
      // B2C (https://developer.safaricom.co.ke/APIs/BusinessToCustomer): pay a customer's M-Pesa from the short code.
      const a = accountOf(req);
      const body = await readJson(req);
      checkInitiator(a, body, 'InitiatorName', ['BusinessPayment', 'SalaryPayment', 'PromotionPayment']);
      if (String(body.PartyA) !== a.shortCode) throw darajaError(400, '400.002.02', 'Bad Request - Invalid PartyA');
      const phone = String(body.PartyB ?? '');
      if (!/^\d{9,15}$/.test(phone)) throw darajaError(400, '400.002.02', 'Bad Request - Invalid PartyB');
      const amount = amountText(body.Amount, (a.currency ?? 'KES') === 'KES' ? 0 : 2);
      if (!amount) throw darajaError(400, '400.002.02', 'Bad Request - Invalid Amount');
      const originator = String(body.OriginatorConversationID ?? '');
      if (!/^[\w-]{1,100}$/.test(originator)) throw darajaError(400, '400.002.02', 'Bad Request - Invalid OriginatorConversationID');
      const result = resultUrl(body);
      // A repeated OriginatorConversationID is the same request: answered again, paid once.
      const earlier = [...state.transactions.values()].find((t) => t.rail === 'MPESA' && t.meta.kind === 'payout' && t.meta.originatorConversationId === originator && t.account === a.consumerKey);
      const n = earlier ? Number(earlier.meta.n) : state.next();
      const txn = earlier ?? state.add({
        rail: 'MPESA', reference: `AG_${darajaTimestamp(new Date()).slice(0, 8)}_${String(n).padStart(16, '0')}`, account: a.consumerKey, amount, currency: a.currency ?? 'KES', phone,
        meta: { n, kind: 'payout', originatorConversationId: originator, occasion: typeof body.Occassion === 'string' ? body.Occassion : null, queueTimeoutUrl: String(body.QueueTimeOutURL) },
      });
      if (!earlier) await proceed(state, txn, b2cOutcomes, (t) => ({ final: () => state.deliver('MPESA', t.reference, result.toString(), JSON.stringify(b2cResultBody(t))) }));
      send(res, 200, { ConversationID: txn.reference, OriginatorConversationID: originator, ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' });
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/mpesa/transactionstatus/v1/query') {
      // Transaction Status (https://developer.safaricom.co.ke/APIs/TransactionStatus): asynchronous — accepted at once,
      // the status POSTed to ResultURL as a Result whose ResultParameters carry TransactionStatus, ReceiptNo, Amount….
      // The transaction is named by its M-Pesa receipt (TransactionID) or by the OriginatorConversationID of its request.
      const a = accountOf(req);
      const body = await readJson(req);
      checkInitiator(a, body, 'Initiator', ['TransactionStatusQuery']);
      if (String(body.PartyA) !== a.shortCode || String(body.IdentifierType) !== '4') throw darajaError(400, '400.002.02', 'Bad Request - Invalid PartyA');
      const result = resultUrl(body);
      const receipt = typeof body.TransactionID === 'string' && body.TransactionID ? body.TransactionID : null;
      const originator = typeof body.OriginalConversationID === 'string' && body.OriginalConversationID ? body.OriginalConversationID : null;
      if (!receipt && !originator) throw darajaError(400, '400.002.02', 'Bad Request - Invalid TransactionID');
      const txn = [...state.transactions.values()].find((t) => t.rail === 'MPESA' && t.account === a.consumerKey && t.meta.kind === 'payout'
        && ((receipt && t.receipt === receipt) || (originator && t.meta.originatorConversationId === originator)));
      const n = state.next();
      const query = { originator: `${n}-sandbox-ts`, conversation: `AG_${darajaTimestamp(new Date()).slice(0, 8)}_${String(n).padStart(16, '0')}` };
      send(res, 200, { OriginatorConversationID: query.originator, ConversationID: query.conversation, ResponseCode: '0', ResponseDescription: 'Accept the service request successfully.' });
      // answered after the reply, like Daraja
      state.later(50, async () => void (await state.deliver('MPESA', query.conversation, result.toString(), JSON.stringify(transactionStatusResult(txn ?? null, query, a)))));
      return true;
    }
    if (req.method === 'POST' && url.pathname === '/mpesa/stkpushquery/v1/query') {
      const a = accountOf(req);
      const body = await readJson(req);
      checkPassword(a, body);
      const txn = state.get('MPESA', String(body.CheckoutRequestID ?? ''));
      if (!txn || txn.account !== a.consumerKey) throw darajaError(400, '400.002.02', 'Bad Request - Invalid CheckoutRequestID');
      if (txn.status === 'PENDING') throw darajaError(500, '500.001.1001', 'The transaction is being processed');
      const cb = (stkCallbackBody(txn).Body as any).stkCallback;
      send(res, 200, {
        ResponseCode: '0', ResponseDescription: 'The service request has been accepted successsfully',
        MerchantRequestID: cb.MerchantRequestID, CheckoutRequestID: txn.reference, ResultCode: String(cb.ResultCode), ResultDesc: cb.ResultDesc,
      });
      return true;
    }
    return false;
  };
}

/** The ResultURL of an asynchronous Daraja request (B2C, Transaction Status); both it and QueueTimeOutURL must be URLs. */
function resultUrl(body: Record<string, unknown>): URL {
  try {
    new URL(String(body.QueueTimeOutURL));
    return new URL(String(body.ResultURL));
  } catch {
    throw darajaError(400, '400.002.02', 'Bad Request - Invalid ResultURL');
  }
}
