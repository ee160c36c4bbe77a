// The same subgraph on real Postgres (its own PG schema "logistics" in a throw-away database): migrations,
// seed, the raw SQL (per-parent paging, FOR UPDATE), interactive transactions with the outbox, and consumers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, newEventId, type EventBus } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { createTestDatabase, eventually } from '@omniroute/testkit';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { handleOrderEvent } from '../src/modules/shipments/shipments.consumers.ts';
import { client, CONFIRM, DISPATCH, LAGOS, lagosAdmin, nodes, REPORT, SECRET } from './helpers.ts';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let bus: EventBus;
let sg: LogisticsRuntime;
let stop: () => Promise<void>;
let call: ReturnType<typeof client>;
const [lagos] = demoPlan();

beforeAll(async () => {
  database = await createTestDatabase('omniroute_logistics');
  bus = createEventBus();
  // The relay runs on kicks after each commit; a long poll interval keeps its polls out of the statement counts.
  sg = await create({ secret: SECRET, databaseUrl: database.url, bus, relayIntervalMs: 60_000 });
  await sg.seed();
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  call = client(running.url);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await bus?.close();
  await database?.drop();
});

describe('logistics on Postgres', () => {
  it('handles an order\'s confirmation and cancellation arriving at once (two replicas): never a live shipment of a cancelled order', async () => {
    const orders = Array.from({ length: 12 }, (_, i) => `ord_RACE${Date.now()}${i}`);
    const event = (type: string, orderId: string) => ({
      id: newEventId(), type, tenantId: LAGOS, aggregateId: orderId, occurredAt: new Date().toISOString(), source: 'commerce',
      payload: { orderId, customerId: 'cus_LAGOS000001', locationId: lagos.locations[0]!.id, territoryId: lagos.territories[0]!.id, destination: { lat: 6.6, lng: 3.35 }, weightKg: 10, total: { amount: '1.00', currencyCode: 'NGN' } },
    });
    // each pair runs concurrently in two transactions, in both orders of starting
    await Promise.all(orders.map((orderId, i) => {
      const pair = [event('order.confirmed', orderId), event('order.cancelled', orderId)];
      if (i % 2) pair.reverse();
      return Promise.all(pair.map((e) => handleOrderEvent(sg.prisma, sg.services.shipments, e)));
    }));
    const shipments = await sg.prisma.shipment.findMany({ where: { tenantId: LAGOS, orderId: { in: orders } } });
    expect(shipments.filter((s) => s.status !== 'CANCELLED')).toEqual([]);
    expect(await sg.prisma.orderGate.count({ where: { tenantId: LAGOS, orderId: { in: orders }, cancelledAt: { not: null } } })).toBe(orders.length);
  });

  it('dispatches racing the orders\' cancellations (chaos bug 4): every shipment ends CANCELLED, none can be delivered', async () => {
    const vehicles = nodes((await call(lagosAdmin, '{ vehicles(first: 100) { edges { node { id coldChain currentShipment { id } } } } }')).data.vehicles) as any[];
    const keep = new Set([lagos.vehicles[1]!.id, lagos.vehicles[3]!.id]); // the delivery-cycle test below uses these
    const free = vehicles.filter((v) => !v.coldChain && !keep.has(v.id)).slice(0, 4);
    // the seed has most vehicles on the road: deliver what they carry first
    for (const s of await sg.prisma.shipment.findMany({ where: { tenantId: LAGOS, vehicleId: { in: free.map((v) => v.id) }, status: 'IN_TRANSIT' } })) {
      const r = await call(lagosAdmin, CONFIRM, { i: { shipmentId: s.id, recipientName: 'Ngozi', photoRef: 'photos/p.jpg', lat: 6.5, lng: 3.3 } });
      expect(r.data.confirmDelivery.userErrors).toEqual([]);
    }
    expect(free).toHaveLength(4);
    const orders = free.map((_, i) => `ord_DISPRACE${Date.now()}${i}`);
    const event = (type: string, orderId: string) => ({
      id: newEventId(), type, tenantId: LAGOS, aggregateId: orderId, occurredAt: new Date().toISOString(), source: 'commerce',
      payload: { orderId, customerId: 'cus_LAGOS000001', locationId: lagos.locations[0]!.id, territoryId: lagos.territories[0]!.id, destination: { lat: 6.6, lng: 3.35 }, weightKg: 10, total: { amount: '1.00', currencyCode: 'NGN' } },
    });
    for (const orderId of orders) await handleOrderEvent(sg.prisma, sg.services.shipments, event('order.confirmed', orderId));
    const created = await sg.prisma.shipment.findMany({ where: { tenantId: LAGOS, orderId: { in: orders } } });
    expect(created).toHaveLength(orders.length);
    // commerce accepted the cancellation; logistics dispatches at the same moment, on another connection
    const outcomes = await Promise.all(created.map(async (s, i) => {
      const pair: (() => Promise<unknown>)[] = [
        () => call(lagosAdmin, DISPATCH, { i: { shipmentId: s.id, vehicleId: free[i]!.id, riderId: 'wrk_LAGOS000002' } }),
        () => handleOrderEvent(sg.prisma, sg.services.shipments, event('order.cancelled', s.orderId)),
      ];
      if (i % 2) pair.reverse();
      // the first: the dispatch commits before the cancellation arrives (what chaos saw); the others truly at once
      const [a, b] = i === 0 ? [await pair[0]!(), await pair[1]!()] : await Promise.all(pair.map((f) => f()));
      const r = (i % 2 ? b : a) as { data: { dispatchShipment: { shipment: { status: string } | null; userErrors: { code: string }[] } } };
      return r.data.dispatchShipment.shipment?.status ?? r.data.dispatchShipment.userErrors[0]!.code;
    }));
    expect(outcomes[0]).toBe('IN_TRANSIT');
    for (const o of outcomes) expect(['IN_TRANSIT', 'ORDER_CANCELLED', 'INVALID_STATUS']).toContain(o);
    const after = await sg.prisma.shipment.findMany({ where: { tenantId: LAGOS, orderId: { in: orders } } });
    // dispatched first → recalled by the cancellation; cancelled first → the dispatch was refused
    expect(after.map((s) => s.status)).toEqual(after.map(() => 'CANCELLED'));
    for (const s of after) {
      const c = await call(lagosAdmin, CONFIRM, { i: { shipmentId: s.id, recipientName: 'Too Late', signatureRef: 'sig', lat: 6.6, lng: 3.35 } });
      expect(c.data.confirmDelivery.userErrors).toEqual([expect.objectContaining({ code: 'ORDER_CANCELLED' })]);
    }
  });

  it('serves the seeded fleet with paged children, and counts statements the same', async () => {
    expect(sg.db).toMatchObject({ kind: 'postgres' });
    expect(await sg.prisma.vehicle.count()).toBe(demoPlan().reduce((n, t) => n + t.vehicles.length, 0));
    const q = (n: number) => `{ vehicles(first: ${n}) { edges { node { plate lastPosition { lat } currentShipment { status } territory { name } positions(first: 2) { edges { node { recordedAt } } } } } } }`;
    sg.db.stats.statements = 0;
    const r = await call(lagosAdmin, q(20));
    expect(r.errors).toBeUndefined();
    const twenty = sg.db.stats.statements;
    sg.db.stats.statements = 0;
    await call(lagosAdmin, q(1));
    expect(twenty).toBe(sg.db.stats.statements);
    const list = nodes(r.data.vehicles) as any[];
    expect(list).toHaveLength(20);
    expect(list.every((v) => nodes(v.positions).length === 2)).toBe(true);
    // the other raw, per-parent pages: enum and timestamp columns come back typed on Postgres too
    const t = await call(lagosAdmin, '{ territories(first: 2) { edges { node { vehicles(first: 2) { edges { node { id kind coldChain lastPosition { recordedAt } coldChainAlerts { edges { node { id } } } } } } } } } }');
    expect(t.errors).toBeUndefined();
    const v = nodes((nodes(t.data.territories)[0] as any).vehicles)[0] as any;
    expect(v).toMatchObject({ kind: lagos.vehicles[0]!.kind, coldChain: false, lastPosition: { recordedAt: '2026-11-25T08:00:00.000Z' } });
  });

  it('runs the delivery cycle: confirm, dispatch, report, consume order events', async () => {
    const vehicleId = lagos.vehicles[1]!.id;
    const carried = (nodes((await call(lagosAdmin, '{ shipments(first: 100, filter: { status: IN_TRANSIT }) { edges { node { id vehicle { id } } } } }')).data.shipments) as any[])
      .filter((s) => s.vehicle.id === vehicleId);
    for (const s of carried) {
      const r = await call(lagosAdmin, CONFIRM, { i: { shipmentId: s.id, recipientName: 'Ngozi', photoRef: 'photos/p.jpg', lat: 6.5, lng: 3.3 } });
      expect(r.data.confirmDelivery.userErrors).toEqual([]);
    }
    const pending = lagos.shipments.find((s) => s.status === 'PENDING')!;
    const d = await call(lagosAdmin, DISPATCH, { i: { shipmentId: pending.id, vehicleId, riderId: 'wrk_LAGOS000003' } });
    expect(d.data.dispatchShipment.userErrors).toEqual([]);
    expect(d.data.dispatchShipment.shipment.status).toBe('IN_TRANSIT');
    // the position is stored in one statement (raw SQL): instants round-trip exactly, a late reading stays in the
    // history without moving the vehicle back, a breach stores an alert naming the carried shipment
    const recordedAt = new Date(Date.now() - 2000).toISOString();
    const p = await call(lagosAdmin, REPORT, { i: { vehicleId, lat: 6.5, lng: 3.3, speedKph: 12, recordedAt } });
    expect(p.data.reportVehiclePosition.userErrors).toEqual([]);
    const late = new Date(Date.now() - 3600_000).toISOString();
    expect((await call(lagosAdmin, REPORT, { i: { vehicleId, lat: 6.4, lng: 3.3, recordedAt: late } })).data.reportVehiclePosition.userErrors).toEqual([]);
    const trail = (await call(lagosAdmin, `{ vehicle(id: "${vehicleId}") { lastPosition { lat recordedAt } positions(first: 2) { edges { node { lat recordedAt } } } } }`)).data.vehicle;
    expect(trail.lastPosition).toEqual({ lat: 6.5, recordedAt });
    expect(nodes(trail.positions)).toEqual([{ lat: 6.5, recordedAt }, { lat: 6.4, recordedAt: late }]);
    const cold = lagos.vehicles.find((x) => x.coldChain)!;
    expect((await call(lagosAdmin, REPORT, { i: { vehicleId: cold.id, lat: 6.5, lng: 3.3, temperatureC: 11, recordedAt } })).data.reportVehiclePosition.userErrors).toEqual([]);
    const alerts = await call(lagosAdmin, `{ vehicle(id: "${cold.id}") { currentShipment { id } coldChainAlerts { edges { node { temperatureC limitC recordedAt shipment { id } } } } } }`);
    expect(nodes(alerts.data.vehicle.coldChainAlerts)).toEqual([{ temperatureC: 11, limitC: 8, recordedAt, shipment: alerts.data.vehicle.currentShipment }]);

    const orderId = 'ord_PG_0001';
    await bus.publish([{ id: newEventId(), type: 'order.confirmed', tenantId: LAGOS, aggregateId: orderId, occurredAt: new Date().toISOString(), source: 'commerce',
      payload: { orderId, locationId: lagos.locations[1]!.id, territoryId: lagos.territories[1]!.id, destination: { lat: 6.55, lng: 3.36 }, customerName: 'Eze Stores', weightKg: 80 } }]);
    const s = await eventually(async () => (await call(lagosAdmin, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { shipment { status stops { lat } } } } }', { r: [{ __typename: 'Order', id: orderId }] })).data._entities[0].shipment);
    expect(s.status).toBe('PENDING');
    expect(s.stops[0].lat).toBe(lagos.locations[1]!.lat);
    // two dispatchers race for one free vehicle: the row lock lets exactly one win
    const racer = lagos.vehicles[3]!.id;
    const onIt = (nodes((await call(lagosAdmin, '{ shipments(first: 100, filter: { status: IN_TRANSIT }) { edges { node { id vehicle { id } } } } }')).data.shipments) as any[])
      .filter((x) => x.vehicle.id === racer);
    for (const x of onIt) await call(lagosAdmin, CONFIRM, { i: { shipmentId: x.id, recipientName: 'Kofi', signatureRef: 'signatures/k.png', lat: 6.5, lng: 3.3 } });
    const [a, b] = lagos.shipments.filter((x) => x.status === 'PENDING').slice(1, 3);
    const race = await Promise.all([a!, b!].map((x) => call(lagosAdmin, DISPATCH, { i: { shipmentId: x.id, vehicleId: racer, riderId: 'wrk_LAGOS000004' } })));
    expect(race.map((r) => r.data.dispatchShipment.userErrors.map((e: any) => e.code).join() || 'OK').sort()).toEqual(['OK', 'VEHICLE_BUSY']);

    // everything written to the outbox gets published by the relay
    await eventually(async () => (await sg.prisma.outboxEvent.count({ where: { publishedAt: null } })) === 0);
  });
});
