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
  /** The customer has a defaulted financing agreement: nothing more is financed. */
  financingDefaulted?: boolean;
  /** Still owed under the customer's active agreements: the financeable limit shrinks by it. */
  financedOutstanding?: Decimal;
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
  if (i.financingDefaulted) return no('a financing agreement of the customer is in default');
  if (i.onHold) return no('the credit line is on collections hold');
  if (i.maxDaysOverdue > 30) return no(`an invoice is ${i.maxDaysOverdue} days overdue (more than 30)`);
  const band = BANDS.find((b) => i.score >= b.minScore);
  if (!band) return no(`score ${i.score} is below 500`);
  const places = MINOR_UNITS[i.currency];
  let limit = dec(i.baseLimit).times(band.share).minus(i.financedOutstanding ?? 0).toDecimalPlaces(places, Decimal.ROUND_DOWN);
  if (i.amountDue != null) limit = Decimal.min(limit, i.amountDue);
  if (limit.lte(0)) return no(i.amountDue != null && i.amountDue.lte(0) ? 'nothing is due on the invoice' : i.financedOutstanding?.gt(0) ? 'the limit is taken by financing still being repaid' : 'no approved limit to finance against');
  return {
    eligible: true,
    offers: TENORS.map((tenorDays) => {
      const feeRate = dec(band.fees[tenorDays]);
      const fee = limit.times(feeRate).toDecimalPlaces(places, Decimal.ROUND_HALF_EVEN);
      return { tenorDays, limit, feeRate, fee, repayable: limit.plus(fee) };
    }),
  };
}

// ---- Accepting an offer: the agreement, its instalments, late fees and default (issue 16 part 5) ----

/** What an offer id carries: who it is for and the terms quoted. The terms are recomputed at acceptance, never trusted. */
export interface OfferRef {
  tenantId: string;
  customerId: string;
  invoiceId: string;
  tenorDays: Tenor;
  currency: CurrencyCode;
  /** The quoted limit and fee rate: acceptance refuses when the terms now are worse than quoted. */
  limit: string;
  feeRate: string;
  quotedAt: number;
}

/** How long a quoted offer may be accepted. */
export const OFFER_VALID_MS = 24 * 60 * 60_000;

/**
 * An offer's id: its reference in base64url, prefixed `fof_`. It needs no secret because acceptance recomputes the
 * offer from the customer's score and the invoice as they are then; the id only says which offer was shown and when,
 * so a forged one can get no better terms than asking anew.
 */
export function offerId(r: OfferRef): string {
  const t = [r.tenantId, r.customerId, r.invoiceId, r.tenorDays, r.currency, r.limit, r.feeRate, r.quotedAt].join('|');
  return `fof_${Buffer.from(t, 'utf8').toString('base64url')}`;
}

export function parseOfferId(id: string): OfferRef | null {
  if (!id.startsWith('fof_') || id.length > 400) return null;
  const p = Buffer.from(id.slice(4), 'base64url').toString('utf8').split('|');
  if (p.length !== 8) return null;
  const [tenantId, customerId, invoiceId, tenor, currency, limit, feeRate, quotedAt] = p as [string, string, string, string, string, string, string, string];
  const tenorDays = Number(tenor);
  if (!(TENORS as readonly number[]).includes(tenorDays) || !(currency in MINOR_UNITS) || !/^\d+(\.\d+)?$/.test(limit) || !/^\d+(\.\d+)?$/.test(feeRate) || !/^\d+$/.test(quotedAt)) return null;
  return { tenantId, customerId, invoiceId, tenorDays: tenorDays as Tenor, currency: currency as CurrencyCode, limit, feeRate, quotedAt: Number(quotedAt) };
}

/** Days after acceptance each instalment falls due: one for 7 days, weekly for 14, every 10 days for 30. */
export const INSTALMENT_DAYS: Record<Tenor, number[]> = { 7: [7], 14: [7, 14], 30: [10, 20, 30] };

