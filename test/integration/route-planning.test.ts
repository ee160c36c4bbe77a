// Issue 15: a depot's day planned and dispatched through the real gateway (embedded platform): planRoutes on the
// seeded Lagos day beats one trip per order, dispatchRoutePlan sends multi-stop shipments, and the usual events
// follow (orders DISPATCHED in commerce, shipments visible on Order.shipment across subgraphs).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPlan } from '@omniroute/demo';
import { startStack, type Stack } from '@omniroute/platform';
import { eventually, gql, login } from '@omniroute/testkit';

const [lagos] = demoPlan();
const DEPOT = lagos!.locations[0]!.id;
// the seed keeps the first half of the fleet on the road
const FREE = lagos!.vehicles.slice(lagos!.vehicles.length / 2).map((v) => v.id);

describe('route planning through the gateway', () => {
  let stack: Stack;
  let q: <T = any>(query: string, variables?: Record<string, unknown>) => Promise<T>;

  beforeAll(async () => {
    stack = await startStack({ seed: true, relayIntervalMs: 200 });
    const t = await login(stack.gatewayUrl, 'dispatch@lagos.demo');
    q = async (query, variables = {}) => {
      const r = await gql(stack.gatewayUrl, query, variables, t);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data;
    };
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('plans the Lagos day below one trip per order and dispatches it as multi-stop shipments', async () => {
    const planned = await q(`mutation($i: PlanRoutesInput!) { planRoutes(input: $i) {
      plan { id totalKm baselineKm unassigned { reason } trips { vehicle { id capacityKg } loadKg stops { shipment { id order { id number } } } } }
      userErrors { code } } }`, { i: { locationId: DEPOT, date: '2026-11-25', vehicleIds: FREE, timeLimitMs: 1000 } });
    expect(planned.planRoutes.userErrors).toEqual([]);
    const plan = planned.planRoutes.plan;
    expect(plan.unassigned).toEqual([]);
    expect(plan.totalKm).toBeLessThan(plan.baselineKm);
    for (const t of plan.trips) expect(t.loadKg).toBeLessThanOrEqual(t.vehicle.capacityKg);

    const bad = await q(`mutation { planRoutes(input: { locationId: "${DEPOT}", date: "2026-11-25", vehicleIds: [] }) { plan { id } userErrors { code field } } }`);
    expect(bad.planRoutes).toEqual({ plan: null, userErrors: [{ code: 'INVALID_INPUT', field: ['input', 'vehicleIds'] }] });

    const verified = lagos!.riders.filter((r) => r.kycStatus === 'VERIFIED');
    const riders = plan.trips.map((_: unknown, i: number) => verified[i]!.id);
    const sent = await q(`mutation($i: DispatchRoutePlanInput!) { dispatchRoutePlan(input: $i) { plan { status } shipments { id stops { kind } } userErrors { code } } }`, {
      i: { planId: plan.id, riders: plan.trips.map((t: any, i: number) => ({ vehicleId: t.vehicle.id, riderId: riders[i] })) },
    });
    expect(sent.dispatchRoutePlan.userErrors).toEqual([]);
    expect(sent.dispatchRoutePlan.plan.status).toBe('DISPATCHED');
    expect(Math.max(...sent.dispatchRoutePlan.shipments.map((s: any) => s.stops.length))).toBeGreaterThan(2);

    // commerce hears shipment.dispatched for every order of the plan; Order.shipment (logistics) shows the trip
    const last = plan.trips[0].stops[plan.trips[0].stops.length - 1].shipment.order;
    const order = await eventually(async () => {
      const o = (await q(`query($id: ID!) { order(id: $id) { status shipment { status stops { kind } rider { id } } } }`, { id: last.id })).order;
      return o.status === 'DISPATCHED' ? o : null;
    }, { timeoutMs: 30_000 });
    expect(order.shipment.status).toBe('IN_TRANSIT');
    expect(order.shipment.stops).toHaveLength(plan.trips[0].stops.length + 1);
    expect(order.shipment.rider.id).toBe(riders[0]);
  });
});
