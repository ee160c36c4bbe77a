// Cold chain by product: the temperature range a product's goods must stay in, and the range an order's goods
// need together. Pure and shared: commerce stores ranges and announces an order's combined one; logistics' seed
// derives the same for the demo's shipments.

export interface TemperatureRange {
  minC: number;
  maxC: number;
}

/** Ranges outside this are not storage temperatures but typos (deep-frozen goods go to about −30 °C). */
export const LOWEST_C = -40;
export const HIGHEST_C = 40;

/** Why a range is unacceptable, or null when it is fine. */
export function rangeProblem(r: TemperatureRange): string | null {
  if (!Number.isFinite(r.minC) || !Number.isFinite(r.maxC)) return 'minC and maxC must be numbers';
  if (r.minC < LOWEST_C || r.maxC > HIGHEST_C) return `the range must lie within ${LOWEST_C}…${HIGHEST_C} °C`;
  if (r.minC >= r.maxC) return 'minC must be below maxC';
  return null;
}

/**
 * The range an order's goods need when they travel together: the tightest bounds of its chilled products (null when
 * none is chilled). Incompatible products (say frozen and chilled) still get one range, min above max: it tells
 * logistics the order needs a refrigerated vehicle, and a person must split it.
 */
export function combinedRange(ranges: (TemperatureRange | null)[]): TemperatureRange | null {
  let out: TemperatureRange | null = null;
  for (const r of ranges) {
    if (!r) continue;
    out = out ? { minC: Math.max(out.minC, r.minC), maxC: Math.min(out.maxC, r.maxC) } : { ...r };
  }
  return out;
}

/** A product row's range, or null for ambient goods. */
export function rangeOf(p: { tempMinC: number | null; tempMaxC: number | null }): TemperatureRange | null {
  return p.tempMinC != null && p.tempMaxC != null ? { minC: p.tempMinC, maxC: p.tempMaxC } : null;
}
