// Issue 20: the dashboard's fleet and delivery figures from SQL aggregates over every row, checked against an
// independent count in JS over all of the tenant's rows, on the seeded history and beyond 1,000 deliveries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { ACCRA, accraAdmin, client, LAGOS, lagosFinance, lagosOps, lagosRider, SECRET, viewer } from './helpers.ts';

const QUERY = `query($h: Int, $m: Int) { logisticsKpis(windowHours: $h, activeWithinMinutes: $m) {
  asOf activeVehicles vehicles activeWithinMinutes coldChainExcursions
  onTime { windowStart windowEnd windowHours delivered onTime withoutEta rate } } }`;
const SEED_END = new Date(Date.UTC(2026, 10, 25, 8, 0, 0));
const VOLUME = 1_200;

let sg: LogisticsRuntime;
let stop: () => Promise<void>;
let call: ReturnType<typeof client>;
let clock = SEED_END;

beforeAll(async () => {
  sg = await create({ secret: SECRET, now: () => clock });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  call = client(running.url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

/** The figures computed in JS over every row of the tenant. */
async function expected(tenantId: string, asOf: Date, hours: number, minutes: number) {
  const from = asOf.getTime() - hours * 3_600_000;
  const inWindow = (d: Date | null) => d !== null && d.getTime() > from && d <= asOf;
  const shipments = (await sg.prisma.shipment.findMany({ where: { tenantId, status: 'DELIVERED' } })).filter((s) => inWindow(s.deliveredAt));
  const withEta = shipments.filter((s) => s.eta);
  const vehicles = await sg.prisma.vehicle.findMany({ where: { tenantId } });
  const alerts = (await sg.prisma.coldChainAlert.findMany({ where: { tenantId } })).filter((a) => inWindow(a.recordedAt));
  return {
    delivered: withEta.length,
    onTime: withEta.filter((s) => s.deliveredAt! <= s.eta!).length,
    withoutEta: shipments.length - withEta.length,
    vehicles: vehicles.length,
    activeVehicles: vehicles.filter((v) => v.lastRecordedAt && v.lastRecordedAt.getTime() > asOf.getTime() - minutes * 60_000 && v.lastRecordedAt <= asOf).length,
    coldChainExcursions: alerts.length,
  };
}

describe('logisticsKpis (issue 20)', () => {
  it('matches an independent count over the seeded history, with the window stated', async () => {
    const r = await call(lagosOps, QUERY, { h: 72, m: 1440 });
    expect(r.errors).toBeUndefined();
    const k = r.data.logisticsKpis;
    const want = await expected(LAGOS, SEED_END, 72, 1440);
    expect(want.delivered).toBeGreaterThan(0);
    expect(k).toMatchObject({ asOf: SEED_END.toISOString(), vehicles: want.vehicles, activeVehicles: want.activeVehicles, coldChainExcursions: want.coldChainExcursions, activeWithinMinutes: 1440 });
    expect(k.onTime).toMatchObject({ windowHours: 72, windowEnd: SEED_END.toISOString(), windowStart: new Date(SEED_END.getTime() - 72 * 3_600_000).toISOString(), delivered: want.delivered, onTime: want.onTime, withoutEta: want.withoutEta });
    expect(k.onTime.rate).toBeCloseTo(want.onTime / want.delivered, 10);
  });

  it(`stays exact beyond ${VOLUME} deliveries, late and on time, with vehicles reporting and excursions`, async () => {
    clock = new Date();
    const now = clock.getTime();
    const template = await sg.prisma.shipment.findFirstOrThrow({ where: { tenantId: LAGOS } });
    await sg.prisma.shipment.createMany({
      data: Array.from({ length: VOLUME }, (_, i) => {
        const deliveredAt = new Date(now - ((i * 97_000) % (30 * 3_600_000)));
        return {
          id: `shp_kpi_${i}`,
          tenantId: LAGOS,
          orderId: `ord_kpi_${i}`,
          status: 'DELIVERED' as const,
          territoryId: template.territoryId,
          weightKg: 10,
          complexity: 1,
          dispatchedAt: new Date(deliveredAt.getTime() - 3_600_000),
          deliveredAt,
          // Every third late by ten minutes, every seventh without an ETA.
          eta: i % 7 === 0 ? null : new Date(deliveredAt.getTime() + (i % 3 === 0 ? -600_000 : 600_000)),
        };
      }),
    });
    const lagosVehicles = await sg.prisma.vehicle.findMany({ where: { tenantId: LAGOS }, orderBy: { id: 'asc' } });
    for (const [i, v] of lagosVehicles.entries()) {
      await sg.prisma.vehicle.update({ where: { id: v.id }, data: { lastRecordedAt: new Date(now - i * 60_000) } });
    }
    await sg.prisma.coldChainAlert.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({
        id: `cca_kpi_${i}`, tenantId: LAGOS, vehicleId: lagosVehicles[0]!.id, temperatureC: 9, limitC: 8, lat: 6.5, lng: 3.4,
        recordedAt: new Date(now - i * 3 * 3_600_000),
      })),
    });

    const r = await call(lagosFinance, QUERY, {});
    expect(r.errors).toBeUndefined();
    const k = r.data.logisticsKpis;
    const want = await expected(LAGOS, clock, 24, 5);
    expect(want.delivered + want.withoutEta).toBeGreaterThan(800);
    expect(want.onTime).toBeGreaterThan(0);
    expect(want.onTime).toBeLessThan(want.delivered);
    expect(want.activeVehicles).toBeGreaterThan(0);
    expect(want.activeVehicles).toBeLessThan(want.vehicles);
    expect(k).toMatchObject({ vehicles: want.vehicles, activeVehicles: want.activeVehicles, coldChainExcursions: want.coldChainExcursions, activeWithinMinutes: 5 });
    expect(k.onTime).toMatchObject({ windowHours: 24, delivered: want.delivered, onTime: want.onTime, withoutEta: want.withoutEta });
    expect(k.onTime.rate).toBeCloseTo(want.onTime / want.delivered, 10);

    // Accra sees its own fleet and none of Lagos's deliveries.
    const accra = (await call(accraAdmin, QUERY, {})).data.logisticsKpis;
    const wantAccra = await expected(ACCRA, clock, 24, 5);
    expect(accra).toMatchObject({ vehicles: wantAccra.vehicles, activeVehicles: wantAccra.activeVehicles, onTime: { delivered: wantAccra.delivered } });
  });

  it('is refused to riders, partners and retailers, and rejects windows out of range', async () => {
    expect((await call(lagosRider, QUERY)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(viewer(LAGOS, 'PARTNER'), QUERY)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(viewer(LAGOS, 'RETAILER'), QUERY)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect((await call(viewer(LAGOS, 'SALES_REP'), QUERY)).errors).toBeUndefined();
    expect((await call(lagosOps, QUERY, { h: 0 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await call(lagosOps, QUERY, { m: 100_000 })).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
