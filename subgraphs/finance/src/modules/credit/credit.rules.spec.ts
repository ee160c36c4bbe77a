import { describe, expect, it } from 'vitest';
import { money } from '@omniroute/core';
import { availableCredit, checkCredit, creditLineStatus, dueDateFor, isPaymentTerms, usesCredit } from './credit.rules.ts';

const line = (limit: string, utilized: string, currency: 'NGN' | 'GHS' = 'NGN') => ({ limit, utilized, currency });

describe('credit check', () => {
  it('approves a NET order that available credit covers, on credit', () => {
    expect(checkCredit('NET_14', money('400000', 'NGN'), line('500000', '100000'))).toEqual({ approved: true, onCredit: true });
  });

  it('approves exactly the available amount', () => {
    expect(checkCredit('NET_7', money('400000.00', 'NGN'), line('500000', '100000')).approved).toBe(true);
  });

  it('rejects a NET order above available credit with the available and required amounts', () => {
    const d = checkCredit('NET_30', money('400000.01', 'NGN'), line('500000', '100000'));
    expect(d.approved).toBe(false);
    if (d.approved) return;
    expect(d.reason).toBe('INSUFFICIENT_CREDIT');
    expect(d.available.amount.toFixed(2)).toBe('400000.00');
    expect(d.required.amount.toFixed(2)).toBe('400000.01');
  });

  it('skips the check for cash on delivery and prepaid orders, even without a line', () => {
    expect(checkCredit('CASH_ON_DELIVERY', money('9e9', 'NGN'), null)).toEqual({ approved: true, onCredit: false });
    expect(checkCredit('PREPAID', money('9e9', 'NGN'), line('0', '0'))).toEqual({ approved: true, onCredit: false });
  });

  it('rejects NET orders without a line, in another currency, or on a suspended line', () => {
    expect(checkCredit('NET_7', money('1', 'NGN'), null)).toMatchObject({ approved: false, reason: 'NO_CREDIT_LINE' });
    expect(checkCredit('NET_7', money('1', 'GHS'), line('500000', '0'))).toMatchObject({ approved: false, reason: 'CURRENCY_MISMATCH' });
    expect(checkCredit('NET_7', money('1', 'NGN'), line('0', '0'))).toMatchObject({ approved: false, reason: 'CREDIT_SUSPENDED' });
  });

  it('never reports negative available credit', () => {
    expect(availableCredit('100', '250').toString()).toBe('0');
    expect(creditLineStatus('100', '250')).toBe('OVER_LIMIT');
    expect(creditLineStatus('100', '100')).toBe('ACTIVE');
    expect(creditLineStatus('0', '0')).toBe('SUSPENDED');
  });

  it('only NET terms use credit', () => {
    expect(['NET_7', 'NET_14', 'NET_30', 'CASH_ON_DELIVERY', 'PREPAID'].map((t) => usesCredit(t as never))).toEqual([true, true, true, false, false]);
  });
});

describe('due dates', () => {
  const delivered = new Date('2026-11-20T14:30:00.000Z');
  it('adds the days of the NET terms to the delivery time', () => {
    expect(dueDateFor('NET_7', delivered).toISOString()).toBe('2026-11-27T14:30:00.000Z');
    expect(dueDateFor('NET_14', delivered).toISOString()).toBe('2026-12-04T14:30:00.000Z');
    expect(dueDateFor('NET_30', delivered).toISOString()).toBe('2026-12-20T14:30:00.000Z');
  });
  it('makes cash on delivery and prepaid due on delivery', () => {
    expect(dueDateFor('CASH_ON_DELIVERY', delivered)).toEqual(delivered);
    expect(dueDateFor('PREPAID', delivered)).toEqual(delivered);
  });

  it('a line on collections hold takes no credit orders until the hold is released (issue 16)', () => {
    const held = { limit: '1000000', utilized: '0', currency: 'NGN' as const, heldAt: new Date() };
    expect(checkCredit('NET_7', money('1', 'NGN'), held)).toMatchObject({ approved: false, reason: 'CREDIT_ON_HOLD' });
    expect(checkCredit('CASH_ON_DELIVERY', money('1', 'NGN'), held)).toEqual({ approved: true, onCredit: false });
    expect(creditLineStatus('1000000', '0', held.heldAt)).toBe('ON_HOLD');
  });
});

describe('payment terms from input (issue 19, mutation testing)', () => {
  it('knows the five terms and nothing else', () => {
    expect(['CASH_ON_DELIVERY', 'PREPAID', 'NET_7', 'NET_14', 'NET_30'].map((t) => isPaymentTerms(t))).toEqual([true, true, true, true, true]);
    expect(['NET_60', 'net_7', '', 'CASH', 7, null, undefined, ['NET_7']].map((t) => isPaymentTerms(t))).toEqual([false, false, false, false, false, false, false, false]);
  });
});
