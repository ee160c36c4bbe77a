import { describe, expect, it } from 'vitest';
import { dec } from '@omniroute/core';
import { creditScore } from '../credit/credit-score.ts';
import { allocateRepayment, DEFAULT_FINANCING_POLICY, financingOffers, instalmentDaysOverdue, instalmentSchedule, isDefaulted, lateFeeDue, offerId, parseOfferId, scoreFactors } from './financing.rules.ts';

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

describe('offer ids', () => {
  const ref = { tenantId: 'tnt_LAGOS', customerId: 'cus_1', invoiceId: 'inv_1', tenorDays: 14 as const, currency: 'NGN' as const, limit: '123456.78', feeRate: '0.04', quotedAt: 1_760_000_000_000 };
  it('carry the offer shown and read back exactly', () => {
    const id = offerId(ref);
    expect(id).toMatch(/^fof_[A-Za-z0-9_-]+$/);
    expect(parseOfferId(id)).toEqual(ref);
  });
  it('refuse anything else', () => {
    expect(parseOfferId('fof_garbage')).toBeNull();
    expect(parseOfferId('inv_1')).toBeNull();
    expect(parseOfferId(offerId({ ...ref, tenorDays: 21 as never }))).toBeNull();
    expect(parseOfferId(offerId({ ...ref, limit: '-5' }))).toBeNull();
  });
});

describe('instalment schedule', () => {
  const at = new Date('2026-03-10T15:00:00Z');
  it('splits principal plus fee into equal instalments in minor units, the remainder on the last', () => {
    const s = instalmentSchedule(dec('1000.01'), 30, 'NGN', at);
    expect(s.map((x) => [x.sequence, x.dueDate.toISOString().slice(0, 10), x.amount.toFixed(2)])).toEqual([
      [1, '2026-03-20', '333.33'], [2, '2026-03-30', '333.33'], [3, '2026-04-09', '333.35'],
    ]);
    expect(s.reduce((t, x) => t.plus(x.amount), dec(0)).toFixed(2)).toBe('1000.01');
  });
  it('one instalment for 7 days, weekly for 14; whole units for XOF', () => {
    expect(instalmentSchedule(dec('101'), 7, 'XOF', at).map((x) => x.amount.toString())).toEqual(['101']);
    expect(instalmentSchedule(dec('101'), 14, 'XOF', at).map((x) => [x.dueDate.toISOString().slice(0, 10), x.amount.toString()])).toEqual([['2026-03-17', '50'], ['2026-03-24', '51']]);
    expect(() => instalmentSchedule(dec('10.5'), 7, 'XOF', at)).toThrow(/decimals/);
  });
});

describe('late fees and default', () => {
  const p = DEFAULT_FINANCING_POLICY;
  it('nothing within the grace days, then the daily rate per day, capped', () => {
    expect(lateFeeDue(dec('1000'), 0, 'NGN', p).toString()).toBe('0');
    expect(lateFeeDue(dec('1000'), p.graceDays, 'NGN', p).toString()).toBe('0');
    expect(lateFeeDue(dec('1000'), p.graceDays + 1, 'NGN', p).toString()).toBe('2'); // 0.2 % of 1000
    expect(lateFeeDue(dec('1000'), p.graceDays + 10, 'NGN', p).toString()).toBe('20');
    expect(lateFeeDue(dec('1000'), 400, 'NGN', p).toString()).toBe('150'); // 15 % cap
    expect(lateFeeDue(dec('333.33'), p.graceDays + 1, 'NGN', p).toString()).toBe('0.67'); // rounded to kobo
  });
  it('a configurable policy', () => {
    const strict = { graceDays: 0, dailyRate: '0.01', maxRate: '0.05', defaultAfterDays: 7 };
    expect(lateFeeDue(dec('1000'), 2, 'NGN', strict).toString()).toBe('20');
    expect(lateFeeDue(dec('1000'), 9, 'NGN', strict).toString()).toBe('50');
    expect(isDefaulted(7, strict)).toBe(false);
    expect(isDefaulted(8, strict)).toBe(true);
    expect(isDefaulted(30)).toBe(false);
    expect(isDefaulted(31)).toBe(true);
  });
  it('days overdue are whole UTC days from the due day', () => {
    const due = new Date('2026-03-20T00:00:00Z');
    expect(instalmentDaysOverdue(due, new Date('2026-03-20T23:59:00Z'))).toBe(0);
    expect(instalmentDaysOverdue(due, new Date('2026-03-21T00:01:00Z'))).toBe(1);
    expect(instalmentDaysOverdue(due, new Date('2026-03-01T00:00:00Z'))).toBe(0);
  });
});

describe('repayment allocation', () => {
  const inst = [
    { id: 'a', amount: dec('100'), lateFee: dec('5'), paid: dec('0') },
    { id: 'b', amount: dec('100'), lateFee: dec('0'), paid: dec('0') },
  ];
  it('oldest first, late fee included', () => {
    expect(allocateRepayment(inst, dec('150')).map((x) => [x.id, x.paid.toString(), x.settled])).toEqual([['a', '105', true], ['b', '45', false]]);
    expect(allocateRepayment(inst, dec('205')).every((x) => x.settled)).toBe(true);
  });
  it('never beyond what is owed', () => {
    expect(() => allocateRepayment(inst, dec('205.01'))).toThrow(/exceeds/);
  });
  it('a defaulted agreement or financing still being repaid limits new offers', () => {
    const base = { currency: 'NGN' as const, baseLimit: dec('1000000'), onHold: false, maxDaysOverdue: 0, score: 950 };
    expect(financingOffers({ ...base, financingDefaulted: true })).toMatchObject({ eligible: false, reason: expect.stringContaining('default') });
    expect(financingOffers({ ...base, financedOutstanding: dec('400000') }).offers[0]!.limit.toString()).toBe('600000');
    expect(financingOffers({ ...base, financedOutstanding: dec('1000000') })).toMatchObject({ eligible: false, reason: expect.stringContaining('financing') });
  });
});
