import { createHmac, timingSafeEqual } from 'node:crypto';
import { dec, log, type CurrencyCode, type Decimal } from '@omniroute/core';
import type { PaymentMethod } from '../providers.ts';

export type RailName = 'MPESA' | 'MTN_MOMO' | 'PAYSTACK';
export const RAILS: readonly RailName[] = ['MPESA', 'MTN_MOMO', 'PAYSTACK'];

/** The path segment of a rail in webhook URLs: /webhooks/payments/<slug>/<tenant>. */
export const RAIL_SLUGS: Record<RailName, string> = { MPESA: 'mpesa', MTN_MOMO: 'mtn-momo', PAYSTACK: 'paystack' };
export const railOfSlug = (slug: string): RailName | null => (Object.entries(RAIL_SLUGS).find(([, s]) => s === slug)?.[0] as RailName | undefined) ?? null;

/** A tenant's account with a rail, credentials decrypted (they live only in memory, for one call). */
export interface RailAccount {
  tenantId: string;
  rail: RailName;
  baseUrl: string;
  currencies: readonly CurrencyCode[];
  secrets: Record<string, string>;
  /** Changes whenever the config row changes: cached access tokens are keyed by it. */
  version: string;
}

export interface CollectRequest {
  paymentId: string;
  /** The reference chosen before the call (MoMo's X-Reference-Id, Paystack's reference); null when the provider assigns it. */
  reference: string | null;
  amount: Decimal;
  currency: CurrencyCode;
  /** E.164, e.g. +254712345678. */
  phone: string;
  method: PaymentMethod;
  /** Where the provider should send its callback (already carries the per-payment token for unsigned rails). */
  callbackUrl: string;
  /** Shown to the payer (invoice number). */
  description: string;
}

/**
 * What the provider said to a collection request: accepted (the outcome comes later), refused for good, or no
 * clear answer (timeout, 5xx, connection lost) — then the request may or may not have been taken, and only a
 * callback or a status query can tell.
 */
export type CollectResult =
  | { status: 'PENDING'; reference: string }
  | { status: 'FAILED'; reason: string }
  | { status: 'UNKNOWN'; reason: string };

/** A payment's state at the provider. NOT_FOUND: the provider never took the request. */
export type RailOutcome =
  | { status: 'PENDING' }
  | { status: 'SUCCEEDED'; receipt: string | null; amount: Decimal | null }
  | { status: 'FAILED'; reason: string }
  | { status: 'NOT_FOUND' };

export type SettledOutcome = Extract<RailOutcome, { status: 'PENDING' | 'SUCCEEDED' | 'FAILED' }>;

export interface IncomingCallback {
  /** The body exactly as received: signatures are computed over these bytes. */
  raw: Buffer;
  headers: Record<string, string | undefined>;
  query: URLSearchParams;
}

/** An authenticated callback, read. `paymentId` comes from the callback URL's token on unsigned rails. */
export interface RailCallback {
  reference: string | null;
  paymentId: string | null;
  outcome: SettledOutcome;
  /** Something to store for the record (the parsed body). */
  payload: unknown;
}

/** A payment rail spoken to over its documented HTTP API. */
export interface RailConnector {
  readonly rail: RailName;
  readonly methods: readonly PaymentMethod[];
  /** The reference to store before calling the provider, or null when the provider assigns it (M-Pesa). */
  newReference(paymentId: string): string | null;
  /** Why this rail cannot take the request (amount precision, phone), or null. Checked before anything is written. */
  check(req: { amount: Decimal; currency: CurrencyCode; phone: string }): string | null;
  /** The callback URL for one payment, from the rail's webhook endpoint. */
  callbackUrl(account: RailAccount, endpoint: string, paymentId: string): string;
  collect(account: RailAccount, req: CollectRequest): Promise<CollectResult>;
  status(account: RailAccount, p: { id: string; reference: string | null }): Promise<RailOutcome>;
  /** Authenticates and reads a callback: null when it is not authentic (→ 401, nothing stored); throws CallbackError when authentic but unreadable. */
  readCallback(account: RailAccount, cb: IncomingCallback): RailCallback | null;
}

export class CallbackError extends Error {}

/** An HTTP answer from a provider; status null when there was none (timeout, connection refused). */
export interface ProviderReply {
  status: number | null;
  body: any;
  error?: string;
}

