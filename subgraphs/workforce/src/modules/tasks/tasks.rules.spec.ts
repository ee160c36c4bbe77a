import { describe, expect, it } from 'vitest';
import { DEFAULT_REWARD_RATES, complexityForWeight, complexityFrom, taskReward } from './tasks.rules.ts';

describe('task rules', () => {
  it('prices a task from the tenant rate and complexity, exactly', () => {
    expect(taskReward(DEFAULT_REWARD_RATES.NGN, 1, 'NGN').amount.toFixed(2)).toBe('1250.00');
    expect(taskReward(DEFAULT_REWARD_RATES.NGN, 10, 'NGN').amount.toFixed(2)).toBe('3500.00');
    expect(taskReward(DEFAULT_REWARD_RATES.GHS, 7, 'GHS').amount.toFixed(2)).toBe('22.00');
    expect(taskReward({ base: '0.10', perComplexity: '0.20' }, 3, 'USD').amount.toString()).toBe('0.7');
    expect(taskReward({ base: '100', perComplexity: '0.5' }, 3, 'XOF').amount.toString()).toBe('102'); // 101.5 → 102 half-even
  });

  it('reads complexities defensively from events', () => {
    expect([complexityFrom(4), complexityFrom('7'), complexityFrom(0), complexityFrom(42), complexityFrom(undefined), complexityFrom('x'), complexityFrom(2.6)]).toEqual([4, 7, 1, 10, 1, 1, 3]);
    expect([complexityForWeight(10), complexityForWeight(61), complexityForWeight(5000), complexityForWeight(30, 4)]).toEqual([1, 4, 10, 5]);
  });
});

describe('task rules at their edges (issue 19, mutation testing)', () => {
  it('takes the rate as strings, numbers or decimals, and rounds half-even to minor units', () => {
    expect(taskReward({ base: 1000, perComplexity: 250 }, 2, 'NGN').amount.toFixed(2)).toBe('1500.00');
    expect(taskReward({ base: '0.005', perComplexity: '0' }, 1, 'USD').amount.toFixed(2)).toBe('0.00'); // 0.005 → 0.00 half-even
    expect(taskReward({ base: '0.015', perComplexity: '0' }, 1, 'USD').amount.toFixed(2)).toBe('0.02');
    expect(taskReward(DEFAULT_REWARD_RATES.KES, 4, 'KES')).toMatchObject({ currencyCode: 'KES' });
    expect(taskReward(DEFAULT_REWARD_RATES.KES, 4, 'KES').amount.toString()).toBe('200');
  });

  it('clamps and rounds complexities at both ends, and refuses what is not a number', () => {
    expect([1, 10, 0.4, 0.5, 9.5, 10.4, -3, '10', '0', ' 3 ', '', null, Number.NaN, Number.POSITIVE_INFINITY, {}].map((x) => complexityFrom(x))).toEqual([1, 10, 1, 1, 10, 10, 1, 10, 1, 3, 1, 1, 1, 1, 1]);
    // only numbers and numeric strings are read: an array or a boolean is garbage, not its coerced number
    expect([[7], true, [' 4 ']].map((x) => complexityFrom(x))).toEqual([1, 1, 1]);
  });

  it('maps weight bands and extra stops to complexity, capped at 10', () => {
    expect([0, 10, 10.1, 25, 26, 400, 401, 3000, 3001].map((kg) => complexityForWeight(kg))).toEqual([1, 1, 2, 2, 3, 6, 7, 9, 10]);
    expect([complexityForWeight(10, 1), complexityForWeight(10, 2), complexityForWeight(10, 3), complexityForWeight(3000, 5)]).toEqual([1, 1, 2, 10]);
  });
});
