import { describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { finalDeliveries, pays, scenarioFor } from './scenarios.ts';

describe('sandbox scenarios', () => {
  it('are chosen by the last four digits of the phone, in any notation', () => {
    expect(scenarioFor('+254 700 001 001')).toBe('INSUFFICIENT_FUNDS');
    expect(scenarioFor('233241231002')).toBe('DECLINED');
    expect(scenarioFor('+2348031111003')).toBe('EXPIRED');
    expect(scenarioFor('+2348031111006')).toBe('OUT_OF_ORDER');
    expect(scenarioFor('+254700000000')).toBe('SUCCESS');
    expect(scenarioFor(null)).toBe('SUCCESS');
    expect([pays('DECLINED'), pays('SLOW_RESPONSE'), finalDeliveries('DUPLICATE_CALLBACKS'), finalDeliveries('LOST_CALLBACK')]).toEqual([false, true, 3, 0]);
  });

  it('every demo customer and rider pays successfully, so the demo never fails by accident', () => {
    const phones = demoPlan().flatMap((t) => [...t.customers.map((c) => c.phone), ...t.riders.map((r) => r.phone)]);
    expect(phones.length).toBeGreaterThan(100);
    expect(phones.filter((p) => scenarioFor(p) !== 'SUCCESS')).toEqual([]);
  });
});
