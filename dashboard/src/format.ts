// Small display helpers.

export function ago(t: number | null | undefined, now: number): string {
  if (t === null || t === undefined) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ago`;
  return new Date(t).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export const clock = (t: number) => new Date(t).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });

export const titleCase = (s: string | null | undefined) =>
  (s ?? '').toLowerCase().replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

export const integer = (n: number) => n.toLocaleString('en-US');

/** Tone of a status for pills: good, info, warn, bad, neutral. */
export function tone(status: string | null | undefined): 'good' | 'info' | 'warn' | 'bad' | 'neutral' {
  switch (status) {
    case 'DELIVERED': case 'PAID': case 'CONFIRMED': return 'good';
    case 'DISPATCHED': case 'IN_TRANSIT': case 'PACKED': case 'ASSIGNED': case 'ISSUED': return 'info';
    case 'PENDING': case 'PARTIALLY_PAID': case 'DRAFT': case 'OVERDUE': return 'warn';
    case 'REJECTED': case 'CANCELLED': case 'FAILED': case 'VOID': return 'bad';
    default: return 'neutral';
  }
}
