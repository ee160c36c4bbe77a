import { describe, expect, it } from 'vitest';
import { demoPlan } from './plan.ts';

describe('demo plan', () => {
  const [lagos, accra] = demoPlan();
  it('meets the seeding targets for the Lagos distributor', () => {
    expect(lagos!.products.length).toBeGreaterThanOrEqual(50);
    expect(lagos!.customers.length).toBeGreaterThanOrEqual(100);
    expect(lagos!.vehicles.length).toBeGreaterThanOrEqual(20);
    expect(lagos!.riders.length).toBeGreaterThanOrEqual(30);
    expect(lagos!.orders.length).toBeGreaterThanOrEqual(200);
    expect(new Set(lagos!.customers.map((c) => c.type)).size).toBe(4);
  });
  it('has orders in every status for both tenants, with shipments and invoices', () => {
    for (const t of [lagos!, accra!]) {
      expect(new Set(t.orders.map((o) => o.status)).size).toBe(7);
      expect(t.shipments.some((s) => s.vehicleId && s.riderId)).toBe(true);
      expect(t.invoices.length).toBeGreaterThan(0);
    }
  });
  it('is deterministic and unique', () => {
    const ids = demoPlan().flatMap((t) => [...t.orders.map((o) => o.id), ...t.products.flatMap((p) => p.variants.map((v) => v.sku))]);
    expect(new Set(ids).size).toBe(ids.length);
  });
  it('prices lines consistently: total = sum of lines', () => {
    for (const o of lagos!.orders) {
      const sum = o.lines.reduce((s, l) => s + Math.round(Number(l.total) * 100), 0);
      expect(Math.round(Number(o.total) * 100)).toBe(sum);
    }
  });
});
