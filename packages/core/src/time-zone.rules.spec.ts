import { describe, expect, it } from 'vitest';
import { checkTimeZone, startOfDayIn, zoneOffsetMs } from './time-zone.rules.ts';

describe('time-zone rules', () => {
  it('knows the offsets of the demo tenants and of a zone with DST', () => {
    const at = new Date('2026-12-05T12:00:00Z');
    expect(zoneOffsetMs('Africa/Lagos', at)).toBe(3_600_000);
    expect(zoneOffsetMs('Africa/Accra', at)).toBe(0);
    expect(zoneOffsetMs('America/New_York', at)).toBe(-5 * 3_600_000);
    expect(zoneOffsetMs('America/New_York', new Date('2026-07-01T12:00:00Z'))).toBe(-4 * 3_600_000);
  });

  it('starts the day at local midnight', () => {
    // 23:30 UTC on 5 Dec is already 00:30 on 6 Dec in Lagos.
    expect(startOfDayIn('Africa/Lagos', new Date('2026-12-05T23:30:00Z')).toISOString()).toBe('2026-12-05T23:00:00.000Z');
    expect(startOfDayIn('Africa/Lagos', new Date('2026-12-05T22:30:00Z')).toISOString()).toBe('2026-12-04T23:00:00.000Z');
    expect(startOfDayIn('Africa/Accra', new Date('2026-12-05T23:30:00Z')).toISOString()).toBe('2026-12-05T00:00:00.000Z');
    expect(startOfDayIn('Asia/Kolkata', new Date('2026-12-05T20:00:00Z')).toISOString()).toBe('2026-12-05T18:30:00.000Z');
    // The day DST starts in New York (8 Mar 2026) began at 05:00 UTC although the offset at noon is -4 h.
    expect(startOfDayIn('America/New_York', new Date('2026-03-08T18:00:00Z')).toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });

  it('rejects unknown zones', () => {
    expect(checkTimeZone('Africa/Accra')).toBe('Africa/Accra');
    expect(() => checkTimeZone('Mars/Olympus')).toThrow(/Unknown time zone/);
  });
});
