// The order consumers on the driver path (issue 17), on PGlite and on Postgres: the rows and payloads
// order.confirmed and order.placed write, in how many statements, at most once, and all or nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId, type DomainEvent } from '@omniroute/events';
import { demoPlan } from '@omniroute/demo';
import { createTestDatabase } from '@omniroute/testkit';
import { create, type LogisticsRuntime } from '../src/server.ts';
import { handleOrderEvent } from '../src/modules/shipments/shipments.consumers.ts';
import { handleVisitEvent } from '../src/modules/beat-plans/beat-plans.consumers.ts';
import { estimateEta, PREPARATION_MINUTES } from '../src/modules/shipments/shipment-rules.ts';
import { ACCRA, LAGOS, SECRET } from './helpers.ts';

const [lagos] = demoPlan();
let seq = 0;
const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${++seq}`;

function confirmed(over: { orderId?: string; tenantId?: string; payload?: Record<string, unknown> } = {}): DomainEvent {
  const orderId = over.orderId ?? uniq('ord_SQL');
  return {
    id: newEventId(), type: 'order.confirmed', tenantId: over.tenantId ?? LAGOS, aggregateId: orderId, occurredAt: '2026-12-01T09:30:00.000Z', source: 'commerce',
    payload: {
      orderId, number: 'LAG-1', customerId: 'cus_LAGOS000001', customerName: lagos.customers[0]!.name, locationId: lagos.locations[0]!.id, territoryId: lagos.territories[0]!.id,
      destination: { lat: lagos.customers[0]!.lat, lng: lagos.customers[0]!.lng }, weightKg: 42, volumeM3: 0.5, temperature: { minC: 2, maxC: 8 }, total: { amount: '15000.00', currencyCode: 'NGN' },
      ...over.payload,
    },
  };
}
const cancelled = (orderId: string): DomainEvent => ({
  id: newEventId(), type: 'order.cancelled', tenantId: LAGOS, aggregateId: orderId, occurredAt: new Date().toISOString(), source: 'commerce', payload: { orderId },
});

describe.each(['pglite', 'postgres'] as const)('order consumers on the driver path (%s)', (kind) => {
  let sg: LogisticsRuntime;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('omniroute_logistics_sql');
    sg = await create({ secret: SECRET, relayIntervalMs: 3_600_000, ...(database ? { databaseUrl: database.url } : {}) });
    await sg.seed();
    expect(sg.db.kind).toBe(kind);
  });
  afterAll(async () => {
    await sg?.close();
    await database?.drop();
  });

  /** Statements the handler ran (ProcessedEvent included; BEGIN/COMMIT are not counted). */
  async function counted<T>(fn: () => Promise<T>): Promise<[T, number]> {
    sg.db.stats.statements = 0;
    const r = await fn();
    return [r, sg.db.stats.statements];
  }
  const outboxOf = (aggregateId: string) => sg.prisma.outboxEvent.findMany({ where: { aggregateId }, orderBy: { id: 'asc' } });
  const handle = (e: DomainEvent) => handleOrderEvent(sg.prisma, sg.services.shipments, e, true);

  it('order.confirmed: the shipment, its stops and shipment.created as before, in three statements; a re-sent event is ignored', async () => {
    const e = confirmed();
    const orderId = e.aggregateId;
    const [handled, statements] = await counted(() => handle(e));
    expect(handled).toBe(true);
    expect(statements).toBe(3); // ProcessedEvent; gate + reads; the writes (the customer's site is as it was)
    const s = await sg.prisma.shipment.findFirstOrThrow({ where: { tenantId: LAGOS, orderId }, include: { stops: { orderBy: { sequence: 'asc' } } } });
    const pickup = lagos.locations[0]!;
    expect(s).toMatchObject({
      tenantId: LAGOS, orderId, status: 'PENDING', territoryId: lagos.territories[0]!.id, locationId: pickup.id, vehicleId: null, riderId: null,
      weightKg: 42, volumeM3: 0.5, customerId: 'cus_LAGOS000001', complexity: 3, tempMinC: 2, tempMaxC: 8,
      dispatchedAt: null, deliveredAt: null, cancelledAt: null, routeTripId: null, orderDispatchedAt: null,
    });
    expect(s.id).toMatch(/^shp_/);
    expect(s.updatedAt).toEqual(s.createdAt);
    expect(Math.abs(s.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
    const dest = { lat: lagos.customers[0]!.lat, lng: lagos.customers[0]!.lng };
    expect(s.eta).toEqual(estimateEta({ from: s.createdAt, route: [{ lat: pickup.lat, lng: pickup.lng }, dest], preparationMinutes: PREPARATION_MINUTES }));
    expect(s.stops.map(({ id, shipmentId, ...x }) => { expect(id).toMatch(/^stp_/); expect(shipmentId).toBe(s.id); return x; })).toEqual([
      { tenantId: LAGOS, sequence: 1, kind: 'PICKUP', locationId: pickup.id, lat: pickup.lat, lng: pickup.lng, address: pickup.name, arrivedAt: null },
      { tenantId: LAGOS, sequence: 2, kind: 'DROPOFF', locationId: null, lat: dest.lat, lng: dest.lng, address: lagos.customers[0]!.name, arrivedAt: null },
    ]);
    const out = await outboxOf(s.id);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ tenantId: LAGOS, type: 'shipment.created', publishedAt: null, attempts: 0, payload: { shipmentId: s.id, orderId, territoryId: lagos.territories[0]!.id, complexity: 3 } });
    expect(Object.keys(out[0]!.payload as object).sort()).toEqual(['complexity', 'orderId', 'shipmentId', 'territoryId']);

    // the same event again: the ProcessedEvent row fails as a duplicate (on Postgres with the first statement that
    // went with it, rolled back), nothing written
    const [again, n] = await counted(() => handle(e));
    expect([again, n]).toEqual([false, kind === 'postgres' ? expect.toBeOneOf([1, 2]) : 1]);
    expect(await sg.prisma.shipment.count({ where: { orderId } })).toBe(1);
    expect(await outboxOf(s.id)).toHaveLength(1);
    // another confirmation of the order (another event id): the order has its shipment, nothing more is written
    const [other, m] = await counted(() => handle(confirmed({ orderId })));
    expect([other, m]).toEqual([true, 2]);
    expect(await sg.prisma.shipment.count({ where: { orderId } })).toBe(1);
    expect(await sg.prisma.shipmentStop.count({ where: { shipmentId: s.id } })).toBe(2);
  });

  it('without pickup coordinates, weight or a volume: unknown pickup, complexity 1, no volume; another tenant\'s order of the same id is its own', async () => {
    const e = confirmed({ tenantId: ACCRA, payload: { locationId: 'loc_NOWHERE', territoryId: null, customerId: undefined, destination: null, weightKg: 'heavy', volumeM3: -1, temperature: null } });
    expect(await handle(e)).toBe(true);
    const s = await sg.prisma.shipment.findFirstOrThrow({ where: { tenantId: ACCRA, orderId: e.aggregateId }, include: { stops: { orderBy: { sequence: 'asc' } } } });
    expect(s).toMatchObject({ territoryId: null, locationId: 'loc_NOWHERE', weightKg: 0, volumeM3: null, customerId: null, complexity: 1, tempMinC: null, tempMaxC: null });
    expect(s.eta).toEqual(estimateEta({ from: s.createdAt, route: [null, null], preparationMinutes: PREPARATION_MINUTES }));
    expect(s.stops.map((x) => [x.kind, x.locationId, x.lat, x.lng, x.address])).toEqual([['PICKUP', 'loc_NOWHERE', null, null, null], ['DROPOFF', null, null, null, lagos.customers[0]!.name]]);
    expect(await handle(confirmed({ orderId: e.aggregateId }))).toBe(true);
    expect(await sg.prisma.shipment.count({ where: { orderId: e.aggregateId } })).toBe(2);
  });

  it('the customer\'s site follows its orders: created in the territory of its point, moved, renamed, an override kept; customer.territory_changed when it moves', async () => {
    const customerId = uniq('cus_SQL');
    const [t0, t1] = [lagos.territories[0]!, lagos.territories[1]!];
    const at = (e: DomainEvent) => new Date(e.occurredAt);
    const site = () => sg.prisma.customerSite.findUniqueOrThrow({ where: { tenantId_customerId: { tenantId: LAGOS, customerId } } });
    const moves = () => sg.prisma.outboxEvent.findMany({ where: { aggregateId: customerId, type: 'customer.territory_changed' }, orderBy: { id: 'asc' } });

    // first seen: BRONZE, its point, the territory containing it (still three statements: the polygons come with the reads)
    const first = confirmed({ payload: { customerId, customerName: 'Mama Put Stores', destination: t0.center } });
    const [, n1] = await counted(() => handle(first));
    expect(n1).toBe(3);
    expect(await site()).toMatchObject({ name: 'Mama Put Stores', tier: 'BRONZE', lat: t0.center.lat, lng: t0.center.lng, territoryId: t0.id, territoryOverride: false, updatedAt: at(first) });
    expect((await moves()).map((m) => m.payload)).toEqual([{ customerId, territoryId: t0.id, at: first.occurredAt }]);
    expect(await sg.prisma.shipment.count({ where: { orderId: first.aggregateId } })).toBe(1);

    // the same place and name: nothing changes (not even updatedAt)
    const same = confirmed({ payload: { customerId, customerName: 'Mama Put Stores', destination: t0.center }, orderId: uniq('ord_SQL') });
    (same as { occurredAt: string }).occurredAt = '2026-12-02T10:00:00.000Z';
    expect(await handle(same)).toBe(true);
    expect((await site()).updatedAt).toEqual(at(first));
    expect(await moves()).toHaveLength(1);

    // without a destination the site keeps its point; a new name is taken
    const renamed = { ...confirmed({ payload: { customerId, customerName: 'Mama Put Superstore', destination: null } }), occurredAt: '2026-12-03T10:00:00.000Z' };
    expect(await handle(renamed)).toBe(true);
    expect(await site()).toMatchObject({ name: 'Mama Put Superstore', lat: t0.center.lat, lng: t0.center.lng, territoryId: t0.id, updatedAt: at(renamed) });
    expect(await moves()).toHaveLength(1);

    // moved into another territory: the site follows, the move is announced; no name keeps the name
    const moved = { ...confirmed({ payload: { customerId, customerName: undefined, destination: t1.center } }), occurredAt: '2026-12-04T10:00:00.000Z' };
    expect(await handle(moved)).toBe(true);
    expect(await site()).toMatchObject({ name: 'Mama Put Superstore', lat: t1.center.lat, lng: t1.center.lng, territoryId: t1.id, updatedAt: at(moved) });
    expect((await moves()).map((m) => m.payload)).toEqual([
      { customerId, territoryId: t0.id, at: first.occurredAt },
      { customerId, territoryId: t1.id, at: moved.occurredAt },
    ]);

    // a territory set by hand stays when the customer moves
    await sg.prisma.customerSite.update({ where: { tenantId_customerId: { tenantId: LAGOS, customerId } }, data: { territoryId: t0.id, territoryOverride: true } });
    const back = { ...confirmed({ payload: { customerId, destination: { lat: t1.center.lat + 0.001, lng: t1.center.lng } } }), occurredAt: '2026-12-05T10:00:00.000Z' };
    expect(await handle(back)).toBe(true);
    expect(await site()).toMatchObject({ lat: t1.center.lat + 0.001, territoryId: t0.id, territoryOverride: true, updatedAt: at(back) });
    expect(await moves()).toHaveLength(2);
    // the other tenant has no such site
    expect(await sg.prisma.customerSite.count({ where: { tenantId: ACCRA, customerId } })).toBe(0);
  });

  it('a cancellation seen first: no shipment, the gate stays cancelled, the customer\'s site is still noted', async () => {
    const customerId = uniq('cus_SQLC');
    const e = confirmed({ payload: { customerId, customerName: 'Gone Shop', destination: lagos.territories[2]!.center } });
    expect(await handle(cancelled(e.aggregateId))).toBe(true);
    expect(await handle(e)).toBe(true);
    expect(await sg.prisma.shipment.count({ where: { orderId: e.aggregateId } })).toBe(0);
    expect(await sg.prisma.outboxEvent.count({ where: { type: 'shipment.created', payload: { path: ['orderId'], equals: e.aggregateId } } })).toBe(0);
    expect(await sg.prisma.orderGate.findUnique({ where: { tenantId_orderId: { tenantId: LAGOS, orderId: e.aggregateId } } })).toMatchObject({ cancelledAt: expect.any(Date) });
    expect(await sg.prisma.customerSite.findUnique({ where: { tenantId_customerId: { tenantId: LAGOS, customerId } } })).toMatchObject({ name: 'Gone Shop', territoryId: lagos.territories[2]!.id });
    // and a confirmation first, then the cancellation: the shipment is cancelled
    const f = confirmed();
    expect(await handle(f)).toBe(true);
    expect(await handle(cancelled(f.aggregateId))).toBe(true);
    expect((await sg.prisma.shipment.findFirstOrThrow({ where: { orderId: f.aggregateId } })).status).toBe('CANCELLED');
  });

  it('a failure in the last statement leaves nothing: no shipment, stops, outbox rows, site, gate row or ProcessedEvent', async () => {
    const customerId = uniq('cus_SQLF');
    await sg.prisma.$executeRawUnsafe(`ALTER TABLE "CustomerSite" ADD CONSTRAINT "test_refuse" CHECK ("name" <> 'Refused Shop')`);
    try {
      const e = confirmed({ payload: { customerId, customerName: 'Refused Shop' } });
      await expect(handle(e)).rejects.toThrow(/test_refuse/);
      expect(await sg.prisma.processedEvent.count({ where: { eventId: e.id } })).toBe(0);
      expect(await sg.prisma.shipment.count({ where: { orderId: e.aggregateId } })).toBe(0);
      expect(await sg.prisma.shipmentStop.count({ where: { address: 'Refused Shop' } })).toBe(0);
      expect(await sg.prisma.outboxEvent.count({ where: { aggregateId: customerId } })).toBe(0);
      expect(await sg.prisma.outboxEvent.count({ where: { type: 'shipment.created', payload: { path: ['orderId'], equals: e.aggregateId } } })).toBe(0);
      expect(await sg.prisma.customerSite.count({ where: { customerId } })).toBe(0);
      expect(await sg.prisma.orderGate.count({ where: { orderId: e.aggregateId } })).toBe(0);
    } finally {
      await sg.prisma.$executeRawUnsafe(`ALTER TABLE "CustomerSite" DROP CONSTRAINT "test_refuse"`);
    }
  });

  it.runIf(kind === 'postgres')('two confirmations of one order at once (two replicas, two event ids), the second reading before the first commits: one shipment, one shipment.created, both handled', async () => {
    const orderId = uniq('ord_SQLR');
    await sg.prisma.orderGate.create({ data: { tenantId: LAGOS, orderId } });
    // both handlers queue on the order's gate, held here: each read its snapshot before the other wrote anything
    let handled: Promise<boolean[]> | undefined;
    await sg.prisma.$transaction(async (tx) => {
      await tx.$queryRawUnsafe('SELECT 1 FROM "OrderGate" WHERE "tenantId" = $1 AND "orderId" = $2 FOR UPDATE', LAGOS, orderId);
      handled = Promise.all([confirmed({ orderId }), confirmed({ orderId })].map(handle));
      await new Promise((r) => setTimeout(r, 400));
    });
    expect(await handled).toEqual([true, true]);
    const shipments = await sg.prisma.shipment.findMany({ where: { orderId } });
    expect(shipments).toHaveLength(1);
    expect(await sg.prisma.shipmentStop.count({ where: { shipmentId: shipments[0]!.id } })).toBe(2);
    expect(await sg.prisma.outboxEvent.count({ where: { type: 'shipment.created', payload: { path: ['orderId'], equals: orderId } } })).toBe(1);
  });

  describe('order.placed → the visit it was placed during', () => {
    const visit = (over: { id?: string; tenantId?: string; customerId: string; checkInAt: string | null; checkOutAt?: string | null; status?: 'PLANNED' | 'CHECKED_IN' | 'COMPLETED'; orderId?: string }) =>
      sg.prisma.visit.create({
        data: {
          id: over.id ?? uniq('vis_SQL'), tenantId: over.tenantId ?? LAGOS, repUserId: 'usr_LAGOS000003', customerId: over.customerId, status: over.status ?? 'COMPLETED',
          checkInAt: over.checkInAt ? new Date(over.checkInAt) : null, checkOutAt: over.checkOutAt ? new Date(over.checkOutAt) : null, orderId: over.orderId ?? null,
        },
      });
    const placed = (customerId: string, placedAt: string, tenantId = LAGOS): DomainEvent => {
      const orderId = uniq('ord_SQLV');
      return { id: newEventId(), type: 'order.placed', tenantId, aggregateId: orderId, occurredAt: new Date().toISOString(), source: 'commerce', payload: { orderId, customerId, placedAt } };
    };
    const orderOf = async (id: string) => (await sg.prisma.visit.findUniqueOrThrow({ where: { id } })).orderId;

    it('links the order to the latest visit it was placed during, in three statements; once; other tenants and visits untouched', async () => {
      const customerId = uniq('cus_SQLV');
      const during = await visit({ customerId, checkInAt: '2026-12-01T09:00:00Z', checkOutAt: '2026-12-01T09:40:00Z' });
      // checked in later but out before the order: not during it
      const over = await visit({ customerId, checkInAt: '2026-12-01T09:10:00Z', checkOutAt: '2026-12-01T09:20:00Z' });
      const linkedAlready = await visit({ customerId, checkInAt: '2026-12-01T09:15:00Z', orderId: 'ord_EARLIER', status: 'CHECKED_IN' });
      const planned = await visit({ customerId, checkInAt: '2026-12-01T09:25:00Z', status: 'PLANNED' });
      const accra = await visit({ customerId, tenantId: ACCRA, checkInAt: '2026-12-01T09:28:00Z', status: 'CHECKED_IN' });
      const e = placed(customerId, '2026-12-01T09:30:00.000Z');
      const [linked, n] = await counted(() => handleVisitEvent(sg.prisma, sg.services.beatPlans, e));
      expect([linked, n]).toEqual([true, 3]);
      expect(await orderOf(during.id)).toBe(e.aggregateId);
      expect([await orderOf(over.id), await orderOf(linkedAlready.id), await orderOf(planned.id), await orderOf(accra.id)]).toEqual([null, 'ord_EARLIER', null, null]);
      expect(await counted(() => handleVisitEvent(sg.prisma, sg.services.beatPlans, e))).toEqual([false, kind === 'postgres' ? expect.toBeOneOf([1, 2]) : 1]);
      // the next order of the customer finds no visit without an order: recorded, nothing linked
      const next = placed(customerId, '2026-12-01T09:35:00.000Z');
      expect(await counted(() => handleVisitEvent(sg.prisma, sg.services.beatPlans, next))).toEqual([true, 2]);
      expect(await orderOf(during.id)).toBe(e.aggregateId);
      expect(await sg.prisma.processedEvent.count({ where: { consumer: 'logistics.visits', eventId: next.id } })).toBe(1);
      // an open visit (not checked out) counts; one checked in after the order does not
      const open = await visit({ customerId, checkInAt: '2026-12-01T10:00:00Z', status: 'CHECKED_IN' });
      const later = await visit({ customerId, checkInAt: '2026-12-01T11:00:00Z', status: 'CHECKED_IN' });
      const third = placed(customerId, '2026-12-01T10:30:00.000Z');
      expect(await handleVisitEvent(sg.prisma, sg.services.beatPlans, third)).toBe(true);
      expect([await orderOf(open.id), await orderOf(later.id)]).toEqual([third.aggregateId, null]);
    });
  });
});
