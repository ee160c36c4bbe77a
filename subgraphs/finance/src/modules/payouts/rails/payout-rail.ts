import type { CurrencyCode, Decimal } from '@omniroute/core';
import type { CollectResult, IncomingCallback, RailAccount, RailName, RailOutcome, SettledOutcome } from '../../payments/rails/rail.ts';

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
export type SendResult = CollectResult;

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
  /**
   * Asks the rail about a sent payout. Rails whose status API answers later at a result URL (M-Pesa's Transaction
   * Status) send the query to `callbackUrl` and say PENDING: the result callback settles the payout.
   */
  status(account: RailAccount, p: { id: string; reference: string | null; callbackUrl: string }): Promise<RailOutcome>;
  /** Authenticates and reads a result callback: null when not authentic; throws CallbackError when unreadable. */
  readCallback(account: RailAccount, cb: IncomingCallback): PayoutCallback | null;
}
