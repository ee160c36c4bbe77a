import { describe, expect, it } from 'vitest';
import { agingShares } from '../src/components/CollectionsTiles.tsx';

describe('collections tiles (issue 16)', () => {
  it('gives each aging bucket its exact share of the total', () => {
    const shares = agingShares({
      total: { amount: '1000.00', currencyCode: 'NGN' },
      buckets: [
        { bucket: 'CURRENT', amount: { amount: '500.00' } }, { bucket: 'DAYS_1_30', amount: { amount: '250.00' } },
        { bucket: 'DAYS_31_60', amount: { amount: '125.00' } }, { bucket: 'DAYS_61_90', amount: { amount: '125.00' } }, { bucket: 'DAYS_OVER_90', amount: { amount: '0' } },
      ],
      territories: [], customers: [],
    });
    expect(shares.map((s) => s.share)).toEqual([0.5, 0.25, 0.125, 0.125, 0]);
    expect(agingShares({ total: { amount: '0', currencyCode: 'GHS' }, buckets: [{ bucket: 'CURRENT', amount: { amount: '0' } }], territories: [], customers: [] })[0]!.share).toBe(0);
  });
});