export interface ScheduledInstalment {
  sequence: number;
  dueDate: Date;
  amount: Decimal;
}

const DAY_MS = 86_400_000;
/** Midnight UTC of a day: instalments fall due at the end of their day, like invoices. */
const utcDay = (d: Date) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());

/**
 * The repayment schedule: principal plus fee in equal instalments in the currency's minor units, the remainder of the
 * division on the last one, so they add up to the repayable exactly.
 */
export function instalmentSchedule(repayable: Decimal, tenor: Tenor, currency: CurrencyCode, acceptedAt: Date): ScheduledInstalment[] {
  const days = INSTALMENT_DAYS[tenor];
  const unit = new Decimal(10).pow(-MINOR_UNITS[currency]);
  const minor = repayable.div(unit);
  if (!minor.isInteger()) throw new Error(`repayable ${repayable.toString()} has more than ${MINOR_UNITS[currency]} decimals`);
  const each = minor.divToInt(days.length);
  return days.map((d, i) => ({
    sequence: i + 1,
    dueDate: new Date(utcDay(acceptedAt) + d * DAY_MS),
    amount: (i === days.length - 1 ? minor.minus(each.times(days.length - 1)) : each).times(unit),
  }));
}

/**
 * Late fees and default, per tenant policy (defaults below): an unpaid instalment more than `graceDays` past its due
 * day accrues `dailyRate` of its amount per further day, at most `maxRate` of it; an agreement with an instalment
 * unpaid more than `defaultAfterDays` past due DEFAULTS. Days are whole UTC days, so a day's job gives the same answer
 * however often it runs.
 */
export interface FinancingPolicy {
  graceDays: number;
  dailyRate: string;
  maxRate: string;
  defaultAfterDays: number;
}

export const DEFAULT_FINANCING_POLICY: FinancingPolicy = { graceDays: 3, dailyRate: '0.002', maxRate: '0.15', defaultAfterDays: 30 };

/** Whole UTC days from the due day to today (0 on the due day or before). */
export function instalmentDaysOverdue(dueDate: Date, now: Date): number {
  return Math.max(0, Math.floor((utcDay(now) - utcDay(dueDate)) / DAY_MS));
}

/** The late fee an unpaid instalment has earned by now under the policy (what the job brings its accrued fee up to). */
export function lateFeeDue(amount: Decimal, daysOverdue: number, currency: CurrencyCode, p: FinancingPolicy = DEFAULT_FINANCING_POLICY): Decimal {
  const days = Math.max(0, daysOverdue - p.graceDays);
  const fee = Decimal.min(amount.times(p.dailyRate).times(days), amount.times(p.maxRate));
  return fee.toDecimalPlaces(MINOR_UNITS[currency], Decimal.ROUND_HALF_EVEN);
}

export const isDefaulted = (daysOverdue: number, p: FinancingPolicy = DEFAULT_FINANCING_POLICY) => daysOverdue > p.defaultAfterDays;

export interface InstalmentBalance {
  id: string;
  amount: Decimal;
  lateFee: Decimal;
  paid: Decimal;
}

/** A repayment spread over the instalments oldest first (each one's late fee and amount); throws past what is owed. */
export function allocateRepayment(instalments: InstalmentBalance[], amount: Decimal): { id: string; paid: Decimal; settled: boolean }[] {
  let left = amount;
  const out: { id: string; paid: Decimal; settled: boolean }[] = [];
  for (const i of instalments) {
    const owed = i.amount.plus(i.lateFee).minus(i.paid);
    if (owed.lte(0) || left.lte(0)) continue;
    const take = Decimal.min(owed, left);
    left = left.minus(take);
    out.push({ id: i.id, paid: i.paid.plus(take), settled: take.eq(owed) });
  }
  if (left.gt(0)) throw new Error(`repayment exceeds what is owed by ${left.toString()}`);
  return out;
}
