// Beat plans (issue 15): which customers a sales rep visits on which day of a week, whether a GPS check-in is at
// the customer, and the strike rate. Pure; the service does the I/O.
import { distanceKm, type LatLng } from '../../lib/geo.ts';

export type CustomerTier = 'BRONZE' | 'SILVER' | 'GOLD' | 'PLATINUM';

/** A check-in or check-out further than this from the customer is refused. */
export const VISIT_RADIUS_M = 200;
/** Visits a week by tier: platinum three times, gold twice, silver weekly, bronze every other week. */
export const VISITS_PER_WEEK: Record<CustomerTier, number> = { PLATINUM: 3, GOLD: 2, SILVER: 1, BRONZE: 0.5 };
/** A beat covers Monday to Friday. */
export const WORKDAYS = 5;

/** Day patterns (0 = Monday) for n visits a week, spread out: preferred first. */
const PATTERNS: Record<number, number[][]> = {
  3: [[0, 2, 4]],
  2: [[0, 3], [1, 3], [1, 4], [0, 2], [2, 4]],
  1: [[0], [1], [2], [3], [4]],
};

/** Why `weekStart` is not a Monday as YYYY-MM-DD, or null. */
export function weekStartProblem(weekStart: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(weekStart);
  if (!m) return 'weekStart must be a day as YYYY-MM-DD';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.toISOString().slice(0, 10) !== weekStart) return 'weekStart is not a calendar day';
  return d.getUTCDay() === 1 ? null : 'weekStart must be a Monday';
}

/** The working days of the week starting on `weekStart` (a Monday), as YYYY-MM-DD. */
export function workdaysOf(weekStart: string): string[] {
  const t = Date.parse(`${weekStart}T00:00:00Z`);
  return Array.from({ length: WORKDAYS }, (_, i) => new Date(t + i * 86_400_000).toISOString().slice(0, 10));
}

/** ISO 8601 week number of a day. */
export function isoWeek(day: string): number {
  const d = new Date(`${day}T00:00:00Z`);
  const thursday = new Date(d.getTime() + (3 - ((d.getUTCDay() + 6) % 7)) * 86_400_000);
  const jan4 = new Date(Date.UTC(thursday.getUTCFullYear(), 0, 4));
  return 1 + Math.round((thursday.getTime() - jan4.getTime()) / 86_400_000 / 7 - (3 - ((jan4.getUTCDay() + 6) % 7)) / 7);
}

/** A stable small hash of an id: spreads fortnightly customers over odd and even weeks. */
const parity = (id: string) => [...id].reduce((h, ch) => (h * 31 + ch.charCodeAt(0)) >>> 0, 7) % 2;

/** Visits of one customer in the week: its tier's rate, fortnightly ones on alternate weeks. */
export function visitsInWeek(customer: { id: string; tier: string }, weekStart: string): number {
  const rate = VISITS_PER_WEEK[customer.tier as CustomerTier] ?? VISITS_PER_WEEK.BRONZE;
  if (rate >= 1) return rate;
  return (isoWeek(weekStart) + parity(customer.id)) % 2 === 0 ? 1 : 0;
}

/**
 * The week's visits: each customer on its tier's number of days, spread over the week, days balanced (greedy:
 * most frequent customers first, each on the pattern that keeps the busiest day lightest). Deterministic.
 */
export function scheduleBeat(customers: readonly { id: string; tier: string }[], weekStart: string): { customerId: string; date: string }[] {
  const days = workdaysOf(weekStart);
  const load = new Array<number>(WORKDAYS).fill(0);
  const todo = customers
    .map((c) => ({ id: c.id, n: visitsInWeek(c, weekStart) }))
    .filter((c) => c.n > 0)
    .sort((a, b) => b.n - a.n || (a.id < b.id ? -1 : 1));
  const out: { customerId: string; date: string }[] = [];
  for (const c of todo) {
    let best: number[] = PATTERNS[c.n]![0]!;
    let bestScore = Infinity;
    for (const p of PATTERNS[c.n]!) {
      const after = load.map((l, d) => l + (p.includes(d) ? 1 : 0));
      const score = Math.max(...after) * 1000 + p.reduce((s, d) => s + load[d]!, 0);
      if (score < bestScore) [best, bestScore] = [p, score];
    }
    for (const d of best) {
      load[d]!++;
      out.push({ customerId: c.id, date: days[d]! });
    }
  }
  return out.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.customerId < b.customerId ? -1 : 1));
}

/** Metres between the rep and the customer, and whether that is close enough to check in or out. */
export function visitDistance(customer: LatLng, rep: LatLng): { distanceM: number; withinRadius: boolean } {
  const distanceM = Math.round(distanceKm(customer, rep) * 1000 * 10) / 10;
  return { distanceM, withinRadius: distanceM <= VISIT_RADIUS_M };
}

/** Visits with an order ÷ visits; null when there were no visits. */
export function strikeRate(visits: number, withOrder: number): number | null {
  return visits > 0 ? Math.round((withOrder / visits) * 10_000) / 10_000 : null;
}

/** Whether an order placed at `placedAt` was placed during a visit (between check-in and check-out, or still open). */
export function duringVisit(visit: { checkInAt: Date | null; checkOutAt: Date | null }, placedAt: Date): boolean {
  return !!visit.checkInAt && visit.checkInAt.getTime() <= placedAt.getTime() && (!visit.checkOutAt || placedAt.getTime() <= visit.checkOutAt.getTime());
}
