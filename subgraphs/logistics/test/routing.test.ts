// Issue 15: planRoutes / dispatchRoutePlan on the seeded Lagos day, through the subgraph as the gateway calls it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { SHIFT_HOURS } from '../src/modules/routing/route-plan.rules.ts';
import { accraAdmin, acknowledgeDispatch, client, CONFIRM, lagosAdmin, lagosOps, lagosRider, riderOf } from './helpers.ts';
import { SECRET } from './helpers.ts';

let sg: LogisticsRuntime;
let stop: () => Promise<void>;
let call: ReturnType<typeof client>;
const [lagos] = demoPlan();
const DEPOT = 'loc_LAGOS000001';
// The seed keeps the first half of the fleet on the road; the rest is free to plan and dispatch.
const FREE = lagos!.vehicles.slice(lagos!.vehicles.length / 2);
const FREE_IDS = FREE.map((v) => v.id);

const PLAN = `mutation($i: PlanRoutesInput!) { planRoutes(input: $i) {
  plan { id status date totalKm baselineKm savedKm distanceSource location { id }
    trips { vehicle { id capacityKg coldChain } km loadKg departAt returnAt stops { sequence eta loadKg lat lng shipment { id status } } }
    unassigned { reason shipment { id } } }
  userErrors { code field message } } }`;
const DISPATCH_PLAN = `mutation($i: DispatchRoutePlanInput!) { dispatchRoutePlan(input: $i) {
  plan { id status dispatchedAt }
  shipments { id status eta vehicle { id } rider { id } stops { sequence kind lat lng arrivedAt } }
  userErrors { code field message } } }`;

