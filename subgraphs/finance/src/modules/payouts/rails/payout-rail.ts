import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CurrencyCode, Decimal } from '@omniroute/core';
import type { IncomingCallback, RailAccount, RailName, RailOutcome, SettledOutcome } from '../../payments/rails/rail.ts';

/** One transfer to a recipient's mobile money. */
export interface PayoutRequest {
  payoutId: string;
  /** Our reference chosen before the call (MoMo's X-Reference-Id, Paystack's transfer reference); null when the provider assigns it (M-Pesa). */
  reference: string | null;
  amount: Decimal;
  currency: CurrencyCode;
  /** Recipient, E.164. */
  phone: string;
  /** Recipient's name, for providers that register recipients (Paystack). */
  name: string;
  /** Where the provider sends the result (carries the per-payout token on unsigned rails). */
  callbackUrl: string;
  description: string;
}

/**
 * What the provider said to a transfer request: accepted (the result comes later), refused for good (nothing was
 * sent: the payout FAILS and is reversed), or no clear answer — the money may have left, so the payout stays PENDING
 * until a result or the settlement report says.
 */
export type SendResult =
  | { status: 'PENDING'; reference: string }
  | { status: 'FAILED'; reason: string }
  | { status: 'UNKNOWN'; reason: string };

export interface PayoutCallback {
  reference: string | null;
  payoutId: string | null;
  outcome: SettledOutcome;
  payload: unknown;
}

/** A rail's payout API (M-Pesa B2C, MoMo Disbursements, Paystack Transfers). */
export interface PayoutConnector {
  readonly rail: RailName;
  /** The reference to store before calling (null: the provider assigns it). */
  newReference(payoutId: string): string | null;
  /** Why this rail cannot send the amount (precision), or null. */
  check(req: { amount: Decimal; currency: CurrencyCode }): string | null;
  /** Credentials the account lacks for payouts (empty: ready). */
  missing(account: RailAccount): string[];
  callbackUrl(account: RailAccount, endpoint: string, payoutId: string): string;
  send(account: RailAccount, req: PayoutRequest): Promise<SendResult>;
  /** The transfer's state at the provider; PENDING when the rail offers no synchronous query (M-Pesa). */
  /**
   * Asks the rail about a sent payout. Rails whose status API answers later at a result URL (M-Pesa's Transaction
   * Status) send the query to `callbackUrl` and say PENDING: the result callback settles the payout.
   */
  status(account: RailAccount, p: { id: string; reference: string | null; callbackUrl: string }): Promise<RailOutcome>;
  /** Authenticates and reads a result callback: null when not authentic; throws CallbackError when unreadable. */
  readCallback(account: RailAccount, cb: IncomingCallback): PayoutCallback | null;
}

/**
 * Result URLs of rails that sign nothing (Daraja, MoMo) name the payout and carry a MAC of it under the account's
 * callback secret — the same scheme as payments' callback URLs, with `payout` instead of `payment` in the MAC input
 * so a payment's token can never settle a payout.
 */
export function payoutCallbackUrl(account: RailAccount, endpoint: string, payoutId: string): string {
  const u = new URL(endpoint);
  u.searchParams.set('payout', payoutId);
  u.searchParams.set('token', mac(account, payoutId));
  return u.toString();
}

export function verifiedPayoutId(account: RailAccount, query: URLSearchParams): string | null {
  const id = query.get('payout');
  const token = query.get('token');
  if (!id || !token || id.length > 100) return null;
  const expected = Buffer.from(mac(account, id));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given) ? id : null;
}

function mac(account: RailAccount, payoutId: string): string {
  const secret = account.secrets.callbackSecret;
  if (!secret) throw new Error(`${account.rail} account of ${account.tenantId} has no callbackSecret`);
  return createHmac('sha256', secret).update(`${account.tenantId}:${account.rail}:payout:${payoutId}`).digest('base64url');
}
