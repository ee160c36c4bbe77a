import { createHash } from 'node:crypto';
import { UserErrorCode as C, userError, type Result, type UserError } from '@omniroute/core';

/** Limits on what clients may send (STYLE: strings ≤ 200 unless a note; quantities 1..100000). */
export const MAX_STRING = 200;
export const MAX_NOTE = 500;
export const MAX_LINES = 100;
export const MAX_QUANTITY = 100_000;
export const MAX_IDEMPOTENCY_KEY = 100;

export interface LineInput {
  sku: string;
  quantity: number;
}

export interface PlaceOrderRequest {
  customerId: string;
  channel: string;
  locationId: string;
  lines: LineInput[];
  paymentTerms?: string | null;
  idempotencyKey?: string | null;
}

/** A validated request: lines merged by SKU (first-seen order), and a hash that identifies it for idempotent retries. */
export interface NormalisedPlaceOrder extends PlaceOrderRequest {
  lines: LineInput[];
  idempotencyKey: string | null;
  requestHash: string;
}

const badString = (v: unknown, max: number) => typeof v !== 'string' || v.length === 0 || v.length > max;

/**
 * Validates order lines: 1..100 lines, SKUs 1..200 characters, whole quantities 1..100000; repeated SKUs are
 * merged (their sum must fit the limit too). `at` is the input path of the lines, for userErrors' `field`.
 */
export function normaliseLines(lines: readonly LineInput[], at: string[]): Result<LineInput[]> {
  const errors: UserError[] = [];
  if (!Array.isArray(lines) || lines.length === 0) return { ok: false, errors: [userError(C.INVALID_INPUT, 'An order needs at least one line', at)] };
  if (lines.length > MAX_LINES) return { ok: false, errors: [userError(C.INVALID_INPUT, `An order has at most ${MAX_LINES} lines`, at)] };
  const merged = new Map<string, LineInput>();
  lines.forEach((l, i) => {
    if (badString(l.sku, MAX_STRING)) errors.push(userError(C.INVALID_INPUT, `SKU must be 1 to ${MAX_STRING} characters`, [...at, String(i), 'sku']));
    if (!Number.isInteger(l.quantity) || l.quantity <= 0 || l.quantity > MAX_QUANTITY) {
      errors.push(userError(C.INVALID_QUANTITY, `Quantity must be a whole number from 1 to ${MAX_QUANTITY}`, [...at, String(i), 'quantity']));
    }
    if (errors.length) return;
    const seen = merged.get(l.sku);
    if (seen) seen.quantity += l.quantity;
    else merged.set(l.sku, { sku: l.sku, quantity: l.quantity });
  });
  if (errors.length) return { ok: false, errors };
  for (const l of merged.values()) {
    if (l.quantity > MAX_QUANTITY) {
      errors.push(userError(C.INVALID_QUANTITY, `${l.sku}: repeated lines add up to more than ${MAX_QUANTITY}`, at));
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, value: [...merged.values()] };
}

/** Validates placeOrder input without touching the database. */
export function validatePlaceOrder(input: PlaceOrderRequest): Result<NormalisedPlaceOrder> {
  const errors: UserError[] = [];
  if (badString(input.customerId, MAX_STRING)) errors.push(userError(C.INVALID_INPUT, `customerId must be 1 to ${MAX_STRING} characters`, ['input', 'customerId']));
  if (badString(input.locationId, MAX_STRING)) errors.push(userError(C.INVALID_INPUT, `locationId must be 1 to ${MAX_STRING} characters`, ['input', 'locationId']));
  const key = input.idempotencyKey ?? null;
  if (key !== null && badString(key, MAX_IDEMPOTENCY_KEY)) {
    errors.push(userError(C.INVALID_INPUT, `idempotencyKey must be 1 to ${MAX_IDEMPOTENCY_KEY} characters`, ['input', 'idempotencyKey']));
  }
  const lines = normaliseLines(input.lines, ['input', 'lines']);
  if (!lines.ok) errors.push(...lines.errors);
  if (errors.length || !lines.ok) return { ok: false, errors };
  const normalised = { ...input, lines: lines.value, paymentTerms: input.paymentTerms ?? null, idempotencyKey: key };
  return { ok: true, value: { ...normalised, requestHash: requestHash(normalised) } };
}

/** Identifies a request for idempotency: same customer, location, channel, terms and merged lines. */
export function requestHash(r: PlaceOrderRequest): string {
  const lines = [...r.lines].sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0)).map((l) => [l.sku, l.quantity]);
  const canonical = JSON.stringify([r.customerId, r.locationId, r.channel, r.paymentTerms ?? null, lines]);
  return createHash('sha256').update(canonical).digest('hex');
}
