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
