import { describe, expect, it } from 'vitest';
import { cargoRange, escalationDue, excursionSeconds, excursionStep, outOfRange } from './cold-chain.rules.ts';

const at = (m: number) => new Date(Date.UTC(2026, 10, 25, 10, m));

describe('cold chain rules', () => {
  it('holds a vehicle to the tightest range of its chilled cargo, else at most 8 °C', () => {
    expect(cargoRange([])).toEqual({ minC: null, maxC: 8 });
    expect(cargoRange([null, { minC: 2, maxC: 8 }, { minC: 0, maxC: 6 }])).toEqual({ minC: 2, maxC: 6 });
    expect(outOfRange(8, { minC: null, maxC: 8 })).toBe(false);
    expect(outOfRange(8.1, { minC: null, maxC: 8 })).toBe(true);
    expect(outOfRange(1.5, { minC: 2, maxC: 8 })).toBe(true);
    expect(outOfRange(-20, { minC: null, maxC: 8 })).toBe(false);
  });

  it('opens, extends and closes excursions; a late in-range reading closes nothing', () => {
    const range = { minC: 2, maxC: 8 };
    expect(excursionStep(null, { temperatureC: 5, at: at(0) }, range)).toBe('NONE');
    expect(excursionStep(null, { temperatureC: 9, at: at(0) }, range)).toBe('OPEN');
    expect(excursionStep({ lastReadingAt: at(5) }, { temperatureC: 1, at: at(6) }, range)).toBe('EXTEND');
    expect(excursionStep({ lastReadingAt: at(5) }, { temperatureC: 4, at: at(6) }, range)).toBe('CLOSE');
    expect(excursionStep({ lastReadingAt: at(5) }, { temperatureC: 4, at: at(3) }, range)).toBe('NONE');
  });

  it('measures the excursion and escalates unacknowledged ones after N minutes', () => {
    expect(excursionSeconds({ recordedAt: at(0), endedAt: at(12), lastReadingAt: at(11) })).toBe(720);
    expect(excursionSeconds({ recordedAt: at(0), endedAt: null, lastReadingAt: at(7) })).toBe(420);
    expect(excursionSeconds({ recordedAt: at(0), endedAt: null, lastReadingAt: null })).toBe(0);
    const alert = { recordedAt: at(0), acknowledgedAt: null, escalatedAt: null };
    expect(escalationDue(alert, at(14), 15)).toBe(false);
    expect(escalationDue(alert, at(15), 15)).toBe(true);
    expect(escalationDue({ ...alert, acknowledgedAt: at(3) }, at(30), 15)).toBe(false);
    expect(escalationDue({ ...alert, escalatedAt: at(15) }, at(30), 15)).toBe(false);
  });
});
