import { describe, expect, it } from 'vitest';
import { creditScore, limitFactor, NEUTRAL_SCORE, reviewedLimit, utilizationOf, utilizationPoints } from './credit-score.ts';

const h = (over: Partial<Parameters<typeof creditScore>[0]> = {}) => ({ onTime: 0, late: 0, overdue: 0, utilization: 0.5, ...over });

describe('credit score', () => {
  it('starts neutral without history (600, plus utilization points)', () => {
    expect(creditScore(h({ utilization: 0.75 }))).toBe(NEUTRAL_SCORE);
    expect(creditScore(h({ utilization: 0 }))).toBe(700);
  });

  it('rewards on-time payments up to +300 and reaches 1000 for a spotless low-utilization payer', () => {
    expect(creditScore(h({ onTime: 3, utilization: 0.75 }))).toBe(690);
    expect(creditScore(h({ onTime: 10, utilization: 0.1 }))).toBe(1000);
    expect(creditScore(h({ onTime: 50, utilization: 0.1 }))).toBe(1000);
  });

  it('punishes late payments and overdue invoices harder than it rewards on-time ones', () => {
    expect(creditScore(h({ onTime: 1, late: 1, utilization: 0.75 }))).toBeLessThan(NEUTRAL_SCORE);
    expect(creditScore(h({ late: 2, utilization: 0.75 }))).toBe(450);
    expect(creditScore(h({ overdue: 2, utilization: 0.75 }))).toBe(400);
    expect(creditScore(h({ late: 10, overdue: 10, utilization: 2 }))).toBe(0);
  });

  it('scores utilization in bands', () => {
    expect([0, 0.3, 0.31, 0.6, 0.61, 0.9, 0.91, 1, 1.01].map(utilizationPoints)).toEqual([100, 100, 50, 50, 0, 0, -50, -50, -150]);
    expect(utilizationOf('250', '1000')).toBe(0.25);
    expect(utilizationOf('0', '0')).toBe(0);
    expect(utilizationOf('1', '0')).toBe(Infinity);
  });

  it('scales the approved limit by score band and suspends below 200', () => {
    expect([1000, 900, 899, 750, 749, 500, 499, 350, 349, 200, 199, 0].map((s) => limitFactor(s).toNumber())).toEqual([
      1.5, 1.5, 1.25, 1.25, 1, 1, 0.75, 0.75, 0.5, 0.5, 0, 0,
    ]);
    expect(reviewedLimit('500000', 920, 'NGN').toFixed(2)).toBe('750000.00');
    expect(reviewedLimit('5000.01', 400, 'GHS').toFixed(2)).toBe('3750.01');
    expect(reviewedLimit('1001', 400, 'XOF').toString()).toBe('751');
    expect(reviewedLimit('500000', 100, 'NGN').toString()).toBe('0');
  });
});
