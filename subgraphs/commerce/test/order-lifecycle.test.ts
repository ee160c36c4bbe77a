// Issue 17: the rows commerce's order-lifecycle consumer writes for credit.approved, credit.rejected and
// shipment.created — the order's columns, the outbox rows byte for byte (payload as stored), the ProcessedEvent
// record, a re-sent event ignored, and a failure that keeps nothing — on PGlite and on Postgres. Written against the
// Prisma handlers and kept unchanged when they moved to the driver path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { combinedRange, wireMoney, type CurrencyCode, type Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { newEventId, type DomainEvent } from '@omniroute/events';
import { createTestDatabase } from '@omniroute/testkit';
import { Prisma, type Order } from '../src/generated/prisma/client.ts';
import { create, ORDER_LIFECYCLE_GROUP } from '../src/server.ts';
import { handleLifecycleEvent } from '../src/modules/orders/orders.module.ts';
import { MAX_NOTE } from '../src/modules/orders/order-input.ts';
import { writeDecision } from '../src/modules/orders/order-lifecycle.sql.ts';
import { sqlTransactionFor } from '@omniroute/db';
import type { RequestScope } from '../src/context.ts';

const [LAGOS, ACCRA] = demoPlan();
const tenantId = LAGOS!.id;
const ADMIN: Viewer = { tenantId, userId: LAGOS!.users[0]!.id, roles: ['ADMIN'], scopes: [] };
const customer = LAGOS!.customers.find((c) => c.lat != null && c.lng != null && c.territoryId)!;
const location = LAGOS!.locations[1]!;
const productOf = (v: { id: string }) => LAGOS!.products.find((p) => p.variants.some((x) => x.id === v.id))!;
const chilled = LAGOS!.products.filter((p) => p.temperature && p.variants.some((v) => v.volumeL != null));
// two chilled goods of different products (their ranges combine), and goods whose volume the catalogue does not know
const cold1 = chilled[0]!.variants.find((v) => v.volumeL != null)!;
const cold2 = chilled.find((p) => p.id !== chilled[0]!.id)!.variants.find((v) => v.volumeL != null)!;
const unsized = LAGOS!.products.flatMap((p) => p.variants).find((v) => v.volumeL == null)!;

type Row = Record<string, unknown>;