beforeAll(async () => {
  sg = await create({ secret: SECRET });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  call = client(running.url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

const waiting = () => sg.prisma.shipment.findMany({ where: { tenantId: 'tnt_LAGOS', locationId: DEPOT, status: { in: ['PENDING', 'ASSIGNED'] } }, select: { id: true, weightKg: true } });
const planCount = () => sg.prisma.routePlan.count();

describe('planRoutes', () => {
  let plan: any;

  it('plans the Lagos day: every shipment once, trips within capacity and the shift, shorter than one trip per order', async () => {
    const r = await call(lagosOps, PLAN, { i: { locationId: DEPOT, date: '2026-11-25', vehicleIds: FREE_IDS, timeLimitMs: 1000 } });
    expect(r.errors).toBeUndefined();
    expect(r.data.planRoutes.userErrors).toEqual([]);
    plan = r.data.planRoutes.plan;
    expect(plan).toMatchObject({ status: 'PLANNED', date: '2026-11-25', distanceSource: 'HAVERSINE', location: { id: DEPOT } });

    const expected = await waiting();
    const weight = new Map(expected.map((s) => [s.id, s.weightKg]));
    const routed = plan.trips.flatMap((t: any) => t.stops.map((s: any) => s.shipment.id));
    const out = plan.unassigned.map((u: any) => u.shipment.id);
    expect([...routed, ...out].sort()).toEqual(expected.map((s) => s.id).sort());
    expect(new Set(routed).size).toBe(routed.length);

    const shiftStart = Date.parse('2026-11-25T08:00:00Z');
    const shiftEnd = shiftStart + SHIFT_HOURS * 3600_000;
    for (const t of plan.trips) {
      expect(t.loadKg).toBeLessThanOrEqual(t.vehicle.capacityKg);
      expect(t.loadKg).toBeCloseTo(t.stops.reduce((kg: number, s: any) => kg + weight.get(s.shipment.id)!, 0), 1);
      expect(Date.parse(t.departAt)).toBeGreaterThanOrEqual(shiftStart);
      expect(Date.parse(t.returnAt)).toBeLessThanOrEqual(shiftEnd);
      const etas = t.stops.map((s: any) => Date.parse(s.eta));
      expect(etas).toEqual([...etas].sort((a, b) => a - b));
      expect(etas[etas.length - 1]).toBeLessThanOrEqual(Date.parse(t.returnAt));
      expect(t.stops.map((s: any) => s.sequence)).toEqual(t.stops.map((_: any, i: number) => i + 1));
    }
    expect(new Set(plan.trips.map((t: any) => t.vehicle.id)).size).toBe(plan.trips.length);
    // the demo's chilled lines (yoghurt drink, chocolate milk) ride only in refrigerated vehicles
    const cold = new Set((await sg.prisma.shipment.findMany({ where: { id: { in: routed }, tempMaxC: { not: null } }, select: { id: true } })).map((s) => s.id));
    expect(cold.size).toBeGreaterThan(0);
    for (const t of plan.trips) if (!t.vehicle.coldChain) for (const s of t.stops) expect(cold.has(s.shipment.id), s.shipment.id).toBe(false);
    expect(plan.unassigned).toEqual([]);
    expect(plan.totalKm).toBeLessThan(plan.baselineKm);
    expect(plan.savedKm).toBeCloseTo(plan.baselineKm - plan.totalKm, 1);
    console.log(`Lagos ${DEPOT} 2026-11-25: ${routed.length} shipments, ${plan.trips.length} trips, totalKm ${plan.totalKm} vs baselineKm ${plan.baselineKm}`);

    const again = await call(lagosAdmin, 'query($id: ID!) { routePlan(id: $id) { id totalKm trips { km } } }', { id: plan.id });
    expect(again.data.routePlan).toEqual({ id: plan.id, totalKm: plan.totalKm, trips: plan.trips.map((t: any) => ({ km: t.km })) });
    expect((await call(accraAdmin, 'query($id: ID!) { routePlan(id: $id) { id } }', { id: plan.id })).data.routePlan).toBeNull();
  });

  it('refuses bad input with userErrors and writes nothing', async () => {
    const before = await planCount();
    const cases: [Record<string, unknown>, string, string[]][] = [
      [{ date: '2026-02-30' }, 'INVALID_INPUT', ['input', 'date']],
      [{ date: 'tomorrow' }, 'INVALID_INPUT', ['input', 'date']],
      [{ vehicleIds: [] }, 'INVALID_INPUT', ['input', 'vehicleIds']],
      [{ vehicleIds: [FREE_IDS[0], FREE_IDS[0]] }, 'INVALID_INPUT', ['input', 'vehicleIds', '1']],
      [{ vehicleIds: [FREE_IDS[0], 'veh_NOPE'] }, 'VEHICLE_NOT_FOUND', ['input', 'vehicleIds', '1']],
      [{ vehicleIds: ['veh_ACCRA000001'] }, 'VEHICLE_NOT_FOUND', ['input', 'vehicleIds', '0']],
      [{ timeLimitMs: 60_000 }, 'INVALID_INPUT', ['input', 'timeLimitMs']],
      [{ locationId: 'loc_NOWHERE' }, 'LOCATION_UNKNOWN', ['input', 'locationId']],
      [{ locationId: '  ' }, 'INVALID_INPUT', ['input', 'locationId']],
    ];
    for (const [patch, code, field] of cases) {
      const r = await call(lagosOps, PLAN, { i: { locationId: DEPOT, date: '2026-11-25', vehicleIds: FREE_IDS, timeLimitMs: 100, ...patch } });
      expect(r.data.planRoutes.plan, JSON.stringify(patch)).toBeNull();
      expect(r.data.planRoutes.userErrors, JSON.stringify(patch)).toEqual([expect.objectContaining({ code, field })]);
    }
    const rider = await call(lagosRider, PLAN, { i: { locationId: DEPOT, date: '2026-11-25', vehicleIds: FREE_IDS } });
    expect(rider.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await planCount()).toBe(before);
  });

  it('keeps cold goods off vehicles without refrigeration, and says so when no vehicle has it', async () => {
    const ids = (await waiting()).map((s) => s.id);
    const cold = (await sg.prisma.shipment.findMany({ where: { id: { in: ids }, tempMaxC: { not: null } }, select: { id: true }, orderBy: { id: 'asc' } })).map((s) => s.id);
    expect(cold.length).toBeGreaterThan(0);
    const warmOnly = FREE.filter((v) => !v.coldChain).map((v) => v.id);
    const a = await call(lagosOps, PLAN, { i: { locationId: DEPOT, date: '2026-11-25', vehicleIds: warmOnly, timeLimitMs: 200 } });
    const out = a.data.planRoutes.plan.unassigned.map((u: any) => [u.shipment.id, u.reason]).sort();
    expect(out).toEqual(cold.map((id) => [id, 'COLD_CHAIN_REQUIRED']));
    const routed = a.data.planRoutes.plan.trips.flatMap((t: any) => t.stops.map((s: any) => s.shipment.id));
    expect(routed.sort()).toEqual(ids.filter((id) => !cold.includes(id)).sort());
  });

  it('dispatches a plan: multi-stop shipments IN_TRANSIT on their trips, events written, once only', async () => {
    const outboxBefore = await sg.prisma.outboxEvent.count({ where: { type: 'shipment.dispatched' } });
    const riders = plan.trips.map((t: any, i: number) => ({ vehicleId: t.vehicle.id, riderId: `wrk_LAGOS00000${(i % 9) + 1}` }));
    const bad = await call(lagosOps, DISPATCH_PLAN, { i: { planId: plan.id, riders: [{ vehicleId: 'veh_LAGOS000001', riderId: 'wrk_x' }] } });
    expect(bad.data.dispatchRoutePlan.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', field: ['input', 'riders', '0'] })]);
    expect((await call(lagosOps, DISPATCH_PLAN, { i: { planId: 'rpl_nope' } })).data.dispatchRoutePlan.userErrors[0].code).toBe('PLAN_NOT_FOUND');
    expect(await sg.prisma.shipment.count({ where: { routeTripId: { not: null } } })).toBe(0);

    const r = await call(lagosOps, DISPATCH_PLAN, { i: { planId: plan.id, riders } });
    expect(r.errors).toBeUndefined();
    expect(r.data.dispatchRoutePlan.userErrors).toEqual([]);
    expect(r.data.dispatchRoutePlan.plan.status).toBe('DISPATCHED');
    const shipped = new Map(r.data.dispatchRoutePlan.shipments.map((s: any) => [s.id, s]));
    expect(shipped.size).toBe(plan.trips.reduce((n: number, t: any) => n + t.stops.length, 0));
    for (const [i, t] of plan.trips.entries()) {
      t.stops.forEach((stop: any, k: number) => {
        const s: any = shipped.get(stop.shipment.id);
        expect(s).toMatchObject({ status: 'IN_TRANSIT', vehicle: { id: t.vehicle.id }, rider: { id: riders[i].riderId } });
        // pickup, then the trip's drops up to this customer's own, which comes last
        expect(s.stops.map((x: any) => x.kind)).toEqual(['PICKUP', ...Array(k + 1).fill('DROPOFF')]);
        expect(s.stops[k + 1]).toMatchObject({ lat: stop.lat, lng: stop.lng });
        if (k > 0) expect(Date.parse(s.eta)).toBeGreaterThanOrEqual(Date.parse((shipped.get(t.stops[k - 1].shipment.id) as any).eta));
      });
    }
    expect(await sg.prisma.outboxEvent.count({ where: { type: 'shipment.dispatched' } })).toBe(outboxBefore + shipped.size);
    const twice = await call(lagosOps, DISPATCH_PLAN, { i: { planId: plan.id, riders } });
    expect(twice.data.dispatchRoutePlan.userErrors[0].code).toBe('PLAN_ALREADY_DISPATCHED');

    // delivering a later drop marks only that customer's own stop
    const multi = [...shipped.values()].find((s: any) => s.stops.length > 2) as any;
    expect(multi).toBeDefined();
    // commerce records the order DISPATCHED and acknowledges (order.dispatched): only then can it be delivered
    const early = await call(riderOf(multi.rider.id), CONFIRM, { i: { shipmentId: multi.id, recipientName: 'Ada', photoRef: 'p.jpg', lat: 6.5, lng: 3.4 } });
    expect(early.data.confirmDelivery.userErrors.map((e: any) => e.code)).toEqual(['DISPATCH_NOT_ACKNOWLEDGED']);
    expect(await acknowledgeDispatch(sg.prisma, multi.id)).toBe(true);
    // by the rider the trip was dispatched with (a rider confirms only their own shipments)
    const done = await call(riderOf(multi.rider.id), CONFIRM, { i: { shipmentId: multi.id, recipientName: 'Ada', photoRef: 'p.jpg', lat: 6.5, lng: 3.4 } });
    expect(done.data.confirmDelivery.userErrors).toEqual([]);
    const arrived = done.data.confirmDelivery.shipment.stops.map((s: any) => s.arrivedAt !== null);
    expect(arrived).toEqual([true, ...Array(multi.stops.length - 2).fill(false), true]);
  });

  it('refuses a plan whose shipments moved on, writing nothing', async () => {
    const r = await call(lagosOps, PLAN, { i: { locationId: 'loc_LAGOS000002', date: '2026-11-26', vehicleIds: FREE_IDS.slice(0, 3), timeLimitMs: 200 } });
    const p = r.data.planRoutes.plan;
    // the order of the last drop of the last trip is cancelled after planning: its shipment is no longer waiting
    const lastTrip = p.trips[p.trips.length - 1];
    const gone = lastTrip.stops[lastTrip.stops.length - 1].shipment.id;
    await sg.prisma.shipment.update({ where: { id: gone }, data: { status: 'CANCELLED' } });
    const others = p.trips.flatMap((t: any) => t.stops.map((s: any) => s.shipment.id)).filter((id: string) => id !== gone);
    const before = await sg.prisma.shipment.findMany({ where: { id: { in: others } }, orderBy: { id: 'asc' } });
    const stale = await call(lagosOps, DISPATCH_PLAN, { i: { planId: p.id } });
    expect(stale.data.dispatchRoutePlan.userErrors).toEqual([expect.objectContaining({ code: 'PLAN_STALE', field: ['input', 'planId'] })]);
    expect(await sg.prisma.shipment.findMany({ where: { id: { in: others } }, orderBy: { id: 'asc' } })).toEqual(before);
    expect((await sg.prisma.routePlan.findUnique({ where: { id: p.id } }))!.status).toBe('PLANNED');
  });

  it('refuses to dispatch on a vehicle still carrying a shipment, writing nothing', async () => {
    const busy = lagos!.vehicles[0]!.id; // the seed keeps the first half of the fleet on the road
    expect(await sg.prisma.shipment.count({ where: { vehicleId: busy, status: 'IN_TRANSIT' } })).toBeGreaterThan(0);
    const r = await call(lagosOps, PLAN, { i: { locationId: 'loc_LAGOS000002', date: '2026-11-27', vehicleIds: [busy, 'veh_LAGOS000024'], timeLimitMs: 200 } });
    const p = r.data.planRoutes.plan;
    expect(p.trips.map((t: any) => t.vehicle.id)).toContain(busy);
    const ids = p.trips.flatMap((t: any) => t.stops.map((s: any) => s.shipment.id));
    const before = await sg.prisma.shipment.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } });
    const d = await call(lagosOps, DISPATCH_PLAN, { i: { planId: p.id, riders: p.trips.map((t: any) => ({ vehicleId: t.vehicle.id, riderId: 'wrk_LAGOS000002' })) } });
    expect(d.data.dispatchRoutePlan).toMatchObject({ plan: null, shipments: [], userErrors: [{ code: 'VEHICLE_BUSY', field: ['input', 'planId'] }] });
    expect(await sg.prisma.shipment.findMany({ where: { id: { in: ids } }, orderBy: { id: 'asc' } })).toEqual(before);
  });
});
