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
