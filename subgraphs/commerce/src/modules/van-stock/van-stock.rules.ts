import { UserErrorCode as C, userError, type Result } from '@omniroute/core';

/** A ledger row of the van, as far as reconciliation cares. */
export interface VanMovement {
  variantId: string;
  type: string;
  quantity: number;
}

/** One SKU of an end-of-day reconciliation. */
export interface VanReconciliationLineValue {
  variantId: string;
  sku: string;
  /** On the van when the day started (the previous reconciliation's count, or the opening balance). */
  opening: number;
  /** Loaded from warehouses (transfers in). */
  loaded: number;
  /** Sold to customers (orders fulfilled from the van), net of customer returns to the van. */
  sold: number;
  /** Returned to warehouses (transfers out). */
  returned: number;
  /** Every other booking of the day (adjustments, approved counts). */
  other: number;
  /** What should be on the van: opening + loaded − sold − returned + other (the book). */
  expected: number;
  /** What the driver counted. */
  counted: number;
  /** counted − expected: negative when units are missing. */
  variance: number;
}

/**
 * The end-of-day balance of a van, per SKU: opening + loaded = sold + returned + remaining, where remaining is what
 * was counted and any difference against the book is the variance. Every SKU the book says is on the van must be
 * counted (an empty shelf is counted as 0), so a forgotten line is never booked as a loss.
 */
export function reconcileVan(
  opening: ReadonlyMap<string, number>,
  movements: readonly VanMovement[],
  counted: ReadonlyMap<string, number>,
  skuOf: (variantId: string) => string,
): Result<VanReconciliationLineValue[]> {
  const ids = new Set([...opening.keys(), ...movements.map((m) => m.variantId), ...counted.keys()]);
  const lines: VanReconciliationLineValue[] = [];
  const missing: string[] = [];
  for (const variantId of [...ids].sort((a, b) => skuOf(a).localeCompare(skuOf(b)))) {
    const l = { variantId, sku: skuOf(variantId), opening: opening.get(variantId) ?? 0, loaded: 0, sold: 0, returned: 0, other: 0, expected: 0, counted: 0, variance: 0 };
    for (const m of movements) {
      if (m.variantId !== variantId) continue;
      // the van's first day opens with its opening balance
      if (m.type === 'OPENING_BALANCE') l.opening += m.quantity;
      else if (m.type === 'TRANSFER_IN') l.loaded += m.quantity;
      else if (m.type === 'TRANSFER_OUT') l.returned -= m.quantity;
      else if (m.type === 'SALE' || m.type === 'CUSTOMER_RETURN') l.sold -= m.quantity;
      else l.other += m.quantity;
    }
    l.expected = l.opening + l.loaded - l.sold - l.returned + l.other;
    const c = counted.get(variantId);
    if (c === undefined) {
      if (l.expected !== 0 || l.loaded !== 0 || l.sold !== 0 || l.returned !== 0) missing.push(l.sku);
      if (l.expected === 0 && l.loaded === 0 && l.sold === 0 && l.returned === 0) continue; // nothing happened to it
    }
    l.counted = c ?? 0;
    l.variance = l.counted - l.expected;
    lines.push(l);
  }
  if (missing.length) {
    const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ` and ${missing.length - 10} more` : '');
    return { ok: false, errors: [userError(C.COUNT_INCOMPLETE, `Count every SKU on the van (0 for none left): ${shown}`, ['input', 'counts'])] };
  }
  return { ok: true, value: lines };
}
