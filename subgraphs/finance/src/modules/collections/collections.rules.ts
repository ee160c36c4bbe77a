import { Decimal, dec, formatAmount, type CurrencyCode } from '@omniroute/core';

const DAY = 86_400_000;

/** Whole days an invoice is past its due date at `asOf` (0 when not yet due); counted in UTC calendar days. */
export function daysOverdue(dueDate: Date | null, asOf: Date): number {
  if (!dueDate) return 0;
  const due = Date.UTC(dueDate.getUTCFullYear(), dueDate.getUTCMonth(), dueDate.getUTCDate());
  const now = Date.UTC(asOf.getUTCFullYear(), asOf.getUTCMonth(), asOf.getUTCDate());
  return Math.max(0, Math.floor((now - due) / DAY));
}

export type AgingBucket = 'CURRENT' | 'DAYS_1_30' | 'DAYS_31_60' | 'DAYS_61_90' | 'DAYS_OVER_90';
export const AGING_BUCKETS: readonly AgingBucket[] = ['CURRENT', 'DAYS_1_30', 'DAYS_31_60', 'DAYS_61_90', 'DAYS_OVER_90'];

/** The aging bucket of an amount `days` overdue: current (not overdue), 1–30, 31–60, 61–90, 90+. */
export function agingBucket(days: number): AgingBucket {
  if (days <= 0) return 'CURRENT';
  if (days <= 30) return 'DAYS_1_30';
  if (days <= 60) return 'DAYS_31_60';
  if (days <= 90) return 'DAYS_61_90';
  return 'DAYS_OVER_90';
}

/** Sums amounts into the five buckets. */
export function ageAmounts(items: readonly { amount: Decimal; days: number }[]): Record<AgingBucket, Decimal> & { total: Decimal } {
  const out = { CURRENT: new Decimal(0), DAYS_1_30: new Decimal(0), DAYS_31_60: new Decimal(0), DAYS_61_90: new Decimal(0), DAYS_OVER_90: new Decimal(0), total: new Decimal(0) };
  for (const i of items) {
    const b = agingBucket(i.days);
    out[b] = out[b].plus(i.amount);
    out.total = out.total.plus(i.amount);
  }
  return out;
}

/** A collector's priority: amount due × days overdue (larger and older first). */
export function worklistPriority(amountDue: Decimal, days: number): Decimal {
  return dec(amountDue).times(Math.max(0, days));
}

/** Beyond this many days overdue, the customer's credit line is held until paid. */
export const CREDIT_HOLD_AFTER_DAYS = 60;
export const needsCreditHold = (maxDaysOverdue: number): boolean => maxDaysOverdue > CREDIT_HOLD_AFTER_DAYS;

/**
 * The dunning schedule: a reminder when the invoice falls due, then at 1, 7, 14, 30 and 60 days overdue (the last
 * announcing the credit hold). Each step is sent once per invoice; a customer with an open promise to pay that has
 * not fallen due gets none.
 */
export const DUNNING_SCHEDULE: readonly { stage: string; day: number }[] = [
  { stage: 'DUE_TODAY', day: 0 },
  { stage: 'OVERDUE_1', day: 1 },
  { stage: 'OVERDUE_7', day: 7 },
  { stage: 'OVERDUE_14', day: 14 },
  { stage: 'OVERDUE_30', day: 30 },
  { stage: 'OVERDUE_60', day: 60 },
];

/**
 * The step due for an invoice `days` overdue (due today: 0) — the latest one reached, so a sweep that missed days
 * sends only the current step, never a burst of stale ones. Null before the due date.
 */
export function dunningStage(days: number, dueToday: boolean): string | null {
  if (days === 0) return dueToday ? 'DUE_TODAY' : null;
  let stage: string | null = null;
  for (const s of DUNNING_SCHEDULE) if (s.day <= days && s.day > 0) stage = s.stage;
  return stage;
}

/** The SMS text of a step (≤ 160 characters for the common case, plain GSM characters). */
export function reminderText(stage: string, i: { customerName: string; invoiceNumber: string; amountDue: Decimal; currency: CurrencyCode; days: number; tenantName?: string }): string {
  const amount = `${i.currency} ${formatAmount(i.amountDue, i.currency)}`;
  const name = i.customerName.slice(0, 30);
  switch (stage) {
    case 'DUE_TODAY':
      return `${name}: invoice ${i.invoiceNumber} (${amount}) is due today. Pay by mobile money to keep your credit line open.`;
    case 'OVERDUE_60':
      return `${name}: invoice ${i.invoiceNumber} (${amount}) is ${i.days} days overdue. Your credit is on hold until it is paid.`;
    default:
      return `${name}: invoice ${i.invoiceNumber} (${amount}) is ${i.days} days overdue. Please pay today or reply with a date.`;
  }
}

export function promiseFollowUpText(i: { customerName: string; amount: Decimal; currency: CurrencyCode; promisedFor: Date }): string {
  return `${i.customerName.slice(0, 30)}: we have not received the ${i.currency} ${formatAmount(i.amount, i.currency)} you promised for ${i.promisedFor.toISOString().slice(0, 10)}. Please pay today.`;
}

/** A promise is kept when the customer paid at least its amount between making it and the end of the promised day. */
export function promiseKept(amount: Decimal, paidSince: Decimal): boolean {
  return dec(paidSince).gte(amount);
}

/** Start of the UTC day of `at`. */
export const startOfDay = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
