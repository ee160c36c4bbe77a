// The driver-path outbox, exactly-once handling and order gate (src/sql.ts) against their Prisma twins, on PGlite
// and Postgres: the same rows, at most once, all or nothing.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { openDatabase, sqlTransactionFor, type Database } from '@omniroute/db';
import { generateClients } from '@omniroute/db/tooling';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueue, enqueueSql, handleOnce, handleOnceSql, passOrderGate, passOrderGateSql, type OutboxClient, type SqlTx } from '../src/index.ts';
import { ev, POSTGRES_URL } from './helpers.ts';

const schemaPath = fileURLToPath(new URL('./fixtures/schema.prisma', import.meta.url));
const migrationsDir = fileURLToPath(new URL('./fixtures/migrations', import.meta.url));
type Client = OutboxClient & { $disconnect(): Promise<void>; $queryRawUnsafe(sql: string, ...values: unknown[]): Promise<unknown> };

// OrderGate as the consuming subgraphs' migrations create it (prisma/*/schema.prisma).
const ORDER_GATE = `CREATE TABLE "OrderGate" ("tenantId" TEXT NOT NULL, "orderId" TEXT NOT NULL, "cancelledAt" TIMESTAMP(3),
  CONSTRAINT "OrderGate_pkey" PRIMARY KEY ("tenantId", "orderId"))`;

