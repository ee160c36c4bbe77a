import { describe, expect, it } from 'vitest';
import { payoutPollDelay, payoutRailFor } from './payouts.rules.ts';

const all = [
  { rail: 'MPESA' as const, currencies: ['NGN' as const, 'KES' as const] },
  { rail: 'MTN_MOMO' as const, currencies: ['NGN' as const, 'GHS' as const] },
  { rail: 'PAYSTACK' as const, currencies: ['NGN' as const] },
];

describe('payoutRailFor', () => {
  it("takes the recipient country's home rail when the tenant has it in the currency", () => {
    expect(payoutRailFor('+254712345678', 'NGN', all)).toBe('MPESA');
    expect(payoutRailFor('+233244123456', 'NGN', all)).toBe('MTN_MOMO');
    expect(payoutRailFor('+2348031234567', 'NGN', all)).toBe('PAYSTACK');
  });
  it('falls back in the order M-Pesa, MTN MoMo, Paystack among rails paying the currency', () => {
    expect(payoutRailFor('+2348031234567', 'GHS', all)).toBe('MTN_MOMO');
    expect(payoutRailFor('+254712345678', 'GHS', all)).toBe('MTN_MOMO');
    expect(payoutRailFor('+15551234567', 'KES', all)).toBe('MPESA');
    expect(payoutRailFor('+254712345678', 'XOF', all)).toBeNull();
    expect(payoutRailFor('+254712345678', 'NGN', [])).toBeNull();
  });
});

describe('payoutPollDelay', () => {
  it('doubles from 5 s to at most 5 min', () => {
    expect([1, 2, 3, 10].map((n) => payoutPollDelay(n))).toEqual([5_000, 10_000, 20_000, 300_000]);
  });
});
