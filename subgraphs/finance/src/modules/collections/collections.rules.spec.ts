import { describe, expect, it } from 'vitest';
import { dec } from '@omniroute/core';
import { ageAmounts, agingBucket, daysOverdue, dunningStage, needsCreditHold, promiseKept, reminderText, worklistPriority } from './collections.rules.ts';

const at = (s: string) => new Date(`${s}T12:00:00Z`);

describe('aging', () => {
  it('counts whole UTC days past the due date', () => {
    expect(daysOverdue(at('2026-12-05'), at('2026-12-05'))).toBe(0);
    expect(daysOverdue(new Date('2026-12-04T23:59:00Z'), new Date('2026-12-05T00:01:00Z'))).toBe(1);
    expect(daysOverdue(at('2026-12-10'), at('2026-12-05'))).toBe(0);
    expect(daysOverdue(null, at('2026-12-05'))).toBe(0);
  });
  it('buckets: current, 1–30, 31–60, 61–90, 90+', () => {
    expect([0, 1, 30, 31, 60, 61, 90, 91, 400].map(agingBucket)).toEqual(['CURRENT', 'DAYS_1_30', 'DAYS_1_30', 'DAYS_31_60', 'DAYS_31_60', 'DAYS_61_90', 'DAYS_61_90', 'DAYS_OVER_90', 'DAYS_OVER_90']);
    const a = ageAmounts([{ amount: dec('100.50'), days: 0 }, { amount: dec('10'), days: 45 }, { amount: dec('5'), days: 45 }, { amount: dec('1'), days: 120 }]);
    expect([a.CURRENT, a.DAYS_31_60, a.DAYS_OVER_90, a.total].map(String)).toEqual(['100.5', '15', '1', '116.5']);
  });
});

describe('collector worklist and credit hold', () => {
  it('orders by amount × days overdue', () => {
    expect(worklistPriority(dec('1000'), 10).gt(worklistPriority(dec('5000'), 1))).toBe(true);
    expect(worklistPriority(dec('1000'), 0).isZero()).toBe(true);
  });
  it('holds credit beyond 60 days overdue', () => {
    expect([needsCreditHold(60), needsCreditHold(61)]).toEqual([false, true]);
  });
});

describe('dunning schedule', () => {
  it('sends the latest step reached, none before the due date', () => {
    expect(dunningStage(0, true)).toBe('DUE_TODAY');
    expect(dunningStage(0, false)).toBeNull();
    expect([1, 6, 7, 13, 14, 29, 30, 59, 60, 200].map((d) => dunningStage(d, false))).toEqual(['OVERDUE_1', 'OVERDUE_1', 'OVERDUE_7', 'OVERDUE_7', 'OVERDUE_14', 'OVERDUE_14', 'OVERDUE_30', 'OVERDUE_30', 'OVERDUE_60', 'OVERDUE_60']);
  });
  it('writes short reminders with the amount in its currency', () => {
    const t = reminderText('OVERDUE_7', { customerName: 'Mama Nkechi Stores', invoiceNumber: 'INV-00042', amountDue: dec('12500'), currency: 'NGN', days: 9 });
    expect(t).toBe('Mama Nkechi Stores: invoice INV-00042 (NGN 12500.00) is 9 days overdue. Please pay today or reply with a date.');
    expect(t.length).toBeLessThanOrEqual(160);
    expect(reminderText('OVERDUE_60', { customerName: 'X', invoiceNumber: 'I', amountDue: dec('1'), currency: 'GHS', days: 61 })).toContain('on hold');
  });
  it('a promise is kept when at least its amount was paid', () => {
    expect([promiseKept(dec('100'), dec('99.99')), promiseKept(dec('100'), dec('100'))]).toEqual([false, true]);
  });
});
