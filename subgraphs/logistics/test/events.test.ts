// Logistics on an in-memory bus: order events in, shipment and position events out (docs/events.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signInternalContext, type Viewer } from '@omniroute/core';
import { createEventBus, newEventId, type DomainEvent, type EventBus, type Unlisten } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { eventually } from '@omniroute/testkit';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { handleOrderEvent } from '../src/modules/shipments/shipments.consumers.ts';
import { ACCRA, accraAdmin, client, CONFIRM, DISPATCH, LAGOS, lagosAdmin, nodes, REPORT, SECRET } from './helpers.ts';

let bus: EventBus;
let sg: LogisticsRuntime;
let stop: () => Promise<void>;
let wsUrl: string;
let call: ReturnType<typeof client>;
let unlisten: Unlisten;
let liveListeners = 0;
const seen: DomainEvent[] = [];
const [lagos] = demoPlan();

beforeAll(async () => {
  bus = createEventBus();
  // Counts the subgraph's live listeners, so subscription tests know when a subscriber is really listening.
  const counted: EventBus = {
    ...bus,
    listen(handler, opts) {
      liveListeners++;
      const un = bus.listen(handler, opts);
      return Object.assign(() => { liveListeners--; un(); }, { ready: un.ready });
    },
  };
  sg = await create({ secret: SECRET, bus: counted, relayIntervalMs: 50 });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
  wsUrl = running.url.replace(/^http/, 'ws');
  call = client(running.url);
  unlisten = bus.listen((e) => void seen.push(e), { types: ['shipment.*', 'vehicle.*'] });
});
afterAll(async () => {
  unlisten?.();
  await stop?.();
  await sg?.close();
  await bus?.close();
});

let orderSeq = 0;
function orderConfirmed(over: { orderId?: string; tenantId?: string; id?: string; payload?: Record<string, unknown> } = {}): DomainEvent {
  const orderId = over.orderId ?? `ord_TEST${String(++orderSeq).padStart(4, '0')}`;
  return {
    id: over.id ?? newEventId(),
    type: 'order.confirmed',
    tenantId: over.tenantId ?? LAGOS,
    aggregateId: orderId,
    payload: {
      orderId,
      number: `LAG-9${orderSeq}`,
      customerId: 'cus_LAGOS000001',
      customerName: 'Balogun Mini Mart',
      locationId: lagos.locations[0]!.id,
      territoryId: lagos.territories[0]!.id,
      destination: { lat: 6.6018, lng: 3.3515 },
      total: { amount: '15000.00', currencyCode: 'NGN' },
      weightKg: 42,
      ...over.payload,
    },
    occurredAt: new Date().toISOString(),
    source: 'commerce',
  };
}
const cancelled = (orderId: string, tenantId = LAGOS): DomainEvent => ({
  id: newEventId(), type: 'order.cancelled', tenantId, aggregateId: orderId, payload: { orderId, customerId: 'cus_LAGOS000001', total: { amount: '1.00', currencyCode: 'NGN' } },
  occurredAt: new Date().toISOString(), source: 'commerce',
});

const SHIPMENT_OF = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { shipment { id status eta createdAt stops { sequence kind lat lng address arrivedAt } vehicle { id } rider { id } } } } }';
const shipmentOf = async (orderId: string, v = lagosAdmin) => (await call(v, SHIPMENT_OF, { r: [{ __typename: 'Order', id: orderId }] })).data?._entities[0]?.shipment ?? null;
const published = (type: string, shipmentId: string) => seen.filter((e) => e.type === type && e.aggregateId === shipmentId);

