import { Decimal, dec, MINOR_UNITS, type CurrencyCode } from '@omniroute/core';
import { NEUTRAL_SCORE, utilizationPoints, type PaymentHistory } from '../credit/credit-score.ts';

/** Tenors a customer may take: pay back 7, 14 or 30 days after the financier pays the distributor. */
export const TENORS = [7, 14, 30] as const;
export type Tenor = (typeof TENORS)[number];

/** One point-earning factor of the score, as a credit officer would explain it. */
export interface ScoreFactor {
  factor: 'BASELINE' | 'ON_TIME_PAYMENTS' | 'LATE_PAYMENTS' | 'OVERDUE_INVOICES' | 'UTILIZATION';
  points: number;
  detail: string;
}

/** The score's terms (credit-score.ts), each with its points; they add up to the score before clamping to 0–1000. */
export function scoreFactors(h: PaymentHistory): ScoreFactor[] {
  const pct = Number.isFinite(h.utilization) ? `${Math.round(h.utilization * 100)} %` : 'over the limit';
  return [
    { factor: 'BASELINE', points: NEUTRAL_SCORE, detail: 'every customer starts at 600' },
    { factor: 'ON_TIME_PAYMENTS', points: Math.min(300, 30 * h.onTime), detail: `${h.onTime} payments by the due date × 30 (at most 300)` },
    { factor: 'LATE_PAYMENTS', points: -Math.min(300, 75 * h.late), detail: `${h.late} payments after the due date × −75 (at most −300)` },
    { factor: 'OVERDUE_INVOICES', points: -Math.min(300, 100 * h.overdue), detail: `${h.overdue} invoices overdue now × −100 (at most −300)` },
    { factor: 'UTILIZATION', points: utilizationPoints(h.utilization), detail: `${pct} of the approved limit in use (≤ 30 %: +100, ≤ 60 %: +50, ≤ 90 %: 0, ≤ 100 %: −50, above: −150)` },
  ];
}

/**
 * Financing bands by score: the share of the approved limit that may be financed and the fee per tenor (of the
 * amount financed, charged once). Below 500 nothing is offered.
 */
export const BANDS: readonly { minScore: number; share: string; fees: Record<Tenor, string> }[] = [
  { minScore: 900, share: '1', fees: { 7: '0.01', 14: '0.0175', 30: '0.03' } },
  { minScore: 750, share: '0.75', fees: { 7: '0.015', 14: '0.025', 30: '0.045' } },
  { minScore: 500, share: '0.5', fees: { 7: '0.025', 14: '0.04', 30: '0.07' } },
];

export interface OfferInput {
  score: number;
  currency: CurrencyCode;
  /** The approved limit (finance's), which the band's share scales. */
  baseLimit: Decimal;
  onHold: boolean;
  /** Days the customer's oldest unpaid invoice is overdue. */
  maxDaysOverdue: number;
  /** When the offer is for one invoice: what is still due on it (the limit never exceeds it). */
  amountDue?: Decimal | null;
}

export interface Offer {
  tenorDays: Tenor;
  limit: Decimal;
  feeRate: Decimal;
  fee: Decimal;
  repayable: Decimal;
}

export type Offers = { eligible: true; offers: Offer[] } | { eligible: false; reason: string; offers: [] };

/** The offers the score earns (BNPL for a retailer, or financing of one invoice), or why there are none. */
export function financingOffers(i: OfferInput): Offers {
  const no = (reason: string): Offers => ({ eligible: false, reason, offers: [] });
  if (i.onHold) return no('the credit line is on collections hold');
  if (i.maxDaysOverdue > 30) return no(`an invoice is ${i.maxDaysOverdue} days overdue (more than 30)`);
  const band = BANDS.find((b) => i.score >= b.minScore);
  if (!band) return no(`score ${i.score} is below 500`);
  const places = MINOR_UNITS[i.currency];
  let limit = dec(i.baseLimit).times(band.share).toDecimalPlaces(places, Decimal.ROUND_DOWN);
  if (i.amountDue != null) limit = Decimal.min(limit, i.amountDue);
  if (limit.lte(0)) return no(i.amountDue != null && i.amountDue.lte(0) ? 'nothing is due on the invoice' : 'no approved limit to finance against');
  return {
    eligible: true,
    offers: TENORS.map((tenorDays) => {
      const feeRate = dec(band.fees[tenorDays]);
      const fee = limit.times(feeRate).toDecimalPlaces(places, Decimal.ROUND_HALF_EVEN);
      return { tenorDays, limit, feeRate, fee, repayable: limit.plus(fee) };
    }),
  };
}
