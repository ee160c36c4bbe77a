import { describe, expect, it } from 'vitest';
import { nextPollDelay, normalizePhone } from './payment.rules.ts';

describe('payment rules', () => {
  it('normalises phone numbers to E.164 and refuses what is not one', () => {
    expect(normalizePhone('+254 712-345 678')).toBe('+254712345678');
    expect(normalizePhone('00233 (24) 412 3456')).toBe('+233244123456');
    for (const bad of ['0712345678', '+0712345678', '+12', 'call me', '+2547123456789012', '']) expect(normalizePhone(bad), bad).toBeNull();
  });

  it('polls back off by doubling up to the ceiling', () => {
    expect([1, 2, 3, 4, 5, 6, 50].map((n) => nextPollDelay(n, 5_000, 60_000))).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });
});

describe('phone numbers at their edges (issue 19, mutation testing)', () => {
  it('takes input of up to 40 characters and refuses longer input before reading it', () => {
    const phone = '+254712345678';
    expect(normalizePhone(phone.padEnd(40, ' '))).toBe(phone);
    expect(normalizePhone(phone.padEnd(41, ' '))).toBeNull();
    // not a string at all (a resolver fed a number): null, not a TypeError
    expect(normalizePhone(254712345678 as unknown as string)).toBeNull();
    expect(normalizePhone(undefined as unknown as string)).toBeNull();
  });

  it('needs the plus at the start: digits before it are not a phone number', () => {
    expect(normalizePhone('12+254712345678')).toBeNull();
    expect(normalizePhone('tel+254712345678')).toBeNull();
  });
});
