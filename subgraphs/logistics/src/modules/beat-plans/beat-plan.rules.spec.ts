import { describe, expect, it } from 'vitest';
import { duringVisit, isoWeek, scheduleBeat, strikeRate, visitDistance, visitsInWeek, weekStartProblem, workdaysOf } from './beat-plan.rules.ts';

describe('beat plan rules', () => {
  it('accepts only Mondays as weeks', () => {
    expect(weekStartProblem('2026-11-23')).toBeNull();
    expect(weekStartProblem('2026-11-24')).toMatch(/Monday/);
    expect(weekStartProblem('2026-02-30')).toMatch(/calendar/);
    expect(weekStartProblem('23/11/2026')).toMatch(/YYYY-MM-DD/);
    expect(workdaysOf('2026-11-23')).toEqual(['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27']);
    expect(isoWeek('2026-11-23')).toBe(48);
    expect(isoWeek('2027-01-01')).toBe(53);
  });

  it('visits by tier: platinum 3×, gold 2×, silver 1× a week, bronze every other week', () => {
    const week = '2026-11-23';
    const next = '2026-11-30';
    expect(visitsInWeek({ id: 'a', tier: 'PLATINUM' }, week)).toBe(3);
    expect(visitsInWeek({ id: 'a', tier: 'GOLD' }, week)).toBe(2);
    expect(visitsInWeek({ id: 'a', tier: 'SILVER' }, week)).toBe(1);
    const bronze = { id: 'cus_1', tier: 'BRONZE' };
    expect(visitsInWeek(bronze, week) + visitsInWeek(bronze, next)).toBe(1);
  });

  it('spreads visits over the week, balanced, each customer at most once a day', () => {
    const customers = [
      ...Array.from({ length: 4 }, (_, i) => ({ id: `p${i}`, tier: 'PLATINUM' })),
      ...Array.from({ length: 6 }, (_, i) => ({ id: `g${i}`, tier: 'GOLD' })),
      ...Array.from({ length: 7 }, (_, i) => ({ id: `s${i}`, tier: 'SILVER' })),
    ];
    const visits = scheduleBeat(customers, '2026-11-23');
    expect(visits).toHaveLength(4 * 3 + 6 * 2 + 7);
    const perDay = new Map<string, number>();
    for (const v of visits) perDay.set(v.date, (perDay.get(v.date) ?? 0) + 1);
    expect(Math.max(...perDay.values()) - Math.min(...perDay.values())).toBeLessThanOrEqual(1);
    const keys = visits.map((v) => `${v.customerId}|${v.date}`);
    expect(new Set(keys).size).toBe(keys.length);
    // platinum visits are two days apart
    const p0 = visits.filter((v) => v.customerId === 'p0').map((v) => v.date);
    expect(p0).toEqual(['2026-11-23', '2026-11-25', '2026-11-27']);
    expect(scheduleBeat(customers, '2026-11-23')).toEqual(visits);
  });

  it('checks in within 200 m only', () => {
    const shop = { lat: 6.6018, lng: 3.3515 };
    expect(visitDistance(shop, { lat: 6.6018 + 0.001, lng: 3.3515 })).toMatchObject({ withinRadius: true });
    expect(visitDistance(shop, { lat: 6.6018 + 0.0019, lng: 3.3515 }).distanceM).toBeCloseTo(211.3, 0);
    expect(visitDistance(shop, { lat: 6.6018 + 0.0019, lng: 3.3515 }).withinRadius).toBe(false);
  });

  it('computes the strike rate and matches orders to visits', () => {
    expect(strikeRate(0, 0)).toBeNull();
    expect(strikeRate(3, 1)).toBe(0.3333);
    const visit = { checkInAt: new Date('2026-11-25T10:00:00Z'), checkOutAt: new Date('2026-11-25T10:20:00Z') };
    expect(duringVisit(visit, new Date('2026-11-25T10:10:00Z'))).toBe(true);
    expect(duringVisit(visit, new Date('2026-11-25T10:21:00Z'))).toBe(false);
    expect(duringVisit({ ...visit, checkOutAt: null }, new Date('2026-11-25T12:00:00Z'))).toBe(true);
    expect(duringVisit({ checkInAt: null, checkOutAt: null }, new Date())).toBe(false);
  });
});
