import { UserErrorCode as C, userError, type Result, type UserError } from '@omniroute/core';
import { MAX_QUANTITY, MAX_STRING } from '../orders/order-input.ts';

export type AdjustmentReason = 'DAMAGE' | 'EXPIRY' | 'THEFT' | 'LOSS' | 'SAMPLE' | 'FOUND' | 'CORRECTION';
/** Reasons that only take stock away, only add it, or either (a correction of a booking mistake). */
export const REDUCING_REASONS: readonly AdjustmentReason[] = ['DAMAGE', 'EXPIRY', 'THEFT', 'LOSS', 'SAMPLE'];
export const INCREASING_REASONS: readonly AdjustmentReason[] = ['FOUND'];

const badString = (v: unknown, max = MAX_STRING) => typeof v !== 'string' || v.trim().length === 0 || v.length > max;
export const badId = (v: unknown) => badString(v);

/** A note: optional, trimmed, at most `max` characters. */
export function noteOf(note: string | null | undefined, at: string[], max = 500): Result<string | null> {
  const n = note?.trim() || null;
  if (n && n.length > max) return { ok: false, errors: [userError(C.INVALID_INPUT, `note is at most ${max} characters`, at)] };
  return { ok: true, value: n };
}

/**
 * The lines and note of a stock input, checked after the caller's own fields: all failures at once (the caller's
 * `errors`, then the lines', then the note's), or the normalised lines and the note.
 */
export function withNote<L>(lines: Result<L[]>, note: string | null | undefined, errors: UserError[]): Result<{ lines: L[]; note: string | null }> {
  const n = noteOf(note, ['input', 'note']);
  const all = [...errors, ...(lines.ok ? [] : lines.errors), ...(n.ok ? [] : n.errors)];
  return all.length || !lines.ok || !n.ok ? { ok: false, errors: all } : { ok: true, value: { lines: lines.value, note: n.value } };
}

/**
 * An adjustment's quantity against its reason: a whole number, not zero, at most 100000 units either way;
 * damage, expiry, theft, loss and samples only take stock away, found stock only adds, a correction goes either way.
 */
export function checkAdjustment(reason: AdjustmentReason, quantity: number): UserError | null {
  if (!Number.isInteger(quantity) || quantity === 0 || Math.abs(quantity) > MAX_QUANTITY) {
    return userError(C.INVALID_QUANTITY, `quantity must be a whole number from -${MAX_QUANTITY} to ${MAX_QUANTITY}, not 0`, ['input', 'quantity']);
  }
  if (REDUCING_REASONS.includes(reason) && quantity > 0) return userError(C.REASON_SIGN_MISMATCH, `${reason} only takes stock away: the quantity must be negative`, ['input', 'quantity']);
  if (INCREASING_REASONS.includes(reason) && quantity < 0) return userError(C.REASON_SIGN_MISMATCH, `${reason} only adds stock: the quantity must be positive`, ['input', 'quantity']);
  return null;
}

/** A count may cover a whole van or warehouse aisle: more lines than an order. */
export const MAX_COUNT_LINES = 1000;

export interface CountLineInput {
  sku: string;
  countedQuantity: number;
}

/** Counted lines: 1..1000 SKUs, each once, counted 0..100000 units. */
export function normaliseCountLines(lines: readonly CountLineInput[], at: string[]): Result<CountLineInput[]> {
  if (!Array.isArray(lines) || lines.length === 0) return { ok: false, errors: [userError(C.INVALID_INPUT, 'A count needs at least one line', at)] };
  if (lines.length > MAX_COUNT_LINES) return { ok: false, errors: [userError(C.INVALID_INPUT, `A count has at most ${MAX_COUNT_LINES} lines`, at)] };
  const errors: UserError[] = [];
  const seen = new Set<string>();
  lines.forEach((l, i) => {
    if (badString(l.sku)) errors.push(userError(C.INVALID_INPUT, `SKU must be 1 to ${MAX_STRING} characters`, [...at, String(i), 'sku']));
    else if (seen.has(l.sku)) errors.push(userError(C.INVALID_INPUT, `${l.sku} is counted twice`, [...at, String(i), 'sku']));
    seen.add(l.sku);
    if (!Number.isInteger(l.countedQuantity) || l.countedQuantity < 0 || l.countedQuantity > MAX_QUANTITY) {
      errors.push(userError(C.INVALID_QUANTITY, `countedQuantity must be a whole number from 0 to ${MAX_QUANTITY}`, [...at, String(i), 'countedQuantity']));
    }
  });
  return errors.length ? { ok: false, errors } : { ok: true, value: lines.map((l) => ({ sku: l.sku, countedQuantity: l.countedQuantity })) };
}

// ---- goods receipts ----

export interface PoLineState {
  sku: string;
  orderedQuantity: number;
  receivedQuantity: number;
}
export type PoStatus = 'OPEN' | 'PARTIALLY_RECEIVED' | 'RECEIVED';

/** A purchase order's status from its lines: nothing received, some, or everything ordered. */
export function poStatusOf(lines: readonly PoLineState[]): PoStatus {
  if (lines.every((l) => l.receivedQuantity >= l.orderedQuantity)) return 'RECEIVED';
  return lines.some((l) => l.receivedQuantity > 0) ? 'PARTIALLY_RECEIVED' : 'OPEN';
}

/**
 * What a receipt does to a purchase order's lines: every received SKU must be on the order, and no line may end up
 * with more received than ordered (an over-receipt is refused whole; the supplier's extra units go back or on a
 * new order). `lines` are merged by SKU already.
 */
export function planReceipt(po: readonly PoLineState[], lines: readonly { sku: string; quantity: number }[]): Result<{ lines: PoLineState[]; status: PoStatus }> {
  const bySku = new Map(po.map((l) => [l.sku, { ...l }]));
  const errors: UserError[] = [];
  lines.forEach((l, i) => {
    const line = bySku.get(l.sku);
    if (!line) {
      errors.push(userError(C.SKU_NOT_ON_PURCHASE_ORDER, `${l.sku.slice(0, 50)} is not on this purchase order`, ['input', 'lines', String(i), 'sku']));
      return;
    }
    const open = line.orderedQuantity - line.receivedQuantity;
    if (l.quantity > open) {
      errors.push(userError(C.OVER_RECEIPT, `${l.sku}: ${l.quantity} received but only ${open} of ${line.orderedQuantity} still expected`, ['input', 'lines', String(i), 'quantity']));
      return;
    }
    line.receivedQuantity += l.quantity;
  });
  if (errors.length) return { ok: false, errors };
  const after = po.map((l) => bySku.get(l.sku)!);
  return { ok: true, value: { lines: after, status: poStatusOf(after) } };
}

// ---- cycle counts ----

export interface CountedLine {
  sku: string;
  expectedQuantity: number;
  countedQuantity: number;
  variance: number;
}

/** Count lines against the book: variance = counted − expected (negative: units missing). */
export function countVariances(book: ReadonlyMap<string, number>, counted: readonly CountLineInput[]): CountedLine[] {
  return counted.map((l) => {
    const expected = book.get(l.sku) ?? 0;
    return { sku: l.sku, expectedQuantity: expected, countedQuantity: l.countedQuantity, variance: l.countedQuantity - expected };
  });
}

/** Ledger sum per key: what on hand must be. */
export function sumByKey<T>(rows: readonly T[], key: (r: T) => string, quantity: (r: T) => number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rows) out.set(key(r), (out.get(key(r)) ?? 0) + quantity(r));
  return out;
}
