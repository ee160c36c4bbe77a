import { describe, expect, it } from 'vitest';
import { isNewerReading, MAX_CLOCK_SKEW_MS, MAX_READING_AGE_MS, validatePosition, type PositionReading } from './position-rules.ts';

const now = new Date('2026-11-25T10:00:00.000Z');
const ok: PositionReading = { lat: 6.5, lng: 3.4, speedKph: 32, heading: 90, temperatureC: null, recordedAt: now };
const check = (patch: Partial<PositionReading>, coldChain = false) => validatePosition({ ...ok, ...patch }, { coldChain, now });
const fields = (patch: Partial<PositionReading>, coldChain = false) => check(patch, coldChain).map((e) => e.field?.join('.'));

describe('validatePosition', () => {
  it('accepts a plausible reading, including the range edges', () => {
    expect(check({})).toEqual([]);
    expect(check({ lat: -90, lng: 180, speedKph: 0, heading: 0 })).toEqual([]);
    expect(check({ lat: 90, lng: -180, speedKph: 300, heading: 359.9, temperatureC: -20 })).toEqual([]);
    expect(check({ heading: null })).toEqual([]);
    expect(check({ recordedAt: new Date(now.getTime() + MAX_CLOCK_SKEW_MS) })).toEqual([]);
    expect(check({ recordedAt: new Date('2026-11-20T10:00:00.000Z') })).toEqual([]);
  });

  it('refuses coordinates off the globe', () => {
    expect(fields({ lat: 90.0001 })).toEqual(['input.lat']);
    expect(fields({ lat: -91 })).toEqual(['input.lat']);
    expect(fields({ lng: 180.5 })).toEqual(['input.lng']);
    expect(fields({ lng: -181 })).toEqual(['input.lng']);
    expect(fields({ lat: Number.NaN, lng: Number.POSITIVE_INFINITY })).toEqual(['input.lat', 'input.lng']);
  });

  it('refuses negative or impossible speeds and bad headings', () => {
    expect(fields({ speedKph: -1 })).toEqual(['input.speedKph']);
    expect(fields({ speedKph: 301 })).toEqual(['input.speedKph']);
    expect(fields({ heading: 360 })).toEqual(['input.heading']);
    expect(fields({ heading: -1 })).toEqual(['input.heading']);
  });

  it('refuses readings from the future beyond the clock skew', () => {
    expect(fields({ recordedAt: new Date(now.getTime() + MAX_CLOCK_SKEW_MS + 1) })).toEqual(['input.recordedAt']);
    expect(fields({ recordedAt: new Date(Number.NaN) })).toEqual(['input.recordedAt']);
  });

  it('refuses readings older than 30 days (and so any before 1970)', () => {
    expect(fields({ recordedAt: new Date(now.getTime() - MAX_READING_AGE_MS) })).toEqual([]);
    expect(fields({ recordedAt: new Date(now.getTime() - MAX_READING_AGE_MS - 1) })).toEqual(['input.recordedAt']);
    expect(fields({ recordedAt: new Date('1900-01-01T00:00:00Z') })).toEqual(['input.recordedAt']);
  });

  it('needs a plausible temperature, and one from cold-chain vehicles', () => {
    expect(fields({ temperatureC: 200 })).toEqual(['input.temperatureC']);
    expect(check({ temperatureC: null }, true)).toEqual([
      { code: 'TEMPERATURE_REQUIRED', field: ['input', 'temperatureC'], message: 'Cold-chain vehicles must report temperatureC' },
    ]);
    expect(check({ temperatureC: 4 }, true)).toEqual([]);
  });

  it('reports every problem at once with code INVALID_INPUT', () => {
    const errors = check({ lat: 100, lng: 200, speedKph: 999 });
    expect(errors).toHaveLength(3);
    expect(errors.every((e) => e.code === 'INVALID_INPUT')).toBe(true);
  });
});

describe('isNewerReading', () => {
  it('replaces the last position only with a reading at least as new', () => {
    expect(isNewerReading(now, null)).toBe(true);
    expect(isNewerReading(now, now)).toBe(true);
    expect(isNewerReading(now, new Date(now.getTime() + 1))).toBe(false);
  });
});