describe('order.confirmed → shipment', () => {
  it('issue 15: chilled goods make a cold shipment that dispatchShipment keeps off vehicles without refrigeration', async () => {
    const e = orderConfirmed({ payload: { temperature: { minC: 2, maxC: 8 } } });
    const orderId = (e.payload as { orderId: string }).orderId;
    await bus.publish([e]);
    const q = 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Order { shipment { id status temperatureRange { minC maxC } } } } }';
    const s = await eventually(async () => (await call(lagosAdmin, q, { r: [{ __typename: 'Order', id: orderId }] })).data?._entities[0]?.shipment);
    expect(s).toMatchObject({ status: 'PENDING', temperatureRange: { minC: 2, maxC: 8 } });
    const warm = lagos.vehicles.find((v) => !v.coldChain && v.kind === 'VAN')!;
    const DISPATCH = 'mutation($i: DispatchShipmentInput!) { dispatchShipment(input: $i) { shipment { id } userErrors { code field } } }';
    const r = await call(lagosAdmin, DISPATCH, { i: { shipmentId: s.id, vehicleId: warm.id, riderId: 'wrk_LAGOS000001' } });
    expect(r.data.dispatchShipment).toEqual({ shipment: null, userErrors: [{ code: 'COLD_CHAIN_REQUIRED', field: ['input', 'vehicleId'] }] });
    expect((await sg.prisma.shipment.findUnique({ where: { id: s.id } }))!.status).toBe('PENDING');
  });


  it('creates a PENDING shipment with stops, ETA and complexity, and publishes shipment.created', async () => {
    const e = orderConfirmed();
    const orderId = (e.payload as { orderId: string }).orderId;
    const before = Date.now();
    await bus.publish([e]);
    const s = await eventually(() => shipmentOf(orderId));
    expect(s).toMatchObject({ status: 'PENDING', vehicle: null, rider: null });
    // pickup coordinates come from earlier pickups at the same location (the seeded ones)
    expect(s.stops).toEqual([
      { sequence: 1, kind: 'PICKUP', lat: lagos.locations[0]!.lat, lng: lagos.locations[0]!.lng, address: lagos.locations[0]!.name, arrivedAt: null },
      { sequence: 2, kind: 'DROPOFF', lat: 6.6018, lng: 3.3515, address: 'Balogun Mini Mart', arrivedAt: null },
    ]);
    const etaMinutes = (new Date(s.eta).getTime() - before) / 60_000;
    expect(etaMinutes).toBeGreaterThan(180); // preparation, then the drive
    expect(etaMinutes).toBeLessThan(300);
    const created = await eventually(async () => published('shipment.created', s.id)[0]);
    expect(created).toMatchObject({ source: 'logistics', tenantId: LAGOS, payload: { shipmentId: s.id, orderId, territoryId: lagos.territories[0]!.id, complexity: 3 } });
  });

  it('handles a redelivered event once, and a second confirmation of the same order does not duplicate', async () => {
    const e = orderConfirmed({ payload: { weightKg: 5000 } });
    const orderId = (e.payload as { orderId: string }).orderId;
    await bus.publish([e]);
    const s = await eventually(() => shipmentOf(orderId));
    await bus.publish([e, orderConfirmed({ orderId })]); // same id again; another id for the same order
    const marker = orderConfirmed();
    await bus.publish([marker]);
    // one consumer member handles events in order: once the marker's shipment exists, the duplicates were handled
    await eventually(() => shipmentOf((marker.payload as { orderId: string }).orderId));
    expect(await sg.prisma.shipment.count({ where: { orderId } })).toBe(1);
    expect(await sg.prisma.processedEvent.count({ where: { eventId: e.id } })).toBe(1);
    const created = await eventually(async () => published('shipment.created', s.id)[0]);
    expect((created.payload as { complexity: number }).complexity).toBe(10);
    await new Promise((r) => setTimeout(r, 150)); // give the relay a poll to publish anything extra
    expect(published('shipment.created', s.id)).toHaveLength(1);
    // and directly: handleOnce reports the second delivery as skipped
    expect(await handleOrderEvent(sg.prisma, sg.services.shipments, e)).toBe(false);
  });

  it('keeps tenants apart, and works without pickup coordinates', async () => {
    const e = orderConfirmed({ tenantId: ACCRA, payload: { locationId: 'loc_ACCRA_NEW', territoryId: null, customerName: 'Osu Provisions', destination: { lat: 5.556, lng: -0.1969 }, weightKg: 'heavy' } });
    const orderId = (e.payload as { orderId: string }).orderId;
    await bus.publish([e]);
    const s = await eventually(() => shipmentOf(orderId, accraAdmin));
    expect(s.stops[0]).toMatchObject({ kind: 'PICKUP', lat: null, lng: null, address: null });
    expect(s.eta).toBeTruthy();
    expect(await shipmentOf(orderId, lagosAdmin)).toBeNull();
    expect((await sg.prisma.shipment.findFirst({ where: { orderId } }))!.complexity).toBe(1);
  });

  it('ignores malformed events and keeps consuming', async () => {
    const bad: DomainEvent = { ...orderConfirmed(), payload: { number: 'no order id' } };
    const good = orderConfirmed();
    await bus.publish([bad, good]);
    await eventually(() => shipmentOf((good.payload as { orderId: string }).orderId));
    expect(await sg.prisma.processedEvent.count({ where: { eventId: bad.id } })).toBe(1);
  });
});

