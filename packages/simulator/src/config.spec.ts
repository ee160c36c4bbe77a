import { describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { simulationsFor } from './config.ts';

const plan = demoPlan();

describe('simulationsFor', () => {
  it('drives every seeded tenant by default, as its OPERATIONS user, fleet-sized', () => {
    expect(simulationsFor(plan, {})).toEqual([
      { key: 'lagos', email: 'dispatch@lagos.demo', financeEmail: 'finance@lagos.demo', positionEveryMs: 1000, businessEveryMs: 4000, movingVehicles: 16 },
      { key: 'accra', email: 'dispatch@accra.demo', financeEmail: 'finance@accra.demo', positionEveryMs: 1000, businessEveryMs: 4000, movingVehicles: 8 },
    ]);
  });

  it('takes a pace per tenant and a subset of tenants from the environment', () => {
    const env = { SIMULATOR_BUSINESS_MS: '3000', SIMULATOR_ACCRA_BUSINESS_MS: '6000', SIMULATOR_ACCRA_VEHICLES: '4', SIMULATOR_LAGOS_POSITION_MS: '2000' };
    expect(simulationsFor(plan, env).map((s) => [s.key, s.positionEveryMs, s.businessEveryMs, s.movingVehicles])).toEqual([
      ['lagos', 2000, 3000, 16],
      ['accra', 1000, 6000, 4],
    ]);
    expect(simulationsFor(plan, { SIMULATOR_TENANTS: 'Accra' }).map((s) => s.key)).toEqual(['accra']);
  });

  it('refuses unknown tenants and bad numbers', () => {
    expect(() => simulationsFor(plan, { SIMULATOR_TENANTS: 'nairobi' })).toThrow(/unknown tenants: nairobi/);
    expect(() => simulationsFor(plan, { SIMULATOR_ACCRA_BUSINESS_MS: 'fast' })).toThrow(/SIMULATOR_ACCRA_BUSINESS_MS must be a positive integer/);
  });
});
