import type { CurrencyCode } from '@omniroute/core';
import type { RailName } from '../payments/rails/rail.ts';

/** The mobile-money rail that reaches numbers of a country best: M-Pesa in East Africa, MTN in West and Central Africa. */
const HOME_RAIL: [prefix: string, rail: RailName][] = [
  ['+254', 'MPESA'], ['+255', 'MPESA'],
  ['+233', 'MTN_MOMO'], ['+256', 'MTN_MOMO'], ['+250', 'MTN_MOMO'], ['+237', 'MTN_MOMO'], ['+225', 'MTN_MOMO'], ['+229', 'MTN_MOMO'],
  ['+234', 'PAYSTACK'],
];
const FALLBACK_ORDER: RailName[] = ['MPESA', 'MTN_MOMO', 'PAYSTACK'];

/**
 * The rail a payout to `phone` in `currency` goes through, among the tenant's accounts that can pay out in that
 * currency: the recipient country's home rail when the tenant has it, else the first of M-Pesa, MTN MoMo, Paystack;
 * null when none can.
 */
export function payoutRailFor(phone: string, currency: CurrencyCode, accounts: readonly { rail: RailName; currencies: readonly CurrencyCode[] }[]): RailName | null {
  const usable = new Set(accounts.filter((a) => a.currencies.includes(currency)).map((a) => a.rail));
  const home = HOME_RAIL.find(([prefix]) => phone.startsWith(prefix))?.[1];
  if (home && usable.has(home)) return home;
  return FALLBACK_ORDER.find((r) => usable.has(r)) ?? null;
}

/** Pause before the n-th status query of a payout: 5 s doubling to 5 min (transfers take longer than prompts). */
export function payoutPollDelay(polls: number, firstMs = 5_000, maxMs = 300_000): number {
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, polls - 1));
}
