import { Decimal, dec, MINOR_UNITS, type CurrencyCode } from '@omniroute/core';

/**
 * Credit scoring, rule based so a credit officer can explain every point of it to the customer.
 *
 * score = 600                                   neutral: a customer without history
 *       + 30 per payment received on time       (by the invoice's due date), at most +300
 *       − 75 per payment received late         (after the due date), at most −300
 *       − 100 per invoice now overdue          (issued, unpaid, past due), at most −300
 *       + utilization of the approved limit    ≤ 30 %: +100 · ≤ 60 %: +50 · ≤ 90 %: 0 · ≤ 100 %: −50 · above: −150
 * clamped to 0–1000 (a spotless payer with ten on-time payments and low utilization reaches 1000).
 *
 * The score scales the approved limit (`baseLimit`, set by finance) at each review — after every payment:
 *   ≥ 900: ×1.5 · 750–899: ×1.25 · 500–749: ×1 · 350–499: ×0.75 · 200–349: ×0.5 · below 200: ×0 (suspended).
 * Utilization is measured against the approved limit, not the scaled one, so a cut does not feed on itself.
 * A limit set by hand (setCreditLimit) applies as given until the next review.
 */
export interface PaymentHistory {
  /** Successful payments received by the invoice's due date (or before the invoice was issued). */
  onTime: number;
  /** Successful payments received after the due date. */
  late: number;
  /** Open invoices (issued, not fully paid) whose due date has passed. */
  overdue: number;
  /** Utilized / approved limit (0 when the limit is 0 and nothing is utilized). */
  utilization: number;
}

export const NEUTRAL_SCORE = 600;

export function utilizationPoints(u: number): number {
  if (u <= 0.3) return 100;
  if (u <= 0.6) return 50;
  if (u <= 0.9) return 0;
  if (u <= 1) return -50;
  return -150;
}

export function creditScore(h: PaymentHistory): number {
  const raw =
    NEUTRAL_SCORE +
    Math.min(300, 30 * h.onTime) -
    Math.min(300, 75 * h.late) -
    Math.min(300, 100 * h.overdue) +
    utilizationPoints(h.utilization);
  return Math.max(0, Math.min(1000, Math.round(raw)));
}

/** Factor the score applies to the approved limit. */
export function limitFactor(score: number): Decimal {
  if (score >= 900) return new Decimal('1.5');
  if (score >= 750) return new Decimal('1.25');
  if (score >= 500) return new Decimal(1);
  if (score >= 350) return new Decimal('0.75');
  if (score >= 200) return new Decimal('0.5');
  return new Decimal(0);
}

/** The limit in force after a review: approved limit × factor, rounded to the currency's minor units. */
export function reviewedLimit(baseLimit: Decimal | string, score: number, currency: CurrencyCode): Decimal {
  return dec(baseLimit).times(limitFactor(score)).toDecimalPlaces(MINOR_UNITS[currency], Decimal.ROUND_HALF_EVEN);
}

export function utilizationOf(utilized: Decimal | string, baseLimit: Decimal | string): number {
  const base = dec(baseLimit);
  if (base.lte(0)) return dec(utilized).gt(0) ? Number.POSITIVE_INFINITY : 0;
  return dec(utilized).div(base).toNumber();
}
