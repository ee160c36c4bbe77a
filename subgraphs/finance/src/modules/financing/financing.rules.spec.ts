import { describe, expect, it } from 'vitest';
import { dec } from '@omniroute/core';
import { creditScore } from '../credit/credit-score.ts';
import { financingOffers, scoreFactors } from './financing.rules.ts';

describe('score factors', () => {
  it('explain every point of the score', () => {
    const h = { onTime: 4, late: 1, overdue: 1, utilization: 0.45 };
    const f = scoreFactors(h);
    expect(f.map((x) => [x.factor, x.points])).toEqual([['BASELINE', 600], ['ON_TIME_PAYMENTS', 120], ['LATE_PAYMENTS', -75], ['OVERDUE_INVOICES', -100], ['UTILIZATION', 50]]);
    expect(f.reduce((s, x) => s + x.points, 0)).toBe(creditScore(h));
    expect(f[4]!.detail).toContain('45 %');
  });
});

describe('financing offers', () => {
  const base = { currency: 'NGN' as const, baseLimit: dec('1000000'), onHold: false, maxDaysOverdue: 0 };
  it('a strong score finances the whole approved limit at the lowest fees, for 7, 14 and 30 days', () => {
    const o = financingOffers({ ...base, score: 950 });
    expect(o.eligible).toBe(true);
    expect(o.offers.map((x) => [x.tenorDays, x.limit.toString(), x.fee.toString(), x.repayable.toString()])).toEqual([
      [7, '1000000', '10000', '1010000'], [14, '1000000', '17500', '1017500'], [30, '1000000', '30000', '1030000'],
    ]);
  });
  it('a middling score gets half the limit at higher fees; one invoice caps the limit at what is due', () => {
    const o = financingOffers({ ...base, score: 600, amountDue: dec('123456.78') });
    expect(o.offers.map((x) => [x.limit.toString(), x.feeRate.toString(), x.fee.toString()])).toEqual([
      ['123456.78', '0.025', '3086.42'], ['123456.78', '0.04', '4938.27'], ['123456.78', '0.07', '8641.97'],
    ]);
  });
  it('refuses below 500, on hold, or more than 30 days overdue, saying why', () => {
    expect(financingOffers({ ...base, score: 499 })).toMatchObject({ eligible: false, reason: 'score 499 is below 500' });
    expect(financingOffers({ ...base, score: 900, onHold: true })).toMatchObject({ eligible: false, reason: expect.stringContaining('hold') });
    expect(financingOffers({ ...base, score: 900, maxDaysOverdue: 31 })).toMatchObject({ eligible: false, reason: expect.stringContaining('31 days') });
    expect(financingOffers({ ...base, score: 900, amountDue: dec(0) })).toMatchObject({ eligible: false });
  });
});
