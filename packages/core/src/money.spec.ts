import { describe, expect, it } from 'vitest';
import { add, compare, formatAmount, money, multiply, round, subtract, sum } from './money.ts';

describe('money', () => {
  it('adds without float drift', () => {
    expect(add(money('0.1', 'NGN'), money('0.2', 'NGN')).amount.toString()).toBe('0.3');
  });
  it('refuses mixed currencies', () => {
    expect(() => add(money(1, 'NGN'), money(1, 'GHS'))).toThrow(/currency mismatch/);
    expect(() => compare(money(1, 'NGN'), money(1, 'KES'))).toThrow(/currency mismatch/);
  });
  it('multiplies and rounds half-even to minor units', () => {
    expect(round(multiply(money('10.005', 'NGN'), 1)).amount.toString()).toBe('10');
    expect(round(money('10.015', 'NGN')).amount.toString()).toBe('10.02');
    expect(round(money('1500.5', 'XOF')).amount.toString()).toBe('1500');
  });
  it('sums and subtracts', () => {
    const total = sum([money('1200.50', 'GHS'), money('99.50', 'GHS')], 'GHS');
    expect(formatAmount(total.amount, 'GHS')).toBe('1300.00');
    expect(subtract(total, money(300, 'GHS')).amount.toNumber()).toBe(1000);
  });
  it('formats with the currency minor units', () => {
    expect(formatAmount('12', 'NGN')).toBe('12.00');
    expect(formatAmount('12.4', 'XOF')).toBe('12');
  });
});
