// Which tenants the live demo drives and at what pace, from the environment (README, Configuration).
import type { DemoTenant } from '@omniroute/demo';

export interface TenantSimulation {
  /** Tenant key, e.g. lagos. */
  key: string;
  /** The OPERATIONS user the simulator signs in as (places orders, dispatches, records payments). */
  email: string;
  /** The FINANCE user that collects payments (initiatePayment). */
  financeEmail: string;
  positionEveryMs: number;
  businessEveryMs: number;
  movingVehicles: number;
}

export const DEFAULT_POSITION_EVERY_MS = 1_000;
export const DEFAULT_BUSINESS_EVERY_MS = 4_000;
export const MAX_MOVING_VEHICLES = 16;

function positive(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return v;
}

/**
 * One simulation per seeded tenant (or those in SIMULATOR_TENANTS), each with its own pace:
 * SIMULATOR_<KEY>_POSITION_MS, SIMULATOR_<KEY>_BUSINESS_MS, SIMULATOR_<KEY>_VEHICLES override the defaults
 * (SIMULATOR_POSITION_MS, SIMULATOR_BUSINESS_MS for every tenant). A tenant without an OPERATIONS and a FINANCE user is skipped.
 */
export function simulationsFor(plan: DemoTenant[], env: Record<string, string | undefined>): TenantSimulation[] {
  const only = env.SIMULATOR_TENANTS?.split(',').map((k) => k.trim().toLowerCase()).filter(Boolean);
  const unknown = only?.filter((k) => !plan.some((t) => t.key === k)) ?? [];
  if (unknown.length) throw new Error(`SIMULATOR_TENANTS names unknown tenants: ${unknown.join(', ')} (known: ${plan.map((t) => t.key).join(', ')})`);
  const positionAll = positive(env, 'SIMULATOR_POSITION_MS', DEFAULT_POSITION_EVERY_MS);
  const businessAll = positive(env, 'SIMULATOR_BUSINESS_MS', DEFAULT_BUSINESS_EVERY_MS);
  const sims: TenantSimulation[] = [];
  for (const t of plan) {
    if (only && !only.includes(t.key)) continue;
    const ops = t.users.find((u) => u.roles.includes('OPERATIONS'));
    const finance = t.users.find((u) => u.roles.includes('FINANCE'));
    if (!ops || !finance) continue;
    const K = `SIMULATOR_${t.key.toUpperCase()}`;
    sims.push({
      key: t.key,
      email: ops.email,
      financeEmail: finance.email,
      positionEveryMs: positive(env, `${K}_POSITION_MS`, positionAll),
      businessEveryMs: positive(env, `${K}_BUSINESS_MS`, businessAll),
      movingVehicles: positive(env, `${K}_VEHICLES`, Math.min(MAX_MOVING_VEHICLES, t.vehicles.length)),
    });
  }
  return sims;
}
