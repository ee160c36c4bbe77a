// Cold chain by product (issue 15): the range a refrigerated vehicle's cargo needs, when a reading starts, extends
// or ends an excursion, how long it lasted, and when an unacknowledged one escalates. Pure; the service does I/O.
import { combinedRange, type TemperatureRange } from '@omniroute/core';

/** A refrigerated box without chilled cargo on board is still held to the fleet's old rule: at most 8 °C. */
export const DEFAULT_MAX_C = 8;
/** Minutes an excursion may stay unacknowledged before it escalates (configurable per deployment). */
export const DEFAULT_ESCALATE_AFTER_MINUTES = 15;

/** The range the cargo allows: a lower bound only when some product on board has one. */
export interface CargoRange {
  minC: number | null;
  maxC: number;
}

/**
 * The range a vehicle must keep: the tightest bounds of the chilled products it carries (their shipments' ranges),
 * or at most 8 °C when it carries none.
 */
export function cargoRange(ranges: readonly (TemperatureRange | null)[]): CargoRange {
  const r = combinedRange([...ranges]);
  return r ? { minC: r.minC, maxC: r.maxC } : { minC: null, maxC: DEFAULT_MAX_C };
}

/** Whether a reading is outside the range. */
export function outOfRange(temperatureC: number, range: CargoRange): boolean {
  return temperatureC > range.maxC || (range.minC != null && temperatureC < range.minC);
}

/** The open excursion of a vehicle, as far as the rule needs it. */
export interface OpenExcursion {
  lastReadingAt: Date;
}

/**
 * What a reading does: OPEN a new excursion (out of range, none open), EXTEND the open one (out of range, not older
 * than its newest reading), CLOSE it (back in range, newer), or NONE. Late readings (devices upload buffered ones)
 * never close an excursion: a newer reading already spoke for the present.
 */
export function excursionStep(open: OpenExcursion | null, reading: { temperatureC: number; at: Date }, range: CargoRange): 'OPEN' | 'EXTEND' | 'CLOSE' | 'NONE' {
  const out = outOfRange(reading.temperatureC, range);
  if (!open) return out ? 'OPEN' : 'NONE';
  if (out) return 'EXTEND';
  return reading.at.getTime() >= open.lastReadingAt.getTime() ? 'CLOSE' : 'NONE';
}

/** How long the excursion lasted (ended) or has lasted so far (ongoing, up to its newest reading), in seconds. */
export function excursionSeconds(a: { recordedAt: Date; endedAt: Date | null; lastReadingAt: Date | null }): number {
  const end = a.endedAt ?? a.lastReadingAt ?? a.recordedAt;
  return Math.max(0, Math.round((end.getTime() - a.recordedAt.getTime()) / 1000));
}

/** Whether an alert is due to escalate: nobody acknowledged it within `afterMinutes` of its start, and it has not yet. */
export function escalationDue(a: { recordedAt: Date; acknowledgedAt: Date | null; escalatedAt: Date | null }, now: Date, afterMinutes: number): boolean {
  return !a.acknowledgedAt && !a.escalatedAt && now.getTime() - a.recordedAt.getTime() >= afterMinutes * 60_000;
}
