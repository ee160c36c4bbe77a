import { describe, expect, it, vi } from 'vitest';
import { Decimal as PrismaDecimal } from '@prisma/client/runtime/client';
import { add, compare, Decimal, formatAmount, money, multiply, parseWireMoney, round, subtract, sum, wireMoney } from './money.ts';

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
  it('takes amounts from another decimal.js copy (Prisma rows) exactly, without a round trip through text', () => {
    for (const text of ['123456789012345.6789', '-0.0001', '0', '1e-20', '99999999999999999999.99995']) {
      const prisma = new PrismaDecimal(text);
      const m = money(prisma, 'NGN');
      expect(m.amount).toBeInstanceOf(Decimal);
      expect(m.amount.toString()).toBe(new Decimal(text).toString());
      expect(formatAmount(prisma, 'NGN')).toBe(formatAmount(text, 'NGN'));
      expect(add(m, money('0.01', 'NGN')).amount.equals(new Decimal(text).plus('0.01'))).toBe(true);
    }
    const prisma = new PrismaDecimal('5.5');
    const printed = vi.spyOn(prisma, 'toString');
    money(prisma, 'NGN').amount.d![0] = 9;
    expect(printed).not.toHaveBeenCalled(); // a copy: the row's value is not shared
    expect(prisma.toString()).toBe('5.5');
  });
  it('writes and reads the wire form events carry', () => {
    expect(wireMoney('1250.5', 'NGN')).toEqual({ amount: '1250.50', currencyCode: 'NGN' });
    expect(wireMoney(1250.5, 'XOF')).toEqual({ amount: '1250', currencyCode: 'XOF' });
    const back = parseWireMoney(wireMoney('99.99', 'KES'))!;
    expect(back.currencyCode).toBe('KES');
    expect(back.amount.toString()).toBe('99.99');
  });
  it('refuses malformed wire money', () => {
    for (const bad of [null, 'x', { amount: 12, currencyCode: 'NGN' }, { amount: '-1', currencyCode: 'NGN' }, { amount: '1.23456', currencyCode: 'NGN' },
      { amount: '1234567890123456', currencyCode: 'NGN' }, { amount: '1', currencyCode: 'EUR' }]) {
      expect(parseWireMoney(bad)).toBeNull();
    }
  });
});