describe('order.cancelled → shipment cancelled', () => {
  it('cancels a shipment that has not left and publishes shipment.updated', async () => {
    const e = orderConfirmed();
    const orderId = (e.payload as { orderId: string }).orderId;
    await bus.publish([e]);
    const s = await eventually(() => shipmentOf(orderId));
    await bus.publish([cancelled(orderId)]);
    await eventually(async () => (await shipmentOf(orderId))?.status === 'CANCELLED');
    const updated = await eventually(async () => published('shipment.updated', s.id)[0]);
    expect(updated.payload).toMatchObject({ shipmentId: s.id, orderId, previousStatus: 'PENDING', status: 'CANCELLED', at: expect.any(String) });
  });

  it('remembers a cancellation that arrives before the confirmation (events out of order): no shipment', async () => {
    const e = orderConfirmed();
    const orderId = (e.payload as { orderId: string }).orderId;
    expect(await handleOrderEvent(sg.prisma, sg.services.shipments, cancelled(orderId))).toBe(true);
    expect(await handleOrderEvent(sg.prisma, sg.services.shipments, e)).toBe(true);
    expect(await sg.prisma.shipment.count({ where: { orderId } })).toBe(0);
    expect(await sg.prisma.orderGate.findUnique({ where: { tenantId_orderId: { tenantId: LAGOS, orderId } } })).toMatchObject({ cancelledAt: expect.any(Date) });
    // the same order id in another tenant is another order
    const other = orderConfirmed({ orderId, tenantId: ACCRA });
    expect(await handleOrderEvent(sg.prisma, sg.services.shipments, other)).toBe(true);
    expect(await sg.prisma.shipment.count({ where: { orderId, tenantId: ACCRA } })).toBe(1);
  });

  it('recalls a shipment already on the road (dispatched before the cancellation got here): CANCELLED, vehicle free, delivery refused', async () => {
    // the race chaos found: commerce accepted cancelOrder while logistics dispatched; the delivery then completed
    const e = orderConfirmed();
    const orderId = (e.payload as { orderId: string }).orderId;
    await bus.publish([e]);
    const s = await eventually(() => shipmentOf(orderId));
    const vehicles = nodes((await call(lagosAdmin, '{ vehicles(first: 100) { edges { node { id coldChain currentShipment { id } } } } }')).data.vehicles) as any[];
    const free = vehicles.find((v) => !v.coldChain && !v.currentShipment)!;
    expect(free).toBeDefined();
    const d = await call(lagosAdmin, DISPATCH, { i: { shipmentId: s.id, vehicleId: free.id, riderId: 'wrk_LAGOS000001' } });
    expect(d.data.dispatchShipment.userErrors).toEqual([]);
    expect(d.data.dispatchShipment.shipment.status).toBe('IN_TRANSIT');

    expect(await handleOrderEvent(sg.prisma, sg.services.shipments, cancelled(orderId))).toBe(true);
    const row = (await sg.prisma.shipment.findUnique({ where: { id: s.id } }))!;
    expect(row).toMatchObject({ status: 'CANCELLED', cancelledAt: expect.any(Date), deliveredAt: null });
    const updated = await eventually(async () => published('shipment.updated', s.id).find((x) => (x.payload as { status: string }).status === 'CANCELLED'));
    expect(updated!.payload).toMatchObject({ shipmentId: s.id, orderId, previousStatus: 'IN_TRANSIT', status: 'CANCELLED' });
    // the vehicle carries nothing any more, and the rider cannot deliver what was recalled
    expect((await call(lagosAdmin, `{ vehicle(id: "${free.id}") { currentShipment { id } } }`)).data.vehicle.currentShipment).toBeNull();
    const c = await call(lagosAdmin, CONFIRM, { i: { shipmentId: s.id, recipientName: 'Too Late', signatureRef: 'sig', lat: 6.6, lng: 3.35 } });
    expect(c.data.confirmDelivery).toEqual({ shipment: null, userErrors: [{ code: 'ORDER_CANCELLED', field: ['input', 'shipmentId'], message: expect.any(String) }] });
    expect(published('shipment.delivered', s.id)).toEqual([]);
  });

  it('refuses to dispatch a shipment whose order is known to be cancelled', async () => {
    const e = orderConfirmed();
    const orderId = (e.payload as { orderId: string }).orderId;
    await bus.publish([e]);
    const s = await eventually(() => shipmentOf(orderId));
    // the cancellation recorded at the gate, the shipment row not yet touched (as while the handler runs elsewhere)
    await sg.prisma.orderGate.update({ where: { tenantId_orderId: { tenantId: LAGOS, orderId } }, data: { cancelledAt: new Date() } });
    const vehicles = nodes((await call(lagosAdmin, '{ vehicles(first: 100) { edges { node { id coldChain currentShipment { id } } } } }')).data.vehicles) as any[];
    const free = vehicles.find((v) => !v.coldChain && !v.currentShipment)!;
    const d = await call(lagosAdmin, DISPATCH, { i: { shipmentId: s.id, vehicleId: free.id, riderId: 'wrk_LAGOS000001' } });
    expect(d.data.dispatchShipment).toMatchObject({ shipment: null, userErrors: [{ code: 'ORDER_CANCELLED', field: ['input', 'shipmentId'] }] });
    expect((await sg.prisma.shipment.findUnique({ where: { id: s.id } }))!.status).toBe('PENDING');
  });

  it('keeps a delivered shipment, and ignores orders it does not know or of another tenant', async () => {
    const delivered = lagos.shipments.find((x) => x.status === 'DELIVERED')!;
    const assigned = lagos.shipments.find((x) => x.status === 'ASSIGNED')!;
    await bus.publish([cancelled(delivered.orderId), cancelled('ord_NEVER_SEEN'), cancelled(assigned.orderId, ACCRA)]);
    const marker = orderConfirmed();
    await bus.publish([marker]);
    await eventually(() => shipmentOf((marker.payload as { orderId: string }).orderId));
    expect((await shipmentOf(delivered.orderId)).status).toBe('DELIVERED');
    expect((await shipmentOf(assigned.orderId)).status).toBe('ASSIGNED');
  });
});

