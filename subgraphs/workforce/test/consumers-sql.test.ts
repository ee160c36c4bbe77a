// shipment.created on the driver path (issue 17), on PGlite and on Postgres: the delivery task it opens (reward,
// currency, complexity), the same row as the Prisma path writes, in three statements, at most once, all or nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newEventId, type DomainEvent } from '@omniroute/events';
import { createTestDatabase } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { applyTaskEvent, handleTaskEvent } from '../src/modules/tasks/tasks.consumers.ts';

const SECRET = 'workforce-sql-secret';
const LAGOS = 'tnt_LAGOS';
let seq = 0;
const uniq = (prefix: string) => `${prefix}${Date.now().toString(36)}${++seq}`;

const event = (type: string, tenantId: string, payload: Record<string, unknown>): DomainEvent => ({
  id: newEventId(), type, tenantId, aggregateId: String(payload.shipmentId ?? payload.orderId), occurredAt: new Date().toISOString(), source: 'logistics', payload,
});

describe.each(['pglite', 'postgres'] as const)('shipment.created on the driver path (%s)', (kind) => {
  let sg: Awaited<ReturnType<typeof create>>;
  let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
  // a tenant of its own, with a rate whose reward needs rounding to the currency's minor units
  const USD = uniq('tnt_SQLUSD');
  beforeAll(async () => {
    if (kind === 'postgres') database = await createTestDatabase('omniroute_workforce_sql');
    sg = await create({ secret: SECRET, relayIntervalMs: 3_600_000, ...(database ? { databaseUrl: database.url } : {}) });
    await sg.seed();
    expect(sg.db.kind).toBe(kind);
    await sg.prisma.tenantSettings.create({ data: { tenantId: USD, currency: 'USD', rewardBase: '1.1', rewardPerComplexity: '0.3333' } });
  });
  afterAll(async () => {
    await sg?.close();
    await database?.drop();
  });

  async function counted<T>(fn: () => Promise<T>): Promise<[T, number]> {
    sg.db.stats.statements = 0;
    const r = await fn();
    return [r, sg.db.stats.statements];
  }
  const taskOf = (tenantId: string, shipmentId: string) => sg.prisma.task.findUnique({ where: { tenantId_shipmentId: { tenantId, shipmentId } } });

  it('opens the delivery task: reward from the tenant\'s rate in its currency (exact, rounded to cents), complexity from the payload; three statements; once', async () => {
    const shipmentId = uniq('shp_SQL');
    const e = event('shipment.created', USD, { shipmentId, orderId: 'ord_SQL1', territoryId: null, complexity: '7.6' });
    const before = Date.now();
    expect(await counted(() => handleTaskEvent(sg.prisma, e))).toEqual([true, 3]);
    const t = (await taskOf(USD, shipmentId))!;
    expect(t).toMatchObject({
      tenantId: USD, kind: 'DELIVERY', status: 'OPEN', priority: 'STANDARD', title: `Deliver shipment ${shipmentId}`, complexity: 8, currency: 'USD',
      shipmentId, orderId: 'ord_SQL1', assigneeId: null, xpAwarded: null, completedAt: null,
    });
    expect(t.id).toMatch(/^tsk_/);
    expect(t.reward.toString()).toBe('3.77'); // 1.1 + 0.3333 × 8 = 3.7664 → 3.77
    expect(t.updatedAt).toEqual(t.createdAt);
    expect(t.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1);
    expect(t.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    // the same event again: the ProcessedEvent row fails as a duplicate (on Postgres with the first statement that
    // went with it, rolled back)
    expect(await counted(() => handleTaskEvent(sg.prisma, e))).toEqual([false, kind === 'postgres' ? expect.toBeOneOf([1, 2]) : 1]);
    expect(await sg.prisma.task.count({ where: { shipmentId } })).toBe(1);
    // out of range clamps to 1–10 (complexityFrom)
    for (const [raw, complexity, reward] of [[99, 10, '4.43'], [-3, 1, '1.43']] as const) {
      const id = uniq('shp_SQLC');
      expect(await handleTaskEvent(sg.prisma, event('shipment.created', USD, { shipmentId: id, complexity: raw }))).toBe(true);
      const c = (await taskOf(USD, id))!;
      expect([c.complexity, c.reward.toString(), c.orderId]).toEqual([complexity, reward, null]);
    }
  });

  it('writes the row the Prisma path writes (applyTaskEvent), in NGN with the seeded rate; missing complexity is 1', async () => {
    const [a, b] = [uniq('shp_SQLA'), uniq('shp_SQLB')];
    for (const complexity of [4, undefined]) {
      expect(await handleTaskEvent(sg.prisma, event('shipment.created', LAGOS, { shipmentId: `${a}${complexity}`, orderId: 'ord_SQL2', complexity }))).toBe(true);
      await sg.prisma.$transaction((tx) => applyTaskEvent(tx, event('shipment.created', LAGOS, { shipmentId: `${b}${complexity}`, orderId: 'ord_SQL2', complexity })));
      const strip = ({ id: _id, shipmentId: _s, title: _t, createdAt: _c, updatedAt: _u, reward, ...rest }: NonNullable<Awaited<ReturnType<typeof taskOf>>>) => ({ ...rest, reward: reward.toString() });
      const viaSql = strip((await taskOf(LAGOS, `${a}${complexity}`))!);
      expect(viaSql).toEqual(strip((await taskOf(LAGOS, `${b}${complexity}`))!));
      expect([viaSql.reward, viaSql.complexity, viaSql.currency]).toEqual(complexity ? ['2000', 4, 'NGN'] : ['1250', 1, 'NGN']);
    }
  });

  it('leaves a task that exists alone (two statements), and creates none for a tenant without settings', async () => {
    const shipmentId = uniq('shp_SQLD');
    // a dispatch that arrived first made the task (complexity 1), assigned
    await handleTaskEvent(sg.prisma, event('shipment.dispatched', LAGOS, { shipmentId, orderId: 'ord_SQL3', riderId: null }));
    const first = (await taskOf(LAGOS, shipmentId))!;
    expect(await counted(() => handleTaskEvent(sg.prisma, event('shipment.created', LAGOS, { shipmentId, orderId: 'ord_SQL3', complexity: 9 })))).toEqual([true, 2]);
    expect(await taskOf(LAGOS, shipmentId)).toEqual(first);
    const nobody = event('shipment.created', 'tnt_NOBODY', { shipmentId: uniq('shp_SQLN'), complexity: 3 });
    expect(await counted(() => handleTaskEvent(sg.prisma, nobody))).toEqual([true, 2]);
    expect(await sg.prisma.task.count({ where: { tenantId: 'tnt_NOBODY' } })).toBe(0);
    expect(await sg.prisma.processedEvent.count({ where: { eventId: nobody.id } })).toBe(1);
    // another tenant's task of the same shipment id is not this tenant's
    expect(await handleTaskEvent(sg.prisma, event('shipment.created', USD, { shipmentId, complexity: 2 }))).toBe(true);
    expect((await taskOf(USD, shipmentId))!.reward.toString()).toBe('1.77');
  });

  it('a failing insert leaves nothing, not even the ProcessedEvent row; an event without shipmentId is refused', async () => {
    const shipmentId = uniq('shp_SQLF');
    await sg.prisma.$executeRawUnsafe(`ALTER TABLE "Task" ADD CONSTRAINT "test_refuse" CHECK ("title" <> 'Deliver shipment ${shipmentId}')`);
    try {
      const e = event('shipment.created', LAGOS, { shipmentId, complexity: 2 });
      await expect(handleTaskEvent(sg.prisma, e)).rejects.toThrow(/test_refuse/);
      expect(await sg.prisma.processedEvent.count({ where: { eventId: e.id } })).toBe(0);
      expect(await sg.prisma.task.count({ where: { shipmentId } })).toBe(0);
    } finally {
      await sg.prisma.$executeRawUnsafe(`ALTER TABLE "Task" DROP CONSTRAINT "test_refuse"`);
    }
    const bad = event('shipment.created', LAGOS, { orderId: 'ord_SQL4', complexity: 2 });
    await expect(handleTaskEvent(sg.prisma, bad)).rejects.toThrow(/without shipmentId/);
    expect(await sg.prisma.processedEvent.count({ where: { eventId: bad.id } })).toBe(0);
  });

  it.runIf(kind === 'postgres')('two shipment.created of one shipment at once (two event ids), both reading before either wrote: one task, both handled', async () => {
    const shipmentId = uniq('shp_SQLR');
    // an uncommitted task of the shipment (rolled back below) holds both inserts after their reads
    let handled: Promise<boolean[]> | undefined;
    await expect(sg.prisma.$transaction(async (tx) => {
      await tx.task.create({ data: { id: uniq('tsk_HOLD'), tenantId: LAGOS, kind: 'DELIVERY', title: 'hold', complexity: 1, reward: '1', currency: 'NGN', shipmentId } });
      handled = Promise.all([1, 2].map(() => handleTaskEvent(sg.prisma, event('shipment.created', LAGOS, { shipmentId, complexity: 3 }))));
      await new Promise((r) => setTimeout(r, 400));
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    expect(await handled).toEqual([true, true]);
    const tasks = await sg.prisma.task.findMany({ where: { shipmentId } });
    expect(tasks.map((t) => [t.title, t.complexity])).toEqual([[`Deliver shipment ${shipmentId}`, 3]]);
  });
});