describe.each(['pglite', 'postgres'] as const)('driver-path outbox on %s', (kind) => {
  let db: Database;
  let prisma: Client;
  let tx: SqlTx;
  beforeAll(async () => {
    await generateClients([schemaPath]);
    const { PrismaClient } = (await import('./fixtures/generated/client.ts')) as unknown as { PrismaClient: new (o: { adapter: Database['adapter'] }) => Client };
    db = await openDatabase({ subgraph: kind === 'postgres' ? `events_sql_${randomBytes(4).toString('hex')}` : 'events_sql', migrationsDir, ...(kind === 'postgres' ? { databaseUrl: POSTGRES_URL, poolSize: 4 } : {}) });
    prisma = new PrismaClient({ adapter: db.adapter });
    await db.query(ORDER_GATE);
    tx = sqlTransactionFor(prisma as never) as SqlTx;
  });
  afterAll(async () => {
    if (kind === 'postgres') await db.query(`DROP SCHEMA "${(await db.query<{ s: string }>('SELECT current_schema() AS s'))[0]!.s}" CASCADE`);
    await prisma.$disconnect();
    await db.close();
  });

  const row = (id: string) => db.query<Record<string, unknown>>('SELECT "id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "publishedAt", "attempts" FROM "OutboxEvent" WHERE "id" = $1', [id]);

  it('enqueueSql writes the rows enqueue writes, and returns the same events', async () => {
    const events = [
      { type: 'credit.approved', tenantId: 't1', aggregateId: 'ord_1', payload: { orderId: 'ord_1', total: { amount: '12.5000', currencyCode: 'NGN' }, at: new Date('2026-01-02T03:04:05.006Z') } },
      { type: 'credit.rejected', tenantId: 't2', aggregateId: 'ord_2', payload: { orderId: 'ord_2', reason: "l'a \"quoted\" ₦" } },
    ];
    const before = Date.now();
    const [viaSql, viaPrisma] = [await tx((sql) => enqueueSql(sql, 'finance', events)), await prisma.$transaction((t) => enqueue(t, 'finance', events))];
    expect(viaSql).toHaveLength(2);
    expect(await enqueueSql(async () => { throw new Error('no statement for no events'); }, 'finance', [])).toEqual([]);
    for (let i = 0; i < 2; i++) {
      const [a] = await row(viaSql[i]!.id);
      const [b] = await row(viaPrisma[i]!.id);
      expect(a).toBeDefined();
      const strip = (r: Record<string, unknown>) => ({ ...r, id: undefined, occurredAt: undefined });
      expect(strip(a!)).toEqual(strip(b!));
      // the instant as written: UTC, whatever the session's zone
      expect((a!.occurredAt as Date).getTime()).toBeGreaterThanOrEqual(before - 1);
      expect((a!.occurredAt as Date).getTime()).toBeLessThanOrEqual(Date.now());
      expect(a!.publishedAt).toBeNull();
      expect({ ...viaSql[i], id: undefined, occurredAt: undefined }).toEqual({ ...viaPrisma[i], id: undefined, occurredAt: undefined });
      expect(viaSql[i]!.occurredAt).toBe((a!.occurredAt as Date).toISOString());
    }
  });

  it('handleOnceSql keeps the work once per consumer and event, and nothing of a failed one', async () => {
    const e = ev('order.placed');
    let runs = 0;
    const work = async (sql: Parameters<Parameters<typeof handleOnceSql>[3]>[0]) => {
      await enqueueSql(sql, 'finance', [{ type: 'x.done', tenantId: 't1', aggregateId: e.id, payload: {} }]);
      runs++; // past its first statement: the ProcessedEvent row (the prelude) was new
    };
    expect(await handleOnceSql(tx, 'g1', e, work)).toBe(true);
    expect(await handleOnceSql(tx, 'g1', e, work)).toBe(false);
    // the Prisma twin sees the same record: the event was processed by g1
    expect(await handleOnce(prisma, 'g1', e, async () => { runs += 100; })).toBe(false);
    expect(await handleOnceSql(tx, 'g2', e, work)).toBe(true);
    expect(runs).toBe(2);
    // the duplicate's first statement travelled with the prelude on Postgres: rolled back, not kept
    expect(await db.query('SELECT 1 FROM "OutboxEvent" WHERE "aggregateId" = $1', [e.id])).toHaveLength(2);
    const [p] = await db.query<{ processedAt: Date }>('SELECT "processedAt" FROM "ProcessedEvent" WHERE "consumer" = $1 AND "eventId" = $2', ['g1', e.id]);
    expect(Math.abs(p!.processedAt.getTime() - Date.now())).toBeLessThan(60_000);

    const failing = ev('order.placed');
    await expect(handleOnceSql(tx, 'g1', failing, async (sql) => {
      await enqueueSql(sql, 'finance', [{ type: 'x.half', tenantId: 't1', aggregateId: failing.id, payload: {} }]);
      throw new Error('handler failed');
    })).rejects.toThrow('handler failed');
    expect(await db.query('SELECT 1 FROM "ProcessedEvent" WHERE "eventId" = $1', [failing.id])).toHaveLength(0);
    expect(await db.query('SELECT 1 FROM "OutboxEvent" WHERE "aggregateId" = $1', [failing.id])).toHaveLength(0);
    expect(await handleOnceSql(tx, 'g1', failing, async () => undefined)).toBe(true); // redelivered: runs now
  });

  it('handleOnceSql on an event processed already keeps nothing, whatever its work does', async () => {
    const e = ev('order.placed');
    expect(await handleOnceSql(tx, 'g1', e, async () => undefined)).toBe(true);
    const outbox = (id: string) => db.query('SELECT 1 FROM "OutboxEvent" WHERE "aggregateId" = $1', [id]);
    const put = (sql: Parameters<Parameters<typeof handleOnceSql>[3]>[0], id: string) =>
      enqueueSql(sql, 'finance', [{ type: 'x.dup', tenantId: 't1', aggregateId: id, payload: {} }]);
    // its only statement run with `last`: not committed with it
    expect(await handleOnceSql(tx, 'g1', e, (_sql, last) => put(last, `${e.id}-last`))).toBe(false);
    expect(await outbox(`${e.id}-last`)).toHaveLength(0);
    // a work that catches the refusal and goes on: its further statements are refused too, nothing commits
    let later: unknown;
    expect(await handleOnceSql(tx, 'g1', e, async (sql, last) => {
      await put(sql, `${e.id}-caught`).catch(() => undefined);
      await put(last, `${e.id}-after`).catch((error: unknown) => (later = error));
    })).toBe(false);
    // (on Postgres the work ran to its first statement, which carried the prelude; elsewhere the prelude ran alone first)
    if (kind === 'postgres') expect(later).toBeInstanceOf(Error);
    expect(await outbox(`${e.id}-caught`)).toHaveLength(0);
    expect(await outbox(`${e.id}-after`)).toHaveLength(0);
    // a first statement that fails (here: a duplicate key) on a processed event: skipped, not an error to redeliver
    const [first] = await db.query<{ id: string }>('SELECT "id" FROM "OutboxEvent" LIMIT 1');
    expect(await handleOnceSql(tx, 'g1', e, (sql) =>
      sql(`INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts") VALUES ($1, 't1', 'x', 'y', '{}', now(), 0)`, [first!.id]))).toBe(false);
    // the same failure on a new event is the work's error
    await expect(handleOnceSql(tx, 'g1', ev('order.placed'), (sql) =>
      sql(`INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts") VALUES ($1, 't1', 'x', 'y', '{}', now(), 0)`, [first!.id]))).rejects.toThrow();
    // the connection is fine afterwards
    expect(await handleOnceSql(tx, 'g3', e, (_sql, last) => put(last, `${e.id}-g3`))).toBe(true);
    expect(await outbox(`${e.id}-g3`)).toHaveLength(1);
  });

  it.runIf(kind === 'postgres')('handleOnceSql: deliveries of one event at once (a redelivery racing the first) take effect once', async () => {
    for (let round = 0; round < 5; round++) {
      const e = ev('order.placed');
      const work = async (sql: Parameters<Parameters<typeof handleOnceSql>[3]>[0], last: typeof sql) => {
        await sql('SELECT pg_sleep(0.02)');
        await enqueueSql(last, 'finance', [{ type: 'x.raced', tenantId: 't1', aggregateId: e.id, payload: {} }]);
      };
      const outcomes = await Promise.all([handleOnceSql(tx, 'g1', e, work), handleOnceSql(tx, 'g1', e, work), handleOnceSql(tx, 'g1', e, work)]);
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await db.query('SELECT 1 FROM "OutboxEvent" WHERE "aggregateId" = $1', [e.id])).toHaveLength(1);
      expect(await db.query('SELECT 1 FROM "ProcessedEvent" WHERE "consumer" = $1 AND "eventId" = $2', ['g1', e.id])).toHaveLength(1);
    }
  });

  it('passOrderGateSql remembers the first cancellation, as passOrderGate does', async () => {
    const order = `ord_${randomBytes(4).toString('hex')}`;
    const first = new Date('2026-03-04T05:06:07.089Z');
    expect(await tx((sql) => passOrderGateSql(sql, 't1', order))).toEqual({ cancelled: false });
    expect(await tx((sql) => passOrderGateSql(sql, 't1', order, { at: first }))).toEqual({ cancelled: true });
    expect(await tx((sql) => passOrderGateSql(sql, 't1', order, { at: new Date() }))).toEqual({ cancelled: true });
    expect(await tx((sql) => passOrderGateSql(sql, 't1', order))).toEqual({ cancelled: true });
    expect(await prisma.$transaction((t) => passOrderGate(t, 't1', order))).toEqual({ cancelled: true });
    expect(await tx((sql) => passOrderGateSql(sql, 't2', order))).toEqual({ cancelled: false }); // another tenant's order of that id
    const [g] = await db.query<{ cancelledAt: Date }>('SELECT "cancelledAt" FROM "OrderGate" WHERE "tenantId" = $1 AND "orderId" = $2', ['t1', order]);
    expect(g!.cancelledAt.toISOString()).toBe(first.toISOString());
  });
});
