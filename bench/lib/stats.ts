// Percentiles and tables.

/** Nearest-rank percentile of an ascending array (p in 0..100). */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

/** Percentile from a histogram of integer milliseconds ({ ms: count }). */
export function histogramPercentile(hist: Record<string, number>, p: number): number {
  const keys = Object.keys(hist).map(Number).sort((a, b) => a - b);
  const total = keys.reduce((s, k) => s + hist[k]!, 0);
  if (!total) return NaN;
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (const k of keys) {
    seen += hist[k]!;
    if (seen >= rank) return k;
  }
  return keys[keys.length - 1]!;
}

export function mergeHistograms(hs: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const h of hs) for (const [k, v] of Object.entries(h)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** A plain-text table: first row is the header; numbers right-aligned. */
export function table(rows: (string | number | boolean | null | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === null || c === undefined ? '–' : typeof c === 'number' ? fmt(c) : String(c))));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[], isHeader: boolean) =>
    r.map((c, i) => (isHeader || i === 0 || !/^[-\d.,×x%]+$/.test(c) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(cells[0]!, true), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map((r) => line(r, false))].join('\n');
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '–';
  if (Number.isInteger(n)) return String(n);
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}