describe.each(['pglite', 'postgres'] as const)('order life cycle handlers on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>> | null = null;
  let sg: Awaited<ReturnType<typeof create>>;
  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('commerce_lifecycle');
    sg = await create({ secret: 'order-lifecycle-secret', ...(database ? { databaseUrl: database.url } : {}) });
    await sg.seed();
  });
  afterAll(async () => {
    await sg?.close();
    await database?.drop();
  });

  const sql = <T = Row>(text: string, ...params: unknown[]) => sg.prisma.$queryRawUnsafe<T[]>(text, ...params);
  const handle = (e: DomainEvent) => handleLifecycleEvent(sg.prisma, sg.services.orders, e);
  /** The statements one event costs (issue 17: the driver path's budget; BEGIN/COMMIT not counted). */
  async function statementsOf(e: DomainEvent): Promise<{ changed: boolean; statements: number }> {
    sg.db.stats.statements = 0;
    const changed = await handle(e);
    return { changed, statements: sg.db.stats.statements };
  }
  const incoming = (type: string, payload: Record<string, unknown>, o: { tenant?: string; occurredAt?: string } = {}): DomainEvent => ({
    id: newEventId(), type, tenantId: o.tenant ?? tenantId, aggregateId: String(payload.orderId), payload,
    occurredAt: o.occurredAt ?? new Date().toISOString(), source: type.startsWith('credit') ? 'finance' : 'logistics',
  });
  async function place(lines: { sku: string; quantity: number }[]): Promise<Order> {
    const r = await sg.services.orders.placeOrder({ viewer: ADMIN } as unknown as RequestScope, { customerId: customer.id, channel: 'PORTAL', locationId: location.id, lines });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    return r.value;
  }
  const orderRow = (id: string) => sg.prisma.order.findUniqueOrThrow({ where: { id } });
  const outbox = (orderId: string) =>
    sql<{ id: string; tenantId: string; type: string; aggregateId: string; payload: string; occurredAt: Date; publishedAt: Date | null; attempts: number }>(
      'SELECT "id", "tenantId", "type", "aggregateId", "payload"::text AS "payload", "occurredAt", "publishedAt", "attempts" FROM "OutboxEvent" WHERE "aggregateId" = $1 ORDER BY "id"',
      orderId,
    );
  const processed = (eventId: string) => sg.prisma.processedEvent.findMany({ where: { eventId } });
  /** The payload as the outbox stores it (jsonb's text). */
  const stored = async (payload: object) => (await sql<{ t: string }>('SELECT $1::jsonb::text AS t', JSON.stringify(payload)))[0]!.t;
  const reservedAt = async (variantIds: string[]) =>
    Object.fromEntries((await sg.prisma.stockLevel.findMany({ where: { tenantId, locationId: location.id, variantId: { in: variantIds } } })).map((s) => [s.variantId, s.reserved]));
  const within = (d: Date, t0: number, t1: number) => expect(d.getTime() >= t0 && d.getTime() <= t1, `${d.toISOString()} in [${t0}, ${t1}]`).toBe(true);

  it('credit.approved confirms a PENDING order: its status and updatedAt, order.status_changed and order.confirmed as stored, once', async () => {
    const order = await place([{ sku: cold1.sku, quantity: 2 }, { sku: unsized.sku, quantity: 1 }, { sku: cold2.sku, quantity: 3 }]);
    // a confirmation writes the status and updatedAt only (this column, never set on a PENDING order, shows it)
    await sg.prisma.order.update({ where: { id: order.id }, data: { rejectionReason: 'left as it is' } });
    const before = await orderRow(order.id);
    const placedRows = await outbox(order.id);
    expect(placedRows.map((r) => r.type)).toEqual(['order.placed', 'order.status_changed']);
    const e = incoming('credit.approved', { orderId: order.id, customerId: customer.id, invoiceId: 'inv_1' });
    const t0 = Date.now();
    // the record; the order locked and read with its customer and lines; the status and the outbox rows
    expect(await statementsOf(e)).toEqual({ changed: true, statements: 3 });
    const t1 = Date.now();

    const after = await orderRow(order.id);
    expect(after).toEqual({ ...before, status: 'CONFIRMED', updatedAt: after.updatedAt });
    within(after.updatedAt, t0, t1);
    const rows = (await outbox(order.id)).slice(2);
    expect(rows.map((r) => r.type)).toEqual(['order.status_changed', 'order.confirmed']);
    for (const r of rows) {
      expect(r).toMatchObject({ tenantId, aggregateId: order.id, publishedAt: null, attempts: 0 });
      within(r.occurredAt, t0, t1);
    }
    expect(rows[0]!.payload).toBe(await stored({ orderId: order.id, customerId: customer.id, previousStatus: 'PENDING', status: 'CONFIRMED', at: after.updatedAt.toISOString() }));
    const D = Prisma.Decimal;
    expect(rows[1]!.payload).toBe(
      await stored({
        orderId: order.id, number: before.number, customerId: customer.id, customerName: customer.name, locationId: location.id, territoryId: customer.territoryId,
        destination: { lat: customer.lat, lng: customer.lng }, total: wireMoney(before.total, before.currency as CurrencyCode),
        weightKg: new D(cold1.weightKg).times(2).plus(unsized.weightKg).plus(new D(cold2.weightKg).times(3)).toNumber(),
        volumeM3: new D(cold1.volumeL!).times(2).plus(new D(cold2.volumeL!).times(3)).div(1000).toNumber(),
        temperature: combinedRange([productOf(cold1).temperature, productOf(cold2).temperature]),
      }),
    );
    const [p] = await processed(e.id);
    expect(p).toMatchObject({ consumer: ORDER_LIFECYCLE_GROUP, eventId: e.id });
    within(p!.processedAt, t0, t1);

    // re-sent (at-least-once bus): nothing changes. Its ProcessedEvent row fails as a duplicate; on Postgres the
    // first statement went with it in the round trip and was rolled back (when the connection had it prepared)
    expect(await statementsOf(e)).toEqual({ changed: false, statements: kind === 'postgres' ? expect.toBeOneOf([1, 2]) : 1 });
    expect(await orderRow(order.id)).toEqual(after);
    expect(await outbox(order.id)).toHaveLength(4);
    expect(await processed(e.id)).toHaveLength(1);
    // another approval of the confirmed order: recorded, nothing else
    const again = incoming('credit.approved', { orderId: order.id, customerId: customer.id, invoiceId: 'inv_2' });
    expect(await handle(again)).toBe(false);
    expect(await processed(again.id)).toHaveLength(1);
    expect(await orderRow(order.id)).toEqual(after);
    expect(await outbox(order.id)).toHaveLength(4);
  });

  it('order.confirmed of goods without volume, temperature or a customer location says null', async () => {
    const plain = LAGOS!.customers.find((c) => c.lat == null || c.territoryId == null);
    const v = LAGOS!.products.filter((p) => !p.temperature).flatMap((p) => p.variants).find((x) => x.volumeL == null)!;
    const r = await sg.services.orders.placeOrder({ viewer: ADMIN } as unknown as RequestScope, { customerId: (plain ?? customer).id, channel: 'PORTAL', locationId: location.id, lines: [{ sku: v.sku, quantity: 4 }] });
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const order = r.value;
    const c = plain ?? customer;
    expect(await handle(incoming('credit.approved', { orderId: order.id }))).toBe(true);
    const confirmed = (await outbox(order.id)).find((x) => x.type === 'order.confirmed')!;
    expect(confirmed.payload).toBe(
      await stored({
        orderId: order.id, number: order.number, customerId: c.id, customerName: c.name, locationId: location.id, territoryId: c.territoryId ?? null,
        destination: c.lat != null && c.lng != null ? { lat: c.lat, lng: c.lng } : null, total: wireMoney(order.total, order.currency as CurrencyCode),
        weightKg: new Prisma.Decimal(v.weightKg).times(4).toNumber(), volumeM3: null, temperature: null,
      }),
    );
  });

  it('credit.rejected rejects a PENDING order with the reason (cut to the note limit) and gives its stock back, once', async () => {
    const lines = [{ sku: cold1.sku, quantity: 2 }, { sku: unsized.sku, quantity: 5 }];
    const ids = [cold1.id, unsized.id];
    const stockBefore = await reservedAt(ids);
    const order = await place(lines);
    expect(await reservedAt(ids)).toEqual({ [cold1.id]: stockBefore[cold1.id]! + 2, [unsized.id]: stockBefore[unsized.id]! + 5 });
    const before = await orderRow(order.id);
    const reason = `${'no credit '.repeat(60)}!`;
    const e = incoming('credit.rejected', { orderId: order.id, customerId: customer.id, reason });
    const t0 = Date.now();
    expect(await statementsOf(e)).toEqual({ changed: true, statements: 3 });
    const t1 = Date.now();
    const after = await orderRow(order.id);
    expect(after).toEqual({ ...before, status: 'REJECTED', rejectionReason: reason.slice(0, MAX_NOTE), updatedAt: after.updatedAt });
    within(after.updatedAt, t0, t1);
    expect(await reservedAt(ids)).toEqual(stockBefore);
    const rows = (await outbox(order.id)).slice(2);
    expect(rows.map((r) => r.type)).toEqual(['order.status_changed', 'order.rejected']);
    for (const r of rows) {
      expect(r).toMatchObject({ tenantId, aggregateId: order.id, publishedAt: null, attempts: 0 });
      within(r.occurredAt, t0, t1);
    }
    expect(rows[0]!.payload).toBe(await stored({ orderId: order.id, customerId: customer.id, previousStatus: 'PENDING', status: 'REJECTED', at: after.updatedAt.toISOString() }));
    expect(rows[1]!.payload).toBe(await stored({ orderId: order.id, customerId: customer.id, reason: reason.slice(0, MAX_NOTE) }));
    expect(await processed(e.id)).toMatchObject([{ consumer: ORDER_LIFECYCLE_GROUP, eventId: e.id }]);

    expect(await handle(e)).toBe(false);
    expect(await handle(incoming('credit.approved', { orderId: order.id }))).toBe(false);
    expect(await orderRow(order.id)).toEqual(after);
    expect(await reservedAt(ids)).toEqual(stockBefore);
    expect(await outbox(order.id)).toHaveLength(4);

    // without a reason: the default one
    const plain = await place([{ sku: unsized.sku, quantity: 1 }]);
    expect(await handle(incoming('credit.rejected', { orderId: plain.id, reason: 42 }))).toBe(true);
    expect((await orderRow(plain.id)).rejectionReason).toBe('Credit check failed');
    expect((await outbox(plain.id)).at(-1)!.payload).toBe(await stored({ orderId: plain.id, customerId: customer.id, reason: 'Credit check failed' }));
    expect(await reservedAt(ids)).toEqual(stockBefore);
  });

  it('credit decisions change nothing on an order that is no longer PENDING, of another tenant, unknown, or without an order id', async () => {
    const confirmed = await place([{ sku: unsized.sku, quantity: 1 }]);
    expect(await handle(incoming('credit.approved', { orderId: confirmed.id }))).toBe(true);
    const cancelled = await place([{ sku: unsized.sku, quantity: 1 }]);
    expect((await sg.services.orders.cancelOrder({ viewer: ADMIN } as unknown as RequestScope, { orderId: cancelled.id, reason: 'test' })).ok).toBe(true);
    const pending = await place([{ sku: unsized.sku, quantity: 1 }]);
    const snapshot = async () => ({
      orders: await Promise.all([confirmed.id, cancelled.id, pending.id].map(orderRow)),
      outbox: await Promise.all([confirmed.id, cancelled.id, pending.id].map(outbox)),
      stock: await reservedAt([unsized.id]),
    });
    const before = await snapshot();
    const events = [
      incoming('credit.rejected', { orderId: confirmed.id, reason: 'late' }),
      incoming('credit.approved', { orderId: cancelled.id }),
      incoming('credit.rejected', { orderId: cancelled.id, reason: 'late' }),
      incoming('credit.approved', { orderId: pending.id }, { tenant: ACCRA!.id }),
      incoming('credit.rejected', { orderId: pending.id }, { tenant: ACCRA!.id }),
      incoming('shipment.created', { orderId: pending.id }, { tenant: ACCRA!.id }),
      incoming('credit.approved', { orderId: 'ord_UNKNOWN' }),
      incoming('credit.rejected', { orderId: 'ord_UNKNOWN' }),
      incoming('credit.approved', { orderId: 7 }),
      incoming('shipment.created', { orderId: null }),
    ];
    for (const e of events) {
      expect(await handle(e)).toBe(false);
      expect(await processed(e.id)).toMatchObject([{ consumer: ORDER_LIFECYCLE_GROUP, eventId: e.id }]);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("shipment.created records when logistics took the order, the first time only, without a status change or an event", async () => {
    const order = await place([{ sku: unsized.sku, quantity: 1 }]);
    expect(await handle(incoming('credit.approved', { orderId: order.id }))).toBe(true);
    const before = await orderRow(order.id);
    expect(before.shipmentCreatedAt).toBeNull();
    const at = '2026-03-04T05:06:07.089Z';
    const e = incoming('shipment.created', { shipmentId: 'shp_1', orderId: order.id }, { occurredAt: at });
    const t0 = Date.now();
    expect(await statementsOf(e)).toEqual({ changed: false, statements: 2 });
    const t1 = Date.now();
    const after = await orderRow(order.id);
    expect(after).toEqual({ ...before, shipmentCreatedAt: new Date(at), updatedAt: after.updatedAt });
    // Prisma's updateMany stamps @updatedAt too (the confirmed-orders reconciler's clock)
    within(after.updatedAt, t0, t1);
    expect(await outbox(order.id)).toHaveLength(4);
    expect(await processed(e.id)).toMatchObject([{ consumer: ORDER_LIFECYCLE_GROUP, eventId: e.id }]);
    expect(await handle(e)).toBe(false);
    const later = incoming('shipment.created', { shipmentId: 'shp_2', orderId: order.id }, { occurredAt: '2026-03-05T00:00:00.000Z' });
    expect(await handle(later)).toBe(false);
    expect(await processed(later.id)).toHaveLength(1);
    expect(await orderRow(order.id)).toEqual(after);
  });

  it('a rejection gives back what each variant of the order holds, summed over its lines, never taking reserved below zero', async () => {
    const order = await place([{ sku: cold1.sku, quantity: 2 }, { sku: unsized.sku, quantity: 3 }]);
    // an order imported with two lines of one variant (placeOrder merges them)
    await sg.prisma.orderLine.createMany({
      data: { id: `oln_dup_${order.id}`, tenantId, orderId: order.id, position: 2, variantId: cold1.id, sku: cold1.sku, quantity: 4, basePrice: 1, unitPrice: 1, total: 4, currency: order.currency, pricingRule: 'BASE' },
    });
    const level = (variantId: string) => ({ locationId_variantId: { locationId: location.id, variantId } });
    await sg.prisma.stockLevel.update({ where: level(cold1.id), data: { reserved: { increment: 4 } } });
    // the unsized variant's reservation drifted below the order's quantity: that row is left alone
    await sg.prisma.stockLevel.update({ where: level(unsized.id), data: { reserved: 1 } });
    const before = await reservedAt([cold1.id, unsized.id]);
    expect(await handle(incoming('credit.rejected', { orderId: order.id, reason: 'no' }))).toBe(true);
    expect(await reservedAt([cold1.id, unsized.id])).toEqual({ [cold1.id]: before[cold1.id]! - 6, [unsized.id]: 1 });
  });

  it('a decision written for an order no longer PENDING fails and keeps none of its rows', async () => {
    const order = await place([{ sku: unsized.sku, quantity: 2 }]);
    expect(await handle(incoming('credit.approved', { orderId: order.id }))).toBe(true);
    const state = async () => ({ order: await orderRow(order.id), outbox: await outbox(order.id), stock: await reservedAt([unsized.id]) });
    const before = await state();
    const decision = {
      tenantId, orderId: order.id, status: 'REJECTED' as const, updatedAt: new Date(), rejectionReason: 'late', release: { locationId: location.id, lines: [{ variantId: unsized.id, quantity: 2 }] },
      events: [{ type: 'order.rejected', tenantId, aggregateId: order.id, payload: { orderId: order.id } }],
    };
    await expect(sqlTransactionFor(sg.prisma)((sql) => writeDecision(sql, decision))).rejects.toThrow(/no longer PENDING/);
    expect(await state()).toEqual(before);
    // as the transaction's `last` (the handlers' way: COMMIT in the same round trip), the statement fails itself
    await expect(sqlTransactionFor(sg.prisma)((_sql, last) => writeDecision(last, decision))).rejects.toThrow(/no longer PENDING/);
    expect(await state()).toEqual(before);
  });

  it('a handler that fails keeps nothing, not even the ProcessedEvent record; the event is handled when it comes again', async () => {
    const order = await place([{ sku: cold1.sku, quantity: 1 }, { sku: unsized.sku, quantity: 2 }]);
    const ids = [cold1.id, unsized.id];
    const guard = (table: string, fn: string, when: string) => [
      `CREATE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF ${when} THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$`,
      `CREATE TRIGGER ${fn} BEFORE INSERT OR UPDATE ON "${table}" FOR EACH ROW EXECUTE FUNCTION ${fn}()`,
    ];
    const drop = (table: string, fn: string) => [`DROP TRIGGER ${fn} ON "${table}"`, `DROP FUNCTION ${fn}()`];
    const run = async (statements: string[]) => {
      for (const s of statements) await sg.prisma.$executeRawUnsafe(s);
    };
    const state = async () => ({ order: await orderRow(order.id), outbox: await outbox(order.id), stock: await reservedAt(ids) });

    // the outbox refuses the order's events: neither the status change nor the stock release nor the record is kept
    await run(guard('OutboxEvent', 'refuse_outbox', `NEW."aggregateId" = '${order.id}'`));
    const before = await state();
    const approved = incoming('credit.approved', { orderId: order.id });
    const rejected = incoming('credit.rejected', { orderId: order.id, reason: 'no' });
    try {
      await expect(handle(approved)).rejects.toThrow(/refused by the test/);
      await expect(handle(rejected)).rejects.toThrow(/refused by the test/);
      expect(await state()).toEqual(before);
      expect(await processed(approved.id)).toEqual([]);
      expect(await processed(rejected.id)).toEqual([]);
    } finally {
      await run(drop('OutboxEvent', 'refuse_outbox'));
    }
    // the order refuses its shipment time
    await run(guard('Order', 'refuse_shipment', `NEW."id" = '${order.id}' AND NEW."shipmentCreatedAt" IS NOT NULL`));
    const created = incoming('shipment.created', { orderId: order.id });
    try {
      await expect(handle(created)).rejects.toThrow(/refused by the test/);
      expect(await state()).toEqual(before);
      expect(await processed(created.id)).toEqual([]);
    } finally {
      await run(drop('Order', 'refuse_shipment'));
    }
    // redelivered once the database takes them
    expect(await handle(approved)).toBe(true);
    expect((await orderRow(order.id)).status).toBe('CONFIRMED');
    expect(await handle(created)).toBe(false);
    expect((await orderRow(order.id)).shipmentCreatedAt).toEqual(new Date(created.occurredAt));
    expect(await processed(created.id)).toHaveLength(1);
  });
});