describe('vehicle.position', () => {
  it('publishes each new position live with the territory and current shipment', async () => {
    const v = lagos.vehicles[5]!;
    const current = (await call(lagosAdmin, `{ vehicle(id: "${v.id}") { currentShipment { id } } }`)).data.vehicle.currentShipment;
    const recordedAt = new Date().toISOString();
    const r = await call(lagosAdmin, REPORT, { i: { vehicleId: v.id, lat: 6.45, lng: 3.4, speedKph: 42.5, heading: 180, recordedAt } });
    expect(r.data.reportVehiclePosition.userErrors).toEqual([]);
    const e = await eventually(async () => seen.find((x) => x.type === 'vehicle.position' && x.aggregateId === v.id));
    expect(e).toMatchObject({
      source: 'logistics',
      tenantId: LAGOS,
      payload: { vehicleId: v.id, territoryId: v.territoryId, shipmentId: current?.id ?? null, lat: 6.45, lng: 3.4, speedKph: 42.5, heading: 180, temperatureC: null, recordedAt },
    });
    // the rows subscribers resolve from travel with it, dates as ISO strings (as JSON on Redis)
    expect(e!.payload.vehicle).toMatchObject({ id: v.id, plate: v.plate, lastLat: 6.45, lastRecordedAt: recordedAt, updatedAt: expect.any(String) });
    expect(e!.payload.shipment ?? null).toEqual(current ? expect.objectContaining({ id: current.id, createdAt: expect.any(String) }) : null);
    // a late reading is stored but not broadcast
    const late = await call(lagosAdmin, REPORT, { i: { vehicleId: v.id, lat: 6.44, lng: 3.4, recordedAt: new Date(Date.now() - 600_000).toISOString() } });
    expect(late.data.reportVehiclePosition.userErrors).toEqual([]);
    await new Promise((res) => setTimeout(res, 50));
    expect(seen.filter((x) => x.type === 'vehicle.position' && x.aggregateId === v.id)).toHaveLength(1);
  });
});