/** One request to a provider with a deadline; never throws (a transport failure is `status: null`). */
export async function callProvider(url: string, init: { method: string; headers?: Record<string, string>; body?: string }, timeoutMs: number): Promise<ProviderReply> {
  try {
    const res = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    let body: unknown = null;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = { text: text.slice(0, 500) };
      }
    }
    return { status: res.status, body };
  } catch (e) {
    const name = (e as Error)?.name;
    return { status: null, body: null, error: name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${timeoutMs} ms` : String((e as Error)?.message ?? e) };
  }
}

/**
 * Access tokens per account, refreshed a minute before they expire. Concurrent callers share one token request.
 * Keyed by account version, so changed credentials get a new token.
 */
export class TokenCache {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly pending = new Map<string, Promise<string>>();

  async get(key: string, fetchToken: () => Promise<{ token: string; expiresInSec: number }>): Promise<string> {
    const hit = this.tokens.get(key);
    if (hit && hit.expiresAt > Date.now()) return hit.token;
    let p = this.pending.get(key);
    if (!p) {
      p = fetchToken()
        .then(({ token, expiresInSec }) => {
          this.tokens.set(key, { token, expiresAt: Date.now() + Math.max(0, expiresInSec - 60) * 1000 });
          return token;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, p);
    }
    return p;
  }

  forget(key: string): void {
    this.tokens.delete(key);
  }
}

export class ProviderError extends Error {
  constructor(message: string, readonly transient: boolean) {
    super(message);
  }
}

/** What a callback URL token names: a payment (collections) or a payout (disbursements). */
export type CallbackSubject = 'payment' | 'payout';

/**
 * Callback URLs of rails whose callbacks carry no signature (Daraja, MoMo) name the payment or payout and a MAC of it
 * under the account's callback secret: a callback without a valid token is refused, so nobody who cannot read the
 * provider's traffic can settle a payment. A payout's MAC input says `payout:` so a payment's token never settles a payout.
 */
export function tokenCallbackUrl(account: RailAccount, endpoint: string, id: string, subject: CallbackSubject = 'payment'): string {
  const u = new URL(endpoint);
  u.searchParams.set(subject, id);
  u.searchParams.set('token', callbackMac(account, subject, id));
  return u.toString();
}

/** The payment (or payout) id of a callback whose URL token is valid, else null. */
export function verifiedCallbackId(account: RailAccount, query: URLSearchParams, subject: CallbackSubject = 'payment'): string | null {
  const id = query.get(subject);
  const token = query.get('token');
  if (!id || !token || id.length > 100) return null;
  const expected = Buffer.from(callbackMac(account, subject, id));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}

function callbackMac(account: RailAccount, subject: CallbackSubject, id: string): string {
  const secret = account.secrets.callbackSecret;
  if (!secret) throw new Error(`${account.rail} account of ${account.tenantId} has no callbackSecret`);
  const named = subject === 'payment' ? id : `payout:${id}`;
  return createHmac('sha256', secret).update(`${account.tenantId}:${account.rail}:${named}`).digest('base64url');
}

/** An authentic callback's body as JSON; an unreadable one is a CallbackError. */
export function callbackJson(cb: IncomingCallback): any {
  try {
    return JSON.parse(cb.raw.toString('utf8'));
  } catch {
    throw new CallbackError('body is not JSON');
  }
}

/**
 * A provider's answer to a submitted request (collection or transfer) that did not accept it: a 4xx refused it for
 * good (nothing was taken); anything else (5xx, no answer) may or may not have been taken.
 */
export function notAccepted(rail: RailName, r: ProviderReply): { status: 'FAILED'; reason: string } | { status: 'UNKNOWN'; reason: string } {
  return r.status !== null && r.status >= 400 && r.status < 500 ? { status: 'FAILED', reason: describeReply(rail, r) } : { status: 'UNKNOWN', reason: describeReply(rail, r) };
}

/** A decimal amount a provider reported (a number or a string of digits), or null when it is not one. */
export const reportedAmount = (v: unknown): Decimal | null => (v != null && /^\d+(\.\d+)?$/.test(String(v)) ? dec(String(v)) : null);

/** MSISDN digits of an E.164 number, as Daraja and MoMo take them (no plus). */
export const msisdn = (e164: string): string => e164.replace(/\D/g, '');

/** Text of a provider's failure answer for logs and failure reasons. */
export function describeReply(rail: RailName, r: ProviderReply): string {
  if (r.status === null) return `${rail}: ${r.error ?? 'no answer'}`;
  const b = r.body ?? {};
  const detail = b.errorMessage ?? b.message ?? b.ResponseDescription ?? b.error ?? (typeof b.text === 'string' ? b.text : '');
  return `${rail}: HTTP ${r.status}${detail ? ` ${String(detail).slice(0, 200)}` : ''}`;
}

/** What a webhook answers the provider. */
export interface CallbackReply {
  status: number;
  body: Record<string, unknown>;
}

/**
 * The front of both webhook handlers (payments' and payouts'), at `/webhooks/payments/<rail>/<tenant id>`: the rail
 * of the URL, the tenant's account with it, and the callback authenticated and read by `read` — or the reply that
 * ends it: 404 for an unknown rail or account, 400 when authentic but unreadable, 401 when not authentic (nothing is
 * stored).
 */
export async function readWebhook<C>(
  what: string,
  railSlug: string,
  tenantId: string,
  accountOf: (tenantId: string, rail: RailName) => Promise<RailAccount | null>,
  read: (rail: RailName, account: RailAccount) => C | null,
): Promise<{ reply: CallbackReply } | { rail: RailName; parsed: C }> {
  const rail = railOfSlug(railSlug);
  if (!rail || !tenantId || tenantId.length > 100) return { reply: { status: 404, body: { error: 'unknown webhook' } } };
  const account = await accountOf(tenantId, rail);
  if (!account) return { reply: { status: 404, body: { error: 'unknown webhook' } } };
  let parsed;
  try {
    parsed = read(rail, account);
  } catch (e) {
    if (e instanceof CallbackError) return { reply: { status: 400, body: { error: e.message } } };
    throw e;
  }
  if (!parsed) {
    log.warn(`finance: refused a ${what} that is not authentic`, { rail, tenantId });
    return { reply: { status: 401, body: { error: 'invalid signature' } } };
  }
  return { rail, parsed };
}
