import { describe, expect, it } from 'vitest';
import { distanceKm, headingDeg, stepToward } from './geo.ts';

describe('simulator geometry', () => {
  const ikeja = { lat: 6.6018, lng: 3.3515 };
  const lekki = { lat: 6.4698, lng: 3.5852 };
  it('measures Lagos distances', () => {
    expect(distanceKm(ikeja, lekki)).toBeGreaterThan(25);
    expect(distanceKm(ikeja, lekki)).toBeLessThan(32);
  });
  it('steps toward a target and stops on arrival', () => {
    const s = stepToward(ikeja, lekki, 1);
    expect(distanceKm(ikeja, s.point)).toBeCloseTo(1, 1);
    expect(s.arrived).toBe(false);
    expect(stepToward(ikeja, lekki, 100)).toEqual({ point: lekki, arrived: true });
  });
  it('computes headings', () => {
    expect(headingDeg({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(0);
    expect(headingDeg({ lat: 0, lng: 0 }, { lat: 0, lng: 1 })).toBeCloseTo(90);
  });
});
