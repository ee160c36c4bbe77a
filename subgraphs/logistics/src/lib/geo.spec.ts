import { describe, expect, it } from 'vitest';
import { distanceKm, pointOf } from './geo.ts';

describe('distanceKm', () => {
  it('is zero for the same point and symmetric', () => {
    const lagos = { lat: 6.5244, lng: 3.3792 };
    const ikeja = { lat: 6.6018, lng: 3.3515 };
    expect(distanceKm(lagos, lagos)).toBe(0);
    expect(distanceKm(lagos, ikeja)).toBeCloseTo(distanceKm(ikeja, lagos), 10);
  });

  it('matches known distances', () => {
    // Lagos → Accra is about 400 km as the crow flies; one degree of latitude about 111 km.
    expect(distanceKm({ lat: 6.5244, lng: 3.3792 }, { lat: 5.6037, lng: -0.187 })).toBeGreaterThan(395);
    expect(distanceKm({ lat: 6.5244, lng: 3.3792 }, { lat: 5.6037, lng: -0.187 })).toBeLessThan(410);
    expect(distanceKm({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111.2, 1);
  });
});

describe('pointOf', () => {
  it('needs both coordinates', () => {
    expect(pointOf(1, 2)).toEqual({ lat: 1, lng: 2 });
    expect(pointOf(null, 2)).toBeNull();
    expect(pointOf(1, undefined)).toBeNull();
    expect(pointOf(0, 0)).toEqual({ lat: 0, lng: 0 });
  });
});
