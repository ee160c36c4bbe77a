import { Decimal, money, round, type CurrencyCode, type Money } from '@omniroute/core';
import { MAX_COMPLEXITY, MIN_COMPLEXITY } from '../guild/guild.ts';

/** What a delivery pays, per tenant currency: base + perComplexity × complexity. Seeds TenantSettings. */
export const DEFAULT_REWARD_RATES: Record<CurrencyCode, { base: string; perComplexity: string }> = {
  NGN: { base: '1000', perComplexity: '250' },
  GHS: { base: '8', perComplexity: '2' },
  KES: { base: '100', perComplexity: '25' },
  XOF: { base: '500', perComplexity: '125' },
  TZS: { base: '2000', perComplexity: '500' },
  USD: { base: '1', perComplexity: '0.25' },
};

/** Reward of a task of `complexity` at a tenant's rate, rounded to the currency's minor units. */
export function taskReward(rate: { base: Decimal.Value | { toString(): string }; perComplexity: Decimal.Value | { toString(): string } }, complexity: number, currency: CurrencyCode): Money {
  const base = new Decimal(rate.base.toString());
  const per = new Decimal(rate.perComplexity.toString());
  return round(money(base.plus(per.times(complexity)), currency));
}

/** A complexity from an event payload: an integer 1–10 (out-of-range values clamp; missing or garbage → 1). */
export function complexityFrom(raw: unknown): number {
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : NaN;
  if (!Number.isFinite(n)) return MIN_COMPLEXITY;
  return Math.min(MAX_COMPLEXITY, Math.max(MIN_COMPLEXITY, Math.round(n)));
}

// Mirrors logistics' shipmentComplexity (weight bands, +1 per stop beyond pickup and dropoff), so seeded delivery
// tasks carry the complexity logistics seeded on their shipments. Live tasks take it from shipment.created.
const WEIGHT_BANDS_KG = [10, 25, 50, 100, 200, 400, 800, 1500, 3000];

/** Seed estimate of a delivery's complexity from its weight and stops, 1–10. */
export function complexityForWeight(kg: number, stops = 2): number {
  const band = WEIGHT_BANDS_KG.findIndex((max) => kg <= max);
  return complexityFrom((band === -1 ? 10 : band + 1) + Math.max(0, stops - 2));
}
