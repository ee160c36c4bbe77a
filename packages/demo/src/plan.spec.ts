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

describe('demo territories (issue 15)', () => {
  it('tiles each region with areas and each area with territories, every customer in the polygon of its territory', async () => {
    const { pointInPolygon, polygonArea } = await import('@omniroute/core');
    for (const t of demoPlan()) {
      expect(t.regions).toHaveLength(1);
      const region = polygonArea(t.regions[0]!.boundary);
      expect(t.areas.reduce((s, a) => s + polygonArea(a.boundary), 0)).toBeCloseTo(region, 5);
      for (const a of t.areas) {
        expect(a.parentId).toBe(t.regions[0]!.id);
        const inside = t.territories.filter((x) => x.parentId === a.id);
        expect(inside.length).toBeGreaterThan(0);
        expect(inside.reduce((s, x) => s + polygonArea(x.boundary), 0)).toBeCloseTo(polygonArea(a.boundary), 5);
      }
      for (const x of t.territories) expect(pointInPolygon(x.center, x.boundary), x.name).toBe(true);
      for (const c of t.customers) {
        const mine = t.territories.find((x) => x.id === c.territoryId)!;
        expect(pointInPolygon(c, mine.boundary), c.id).toBe(true);
        expect(t.territories.filter((x) => pointInPolygon(c, x.boundary))).toHaveLength(1);
      }
      // the two reps split the territories, and each has customers
      const reps = t.repTerritories;
      expect(reps.flatMap((r) => r.territoryIds).sort()).toEqual(t.territories.map((x) => x.id).sort());
      for (const r of reps) expect(t.customers.some((c) => r.territoryIds.includes(c.territoryId))).toBe(true);
    }
  });
});
