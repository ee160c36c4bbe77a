import { Decimal } from 'decimal.js';

export { Decimal };
export const CURRENCIES = ['NGN', 'GHS', 'KES', 'XOF', 'TZS', 'USD'] as const;
export type CurrencyCode = (typeof CURRENCIES)[number];

/** ISO 4217 minor units: XOF has none, the others two. */
export const MINOR_UNITS: Record<CurrencyCode, number> = { NGN: 2, GHS: 2, KES: 2, XOF: 0, TZS: 2, USD: 2 };

export function isCurrency(c: unknown): c is CurrencyCode {
  return typeof c === 'string' && (CURRENCIES as readonly string[]).includes(c);
}

/** Money value: exact decimal amount in one currency. Never a float. */
export interface Money {
  amount: Decimal;
  currencyCode: CurrencyCode;
}

type DecimalLike = Decimal | string | number | { toString(): string };
// Another copy of decimal.js (Prisma's Decimal, as rows hold amounts) is copied digit for digit, not printed and
// parsed again (issue 17: every amount of a page of orders went through both).
export const dec = (v: DecimalLike): Decimal =>
  v instanceof Decimal ? v : typeof v === 'object' && Decimal.isDecimal(v) ? new Decimal(v as Decimal) : new Decimal(v.toString());

export function money(amount: DecimalLike, currencyCode: CurrencyCode): Money {
  return { amount: dec(amount), currencyCode };
}
export function zero(currencyCode: CurrencyCode): Money {
  return money(0, currencyCode);
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currencyCode !== b.currencyCode) {
    throw new RangeError(`currency mismatch: ${a.currencyCode} vs ${b.currencyCode}`);
  }
}
export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount.plus(b.amount), a.currencyCode);
}
export function subtract(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount.minus(b.amount), a.currencyCode);
}
export function multiply(a: Money, factor: DecimalLike): Money {
  return money(a.amount.times(dec(factor)), a.currencyCode);
}
export function sum(items: Money[], currencyCode: CurrencyCode): Money {
  return items.reduce((acc, m) => add(acc, m), zero(currencyCode));
}
/** Rounds half-even to the currency's minor units (banker's rounding, as ledgers do). */
export function round(m: Money): Money {
  return money(m.amount.toDecimalPlaces(MINOR_UNITS[m.currencyCode], Decimal.ROUND_HALF_EVEN), m.currencyCode);
}
export function compare(a: Money, b: Money): number {
  sameCurrency(a, b);
  return a.amount.comparedTo(b.amount);
}
/** Wire form for `Money { amount: Decimal!, currencyCode }`: amount as a string with the currency's minor units. */
export function formatAmount(amount: DecimalLike, currencyCode: CurrencyCode): string {
  // any copy of decimal.js rounds and prints itself (toFixed and its rounding modes are the same in every copy)
  const d = Decimal.isDecimal(amount) ? (amount as Decimal) : dec(amount);
  return d.toFixed(MINOR_UNITS[currencyCode], Decimal.ROUND_HALF_EVEN);
}

/**
 * A Money field's value as a resolver returns it: a row's amount as read (Prisma's Decimal, or one computed) and its
 * currency, formatted by the shared `Money.amount` resolver — no copy of the amount made for a value only printed.
 * Arithmetic takes `money()`.
 */
export function moneyField(amount: DecimalLike, currencyCode: string): Money {
  return { amount: amount as Decimal, currencyCode: currencyCode as CurrencyCode };
}

/** Money as events and JSON payloads carry it: `{ amount: "1250.00", currencyCode }` (formatAmount's minor units). */
export interface WireMoney {
  amount: string;
  currencyCode: CurrencyCode;
}
export function wireMoney(amount: DecimalLike, currencyCode: CurrencyCode): WireMoney {
  return { amount: formatAmount(amount, currencyCode), currencyCode };
}

/**
 * Money read from another subgraph's event payload (its wire form); null when malformed: a non-negative amount of
 * at most 15 digits and 4 decimals, in a known currency.
 */
export function parseWireMoney(v: unknown): Money | null {
  const m = v as { amount?: unknown; currencyCode?: unknown } | null;
  if (!m || typeof m.amount !== 'string' || !/^\d{1,15}(\.\d{1,4})?$/.test(m.amount) || !isCurrency(m.currencyCode)) return null;
  return money(m.amount, m.currencyCode);
}
