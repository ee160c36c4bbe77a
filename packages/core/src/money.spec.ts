import { describe, expect, it, vi } from 'vitest';
import { Decimal as PrismaDecimal } from '@prisma/client/runtime/client';
import { add, compare, Decimal, formatAmount, money, moneyField, multiply, parseWireMoney, round, subtract, sum, wireMoney } from './money.ts';
import { DecimalScalar, sharedResolvers } from './scalars.ts';

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
  it('rounds half-even when printing a row\'s amount in place, in any currency, as a copy would', () => {
    const cases: [string, 'NGN' | 'XOF', string][] = [['2.345', 'NGN', '2.34'], ['2.355', 'NGN', '2.36'], ['-2.345', 'NGN', '-2.34'], ['1500.5', 'XOF', '1500'], ['1501.5', 'XOF', '1502'], ['123456789012345.6789', 'NGN', '123456789012345.68'], ['0', 'NGN', '0.00']];
    for (const [text, currency, printed] of cases) {
      const prisma = new PrismaDecimal(text);
      expect(formatAmount(prisma, currency)).toBe(printed);
      expect(formatAmount(money(prisma, currency).amount, currency)).toBe(printed);
      expect(prisma.toString()).toBe(new PrismaDecimal(text).toString()); // printed in place, not changed
    }
  });
  it('moneyField hands a row\'s amount to the Money resolver as it is, without a copy', () => {
    const prisma = new PrismaDecimal('12.5');
    const m = moneyField(prisma, 'KES');
    expect(m.amount).toBe(prisma);
    expect(m.currencyCode).toBe('KES');
    expect(sharedResolvers.Money.amount(m)).toBe('12.50');
    expect(sharedResolvers.Money.amount(moneyField('7', 'XOF'))).toBe('7');
  });
  it('serialises Decimal strings as they are, and refuses what is not a number', () => {
    const serialize = (v: unknown) => DecimalScalar.serialize(v);
    for (const v of ['1500.00', '-0.5', '0', '12345678901234567890.123456', '1e3']) expect(serialize(v)).toBe(v);
    for (const v of ['', 'abc', '.5x', '1,5', '--1', 'NaNa']) expect(() => serialize(v)).toThrow();
    expect(serialize(new Decimal('2.50'))).toBe('2.5');
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
