// Logistics on an in-memory bus: order events in, shipment and position events out (docs/events.md).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, newEventId, type DomainEvent, type EventBus, type Unlisten } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { eventually } from '@omniroute/testkit';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { handleOrderEvent } from '../src/modules/shipments/shipments.consumers.ts';
import { ACCRA, accraAdmin, client, LAGOS, lagosAdmin, REPORT, SECRET } from './helpers.ts';

let bus: EventBus;
let sg: LogisticsRuntime;
let stop: () => Promise<void>;
let call: ReturnType<typeof client>;
let unlisten: Unlisten;
const seen: DomainEvent[] = [];
const [lagos] = demoPlan();

beforeAll(async () => {
  bus = createEventBus();
  sg = await create({ secret: SECRET, bus, relayIntervalMs: 50 });
  await sg.seed();
  const running = await sg.listen(0);
  stop = running.stop;
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

  it('leaves shipments on the road alone, and ignores orders it does not know or of another tenant', async () => {
    const onRoad = lagos.shipments.find((x) => x.status === 'IN_TRANSIT')!;
    const assigned = lagos.shipments.find((x) => x.status === 'ASSIGNED')!;
    await bus.publish([cancelled(onRoad.orderId), cancelled('ord_NEVER_SEEN'), cancelled(assigned.orderId, ACCRA)]);
    const marker = orderConfirmed();
    await bus.publish([marker]);
    await eventually(() => shipmentOf((marker.payload as { orderId: string }).orderId));
    expect((await shipmentOf(onRoad.orderId)).status).toBe('IN_TRANSIT');
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
    // a late reading is stored but not broadcast
    const late = await call(lagosAdmin, REPORT, { i: { vehicleId: v.id, lat: 6.44, lng: 3.4, recordedAt: new Date(Date.now() - 600_000).toISOString() } });
    expect(late.data.reportVehiclePosition.userErrors).toEqual([]);
    await new Promise((res) => setTimeout(res, 50));
    expect(seen.filter((x) => x.type === 'vehicle.position' && x.aggregateId === v.id)).toHaveLength(1);
  });
});
