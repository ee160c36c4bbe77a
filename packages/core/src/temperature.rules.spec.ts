import { describe, expect, it } from 'vitest';
import { combinedRange, rangeOf, rangeProblem } from './temperature.rules.ts';

describe('temperature ranges', () => {
  it('accepts a sensible range and names what is wrong with others', () => {
    expect(rangeProblem({ minC: 2, maxC: 8 })).toBeNull();
    expect(rangeProblem({ minC: -30, maxC: -18 })).toBeNull();
    expect(rangeProblem({ minC: 8, maxC: 2 })).toMatch(/below/);
    expect(rangeProblem({ minC: 4, maxC: 4 })).toMatch(/below/);
    expect(rangeProblem({ minC: -60, maxC: 0 })).toMatch(/within/);
    expect(rangeProblem({ minC: Number.NaN, maxC: 5 })).toMatch(/numbers/);
  });

  it('combines an order’s products into the tightest range, null when nothing is chilled', () => {
    expect(combinedRange([null, null])).toBeNull();
    expect(combinedRange([null, { minC: 2, maxC: 8 }])).toEqual({ minC: 2, maxC: 8 });
    expect(combinedRange([{ minC: 0, maxC: 8 }, { minC: 2, maxC: 10 }])).toEqual({ minC: 2, maxC: 8 });
    expect(combinedRange([{ minC: -25, maxC: -18 }, { minC: 2, maxC: 8 }])).toEqual({ minC: 2, maxC: -18 });
  });

  it('reads a product row', () => {
    expect(rangeOf({ tempMinC: 2, tempMaxC: 8 })).toEqual({ minC: 2, maxC: 8 });
    expect(rangeOf({ tempMinC: null, tempMaxC: null })).toBeNull();
  });
});
