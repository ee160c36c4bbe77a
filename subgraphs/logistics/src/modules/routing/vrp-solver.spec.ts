import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkSolution, prng, type VrpProblem } from './vrp.rules.ts';
import { savingsRoutes, solve } from './vrp-solver.rules.ts';
import { toModel } from './vrp.rules.ts';
import { parseVrplib } from './vrplib.rules.ts';

const fixture = (name: string) => parseVrplib(readFileSync(new URL(`../../../../../bench/routing/cvrplib/${name}.vrp`, import.meta.url), 'utf8'));

/** Random points in a 100×100 square, with windows, service times, cold goods and a mixed fleet when asked. */
function randomProblem(seed: number, n: number, opts: { timed?: boolean; cold?: boolean } = {}): VrpProblem {
  const r = prng(seed);
  const xy = Array.from({ length: n + 1 }, (_, i) => (i === 0 ? [50, 50] : [r() * 100, r() * 100]) as [number, number]);
  const distance = new Float64Array((n + 1) ** 2);
  for (let i = 0; i <= n; i++) for (let j = 0; j <= n; j++) distance[i * (n + 1) + j] = Math.hypot(xy[i]![0] - xy[j]![0], xy[i]![1] - xy[j]![1]);
  const demand = xy.map((_, i) => (i === 0 ? 0 : 1 + Math.floor(r() * 20)));
  const windowStart = xy.map((_, i) => (i === 0 ? 0 : Math.floor(r() * 300)));
  const windowEnd = windowStart.map((s, i) => (i === 0 ? 0 : s + 60 + Math.floor(r() * 120)));
  const cold = xy.map((_, i) => i > 0 && !!opts.cold && r() < 0.25);
  return {
    size: n + 1,
    distance,
    demand,
    cold,
    ...(opts.timed ? { windowStart, windowEnd, serviceTime: demand.map((_, i) => (i === 0 ? 0 : 5)) } : {}),
    vehicles: Array.from({ length: Math.ceil(n / 4) }, (_, k) => ({
      capacity: k % 2 ? 60 : 100,
      refrigerated: k % 3 === 0,
      ...(opts.timed ? { shiftStart: 0, shiftEnd: 480, speed: 1 } : {}),
    })),
  };
}

describe('solve', () => {
  it('returns feasible solutions on random problems with windows, shifts, a mixed fleet and cold goods', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const p = randomProblem(seed, 30, { timed: seed % 2 === 0, cold: true });
      const s = solve(p, { seed, maxIterations: 150, timeLimitMs: 30_000 });
      const check = checkSolution(p, s);
      expect(check, `seed ${seed}`).toEqual({ ok: true, distance: expect.closeTo(s.distance, 6) });
    }
  });

  it('is deterministic for a seed and an iteration budget', () => {
    const p = fixture('A-n32-k5').problem;
    const a = solve(p, { seed: 7, maxIterations: 200, timeLimitMs: 60_000 });
    const b = solve(p, { seed: 7, maxIterations: 200, timeLimitMs: 60_000 });
    expect(b.routes).toEqual(a.routes);
    expect(b.distance).toBe(a.distance);
  });

  it('improves on the savings construction it starts from', () => {
    const inst = fixture('E-n51-k5');
    const m = toModel(inst.problem);
    const customers = Array.from({ length: m.n1 - 1 }, (_, i) => i + 1);
    const savings = savingsRoutes(m, customers);
    const savingsCost = checkSolution(inst.problem, { routes: savings, unassigned: [] });
    expect(savingsCost.ok).toBe(true);
    const s = solve(inst.problem, { seed: 1, maxIterations: 300, timeLimitMs: 60_000 });
    expect(s.initialDistance).toBe(savingsCost.ok && savingsCost.distance);
    expect(s.distance).toBeLessThan(s.initialDistance);
    expect(checkSolution(inst.problem, s).ok).toBe(true);
  });

  it('stops at the time limit', () => {
    let now = 0;
    // every clock read advances one millisecond: the budget runs out after a bounded number of rounds
    const s = solve(fixture('A-n80-k10').problem, { seed: 1, timeLimitMs: 40, clock: () => now++ });
    expect(s.iterations).toBeGreaterThan(0);
    expect(s.iterations).toBeLessThan(40);
    const t0 = performance.now();
    const real = solve(fixture('A-n80-k10').problem, { seed: 1, timeLimitMs: 150 });
    expect(performance.now() - t0).toBeLessThan(150 + 1500); // construction + one round, on a loaded machine
    expect(checkSolution(fixture('A-n80-k10').problem, real).ok).toBe(true);
  });

  it('leaves out, with a reason, customers no vehicle can take', () => {
    const n1 = 6;
    const distance = new Float64Array(n1 * n1);
    for (let i = 0; i < n1; i++) for (let j = 0; j < n1; j++) distance[i * n1 + j] = Math.abs(i - j) * 10;
    const p: VrpProblem = {
      size: n1,
      distance,
      demand: [0, 10, 500, 10, 10, 20],
      cold: [false, false, false, true, false, false],
      windowStart: [0, 0, 0, 0, 0, 0],
      windowEnd: [0, 600, 600, 600, 5, 600],
      vehicles: [{ capacity: 25, shiftStart: 0, shiftEnd: 600, speed: 1 }],
    };
    const s = solve(p, { seed: 1, maxIterations: 50 });
    expect(checkSolution(p, s).ok).toBe(true);
    expect(Object.fromEntries(s.reasons)).toEqual({ 2: 'OVER_CAPACITY', 3: 'COLD_CHAIN_REQUIRED', 4: 'OUTSIDE_HOURS', 5: 'FLEET_FULL' });
    // 1 and 5 do not fit together (30 kg > 25 kg); keeping the nearer one is shorter
    expect(s.routes[0]).toEqual([1]);
  });

  it('puts cold goods on refrigerated vehicles only', () => {
    const p = randomProblem(11, 24, { cold: true });
    const s = solve(p, { seed: 3, maxIterations: 100 });
    expect(checkSolution(p, s).ok).toBe(true);
    s.routes.forEach((seq, r) => {
      if (!p.vehicles[r]!.refrigerated) for (const c of seq) expect(p.cold![c], `customer ${c} on vehicle ${r}`).toBe(false);
    });
  });
});
