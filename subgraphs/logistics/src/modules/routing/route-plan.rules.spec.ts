import { describe, expect, it } from 'vitest';
import { haversineMatrix } from '../../lib/distance-matrix.ts';
import { baselineKm, buildProblem, shiftStartOf, toOutcome, windowOn, type PlanShipment, type PlanVehicle } from './route-plan.rules.ts';
import { checkSolution } from './vrp.rules.ts';
import { solve } from './vrp-solver.rules.ts';

const depot = { lat: 6.5244, lng: 3.3792 };
const ship = (i: number, over: Partial<PlanShipment> = {}): PlanShipment => ({
  id: `shp_${i}`,
  drop: { lat: depot.lat + 0.01 * Math.cos(i), lng: depot.lng + 0.01 * Math.sin(i) },
  address: `Shop ${i}`,
  weightKg: 50,
  cold: false,
  ...over,
});
const van = (id: string, over: Partial<PlanVehicle> = {}): PlanVehicle => ({ id, kind: 'VAN', capacityKg: 200, coldChain: false, ...over });

describe('shiftStartOf', () => {
  it('is 08:00 UTC of a real day, null otherwise', () => {
    expect(shiftStartOf('2026-11-25')!.toISOString()).toBe('2026-11-25T08:00:00.000Z');
    for (const bad of ['2026-02-30', '2026-13-01', '25/11/2026', '2026-11-25T00:00', '']) expect(shiftStartOf(bad), bad).toBeNull();
  });
});

describe('a day as a routing problem', () => {
  const start = shiftStartOf('2026-11-25')!;

  it('prices the baseline as one round trip per order', () => {
    const m = haversineMatrix([depot, ship(1).drop!, ship(2).drop!]);
    expect(baselineKm(m, 3, [1, 2])).toBeCloseTo(2 * m[1]! + 2 * m[2]!, 9);
  });

  it('turns routes into trips with ETAs in the shift, loads, and reasons for the rest', () => {
    const shipments = [1, 2, 3, 4, 5].map((i) => ship(i));
    shipments.push(ship(6, { cold: true }), ship(7, { weightKg: 900 }), ship(8, { windowStart: new Date(start.getTime() - 3600_000), windowEnd: new Date(start.getTime() - 60_000) }));
    const vehicles = [van('v1'), van('v2', { kind: 'MOTORBIKE', capacityKg: 120 })];
    const km = haversineMatrix([depot, ...shipments.map((s) => s.drop!)]);
    const problem = buildProblem(shipments, vehicles, start, km);
    const solution = solve(problem, { seed: 1, maxIterations: 100 });
    expect(checkSolution(problem, solution).ok).toBe(true);
    const out = toOutcome(problem, shipments, vehicles, start, solution, [ship(9, { drop: null })]);
    expect(Object.fromEntries(out.unassigned.map((u) => [u.shipmentId, u.reason]))).toEqual({
      shp_6: 'COLD_CHAIN_REQUIRED',
      shp_7: 'OVER_CAPACITY',
      shp_8: 'OUTSIDE_HOURS',
      shp_9: 'UNKNOWN_ADDRESS',
    });
    const routed = out.trips.flatMap((t) => t.stops.map((s) => s.shipmentId)).sort();
    expect(routed).toEqual(['shp_1', 'shp_2', 'shp_3', 'shp_4', 'shp_5']);
    for (const t of out.trips) {
      const cap = vehicles.find((v) => v.id === t.vehicleId)!.capacityKg;
      expect(t.loadKg).toBeLessThanOrEqual(cap);
      expect(t.departAt).toEqual(start);
      expect(t.returnAt.getTime()).toBeLessThanOrEqual(start.getTime() + 10 * 3600_000);
      const etas = t.stops.map((s) => Date.parse(s.eta));
      expect(etas[0]).toBeGreaterThan(start.getTime());
      expect(etas).toEqual([...etas].sort((a, b) => a - b));
    }
    expect(out.totalKm).toBeLessThan(out.baselineKm);
  });
});

describe('windows and volume (issue 15)', () => {
  const start = shiftStartOf('2026-11-25')!;

  it("puts a customer's window (minutes after midnight UTC) on the planned day", () => {
    expect(windowOn(start, 660, 1050)).toEqual({ windowStart: new Date('2026-11-25T11:00:00Z'), windowEnd: new Date('2026-11-25T17:30:00Z') });
    expect(windowOn(start, null, 1050)).toEqual({ windowStart: null, windowEnd: null });
  });

  it('keeps every trip within m³ where known, and every drop within its window', () => {
    const shipments = Array.from({ length: 8 }, (_, i) =>
      ship(i, { weightKg: 10, volumeM3: 0.2, ...(i % 2 ? windowOn(start, 9 * 60, 10 * 60) : windowOn(start, 14 * 60, 15 * 60)) }),
    );
    const vehicles = [van('a', { capacityKg: 1000, capacityM3: 0.8 }), van('b', { capacityKg: 1000, capacityM3: 0.8 }), van('c', { capacityKg: 1000, capacityM3: null })];
    const km = haversineMatrix([depot, ...shipments.map((s) => s.drop!)]);
    const problem = buildProblem(shipments, vehicles, start, km);
    expect(problem.vehicles.map((v) => v.capacityVolume)).toEqual([0.8, 0.8, Infinity]);
    const solution = solve(problem, { seed: 1, maxIterations: 300, timeLimitMs: 5000 });
    expect(checkSolution(problem, solution)).toMatchObject({ ok: true });
    const outcome = toOutcome(problem, shipments, vehicles, start, { routes: solution.routes, reasons: new Map() }, []);
    expect(outcome.unassigned).toEqual([]);
    for (const t of outcome.trips) {
      const m3 = t.stops.reduce((v, s) => v + s.volumeM3!, 0);
      if (t.vehicleId !== 'c') expect(m3).toBeLessThanOrEqual(0.8 + 1e-9);
      for (const s of t.stops) {
        expect(Date.parse(s.eta)).toBeGreaterThanOrEqual(Date.parse(s.windowStart!));
        expect(Date.parse(s.eta)).toBeLessThanOrEqual(Date.parse(s.windowEnd!));
      }
    }
  });
});