describe('subscriptions (graphql-ws, as the gateway subscribes)', () => {
  function subscribe(v: Viewer | null, query: string, variables: Record<string, unknown> = {}, secret = SECRET) {
    let closed: number | undefined;
    const ws = createClient({
      url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false, onNonLazyError: () => undefined, // refused sockets are asserted below
      connectionParams: () => signInternalContext({ requestId: 'sub', viewer: v }, { secret, audience: 'logistics' }),
      on: { closed: (e) => (closed = (e as { code: number }).code) },
    });
    const got: any[] = [];
    const errors: unknown[] = [];
    const un = ws.subscribe({ query, variables }, { next: (r) => void got.push(r), error: (e) => void errors.push(e), complete: () => undefined });
    return { got, errors, closed: () => closed, async end() { un(); await ws.dispose(); } };
  }
  const LIVE = `subscription($t: ID, $v: ID) { vehiclePositionUpdated(territoryId: $t, vehicleId: $v) {
    vehicle { id plate lastPosition { lat } } position { lat lng speedKph recordedAt } shipment { id status order { id } rider { id } } } }`;

  it('vehiclePositionUpdated streams the tenant positions, filtered by territory and vehicle', async () => {
    // a territory with two vehicles, the first of them carrying a shipment now: its event must show that shipment
    const vehicles = nodes((await call(lagosAdmin, '{ vehicles(first: 100) { edges { node { id currentShipment { id } } } } }')).data.vehicles) as any[];
    const carrying = new Set(vehicles.filter((v) => v.currentShipment).map((v) => v.id as string));
    const territory = lagos.territories.find((t) => {
      const here = lagos.vehicles.filter((x) => x.territoryId === t.id);
      return here.length >= 2 && here.some((x) => carrying.has(x.id));
    })!;
    expect(territory).toBeDefined();
    const a = lagos.vehicles.find((x) => x.territoryId === territory.id && carrying.has(x.id));
    const b = lagos.vehicles.find((x) => x.territoryId === territory.id && x !== a);
    const other = lagos.vehicles.find((x) => x.territoryId !== territory.id)!;
    const byTerritory = subscribe(lagosAdmin, LIVE, { t: territory.id });
    const byVehicle = subscribe(lagosAdmin, LIVE, { v: b!.id });
    const accraSub = subscribe(accraAdmin, LIVE);
    await eventually(async () => liveListeners === 3);
    for (const [veh, lat] of [[a!, 6.41], [other, 6.42], [b!, 6.43]] as const) {
      const r = await call(lagosAdmin, REPORT, { i: { vehicleId: veh.id, lat, lng: 3.3, speedKph: 20, temperatureC: veh.coldChain ? 4 : null } });
      expect(r.data.reportVehiclePosition.userErrors).toEqual([]);
    }
    await eventually(async () => byTerritory.got.length >= 2 && byVehicle.got.length >= 1);
    expect(byTerritory.got.map((g) => g.data.vehiclePositionUpdated.vehicle.id)).toEqual([a!.id, b!.id]);
    const e = byTerritory.got[0].data.vehiclePositionUpdated;
    expect(e.position).toMatchObject({ lat: 6.41, lng: 3.3, speedKph: 20 });
    expect(e.vehicle).toMatchObject({ plate: a!.plate, lastPosition: { lat: 6.41 } });
    expect(e.shipment).toMatchObject({ order: { id: expect.any(String) }, status: expect.stringMatching(/IN_TRANSIT|ASSIGNED/) });
    // the second event reads the vehicle afresh (a subscription's loaders live as long as it does)
    expect(byVehicle.got.map((g) => g.data.vehiclePositionUpdated.vehicle.lastPosition.lat)).toEqual([6.43]);
    expect(accraSub.got).toEqual([]);
    for (const s of [byTerritory, byVehicle, accraSub]) await s.end();
    await eventually(async () => liveListeners === 0); // unsubscribing stops listening
  });

  it('each event resolves with loaders of its own: a delivery between two positions shows in the second event', async () => {
    const ships = nodes((await call(lagosAdmin, '{ shipments(first: 50, filter: { status: IN_TRANSIT }) { edges { node { id vehicle { id } } } } }')).data.shipments) as any[];
    const s = ships.find((x) => x.vehicle)!;
    const vehicleId = s.vehicle.id as string;
    const sub = subscribe(lagosAdmin, `subscription($v: ID) { vehiclePositionUpdated(vehicleId: $v) {
      vehicle { id currentShipment { id status } territory { id } } shipment { id status } } }`, { v: vehicleId });
    await eventually(async () => liveListeners === 1);
    const report = (lat: number) => call(lagosAdmin, REPORT, { i: { vehicleId, lat, lng: 3.3, speedKph: 15, temperatureC: 4, recordedAt: new Date().toISOString() } });
    expect((await report(6.46)).data.reportVehiclePosition.userErrors).toEqual([]);
    await eventually(async () => sub.got.length >= 1);
    const r = await call(lagosAdmin, CONFIRM, { i: { shipmentId: s.id, recipientName: 'Ade', photoRef: 'photos/a.jpg', lat: 6.5, lng: 3.3 } });
    expect(r.data.confirmDelivery.userErrors).toEqual([]);
    expect((await report(6.47)).data.reportVehiclePosition.userErrors).toEqual([]);
    await eventually(async () => sub.got.length >= 2);
    const [first, second] = sub.got.map((g) => g.data.vehiclePositionUpdated);
    expect(first).toMatchObject({ vehicle: { id: vehicleId, currentShipment: { id: s.id, status: 'IN_TRANSIT' }, territory: { id: expect.any(String) } }, shipment: { id: s.id, status: 'IN_TRANSIT' } });
    // the first event's loaders cached the shipment in transit; the second event must not see it
    expect(second.vehicle.currentShipment?.id).not.toBe(s.id);
    expect(second.shipment?.id).not.toBe(s.id);
    await sub.end();
  });

  it('shipmentUpdated streams status changes with the current shipment', async () => {
    const [s] = nodes((await call(lagosAdmin, '{ shipments(first: 1, filter: { status: IN_TRANSIT }) { edges { node { id } } } }')).data.shipments) as any[];
    const sub = subscribe(lagosAdmin, 'subscription($id: ID) { shipmentUpdated(shipmentId: $id) { previousStatus status at shipment { id status proofOfDelivery { recipientName } } } }', { id: s.id });
    await eventually(async () => liveListeners === 1);
    const r = await call(lagosAdmin, CONFIRM, { i: { shipmentId: s.id, recipientName: 'Yusuf', photoRef: 'photos/s.jpg', lat: 6.5, lng: 3.3 } });
    expect(r.data.confirmDelivery.userErrors).toEqual([]);
    await eventually(async () => sub.got.length >= 1);
    expect(sub.got[0].data.shipmentUpdated).toMatchObject({ previousStatus: 'IN_TRANSIT', status: 'DELIVERED', shipment: { id: s.id, status: 'DELIVERED', proofOfDelivery: { recipientName: 'Yusuf' } } });
    await sub.end();
  });

  it('coldChainAlert streams breaches above 8 °C of the tenant, filtered by vehicle', async () => {
    const cold = lagos.vehicles.filter((x) => x.coldChain);
    const sub = subscribe(lagosAdmin, 'subscription($v: ID) { coldChainAlert(vehicleId: $v) { id temperatureC limitC vehicle { id plate } position { lat lng } recordedAt } }', { v: cold[0]!.id });
    const accraSub = subscribe(accraAdmin, 'subscription { coldChainAlert { id } }');
    await eventually(async () => liveListeners === 2);
    for (const [veh, t] of [[cold[0]!, 5], [cold[1]!, 11], [cold[0]!, 9.5]] as const) {
      const r = await call(lagosAdmin, REPORT, { i: { vehicleId: veh.id, lat: 6.5, lng: 3.35, speedKph: 10, temperatureC: t, recordedAt: new Date().toISOString() } });
      expect(r.data.reportVehiclePosition.userErrors).toEqual([]);
    }
    await eventually(async () => sub.got.length >= 1);
    await new Promise((res) => setTimeout(res, 50));
    expect(sub.got.map((g) => g.data.coldChainAlert)).toEqual([
      expect.objectContaining({ temperatureC: 9.5, limitC: 8, vehicle: { id: cold[0]!.id, plate: cold[0]!.plate }, position: { lat: 6.5, lng: 3.35 } }),
    ]);
    expect(accraSub.got).toEqual([]);
    await sub.end();
    await accraSub.end();
  });

  it('refuses connections without the gateway signature, and anonymous subscribers', async () => {
    const forged = subscribe(lagosAdmin, LIVE, {}, 'not-the-secret');
    await eventually(async () => forged.closed() !== undefined);
    expect(forged.closed()).toBe(4403);
    const anon = subscribe(null, LIVE);
    await eventually(async () => anon.errors.length > 0 || anon.got.some((g) => g.errors));
    const err = (anon.errors[0] as any)?.[0] ?? anon.got[0]?.errors?.[0];
    expect(err?.extensions?.code ?? err?.message).toMatch(/UNAUTHENTICATED|Authentication required/);
    await forged.end();
    await anon.end();
  });
});
