import { Decimal, dec, money, type CurrencyCode, type Money } from '@omniroute/core';

export type PaymentTerms = 'CASH_ON_DELIVERY' | 'PREPAID' | 'NET_7' | 'NET_14' | 'NET_30';
export const PAYMENT_TERMS: readonly PaymentTerms[] = ['CASH_ON_DELIVERY', 'PREPAID', 'NET_7', 'NET_14', 'NET_30'];

/** Days from delivery (invoice issue) to due date. COD and PREPAID are due on delivery. */
export const TERM_DAYS: Record<PaymentTerms, number> = { CASH_ON_DELIVERY: 0, PREPAID: 0, NET_7: 7, NET_14: 14, NET_30: 30 };

export const isPaymentTerms = (t: unknown): t is PaymentTerms => typeof t === 'string' && (PAYMENT_TERMS as readonly string[]).includes(t);

/** Only NET_* terms are trade credit; cash on delivery and prepaid orders never touch the credit line. */
export const usesCredit = (terms: PaymentTerms): boolean => terms.startsWith('NET_');

/** Due date of an invoice issued at `issuedAt` (the delivery time) under `terms`. */
export function dueDateFor(terms: PaymentTerms, issuedAt: Date): Date {
  return new Date(issuedAt.getTime() + TERM_DAYS[terms] * 86_400_000);
}

type DecimalLike = Decimal | string | number | { toString(): string };

/** Limit minus utilized, never below zero. */
export function availableCredit(limit: DecimalLike, utilized: DecimalLike): Decimal {
  return Decimal.max(0, dec(limit).minus(dec(utilized)));
}

export type CreditLineStatus = 'ACTIVE' | 'OVER_LIMIT' | 'SUSPENDED' | 'ON_HOLD';
export function creditLineStatus(limit: DecimalLike, utilized: DecimalLike, heldAt?: Date | null): CreditLineStatus {
  if (heldAt) return 'ON_HOLD';
  if (dec(limit).lte(0)) return 'SUSPENDED';
  return dec(utilized).gt(dec(limit)) ? 'OVER_LIMIT' : 'ACTIVE';
}

export interface CreditLineView {
  limit: DecimalLike;
  utilized: DecimalLike;
  currency: CurrencyCode;
  /** Set while collections hold the line (an invoice more than 60 days overdue). */
  heldAt?: Date | null;
}

export type CreditRejectReason = 'NO_CREDIT_LINE' | 'CURRENCY_MISMATCH' | 'CREDIT_SUSPENDED' | 'CREDIT_ON_HOLD' | 'INSUFFICIENT_CREDIT';
export type CreditDecision =
  | { approved: true; onCredit: boolean }
  | { approved: false; reason: CreditRejectReason; available: Money; required: Money };

/**
 * The credit check of an order placed with `terms` for `total` against the customer's line (null: none).
 * NET_* terms need a line in the order's currency with available ≥ total; COD and PREPAID pass without a check.
 */
export function checkCredit(terms: PaymentTerms, total: Money, line: CreditLineView | null): CreditDecision {
  if (!usesCredit(terms)) return { approved: true, onCredit: false };
  const reject = (reason: CreditRejectReason, available: Money): CreditDecision => ({ approved: false, reason, available, required: total });
  if (!line) return reject('NO_CREDIT_LINE', money(0, total.currencyCode));
  const available = money(availableCredit(line.limit, line.utilized), line.currency);
  if (line.currency !== total.currencyCode) return reject('CURRENCY_MISMATCH', available);
  if (line.heldAt) return reject('CREDIT_ON_HOLD', available);
  if (creditLineStatus(line.limit, line.utilized) === 'SUSPENDED') return reject('CREDIT_SUSPENDED', available);
  if (available.amount.lt(total.amount)) return reject('INSUFFICIENT_CREDIT', available);
  return { approved: true, onCredit: true };
}
