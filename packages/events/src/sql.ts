// The outbox, exactly-once handling and the order gate on the driver path (issue 17): the same rows as enqueue,
// handleOnce and passOrderGate write through Prisma, for handlers whose whole transaction runs as parameterised
// statements (packages/db fast-sql.ts: `sqlTransactionFor(prisma)`), without Prisma's per-statement cost.
import { orderGateUpsert } from './order-gate.ts';
import { outboxRows, type NewEvent } from './outbox.ts';
import type { DomainEvent } from './types.ts';
import { utcText as utc } from '@omniroute/db';

/** One parameterised statement ($1, $2…) and its rows (packages/db's SqlRunner). */
export type Sql = <Row = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<Row[]>;
/** Runs `fn` in one transaction; `last` runs its final statement and commits with it (packages/db's SqlTransaction). */
export type SqlTx = <R>(fn: (sql: Sql, last: Sql) => Promise<R>) => Promise<R>;

/** enqueue() on the driver path: the events' outbox rows in one statement, in the caller's transaction. */
export async function enqueueSql(sql: Sql, source: string, events: NewEvent[]): Promise<DomainEvent[]> {
  if (events.length === 0) return [];
  const occurredAt = new Date();
  const rows = outboxRows(events, occurredAt);
  await sql(
    `INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts")
     SELECT e.id, e."tenantId", e.type, e."aggregateId", e.payload::jsonb, $6::text::timestamp, 0
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS e(id, "tenantId", type, "aggregateId", payload)`,
    [rows.map((r) => r.id), rows.map((r) => r.tenantId), rows.map((r) => r.type), rows.map((r) => r.aggregateId), rows.map((r) => r.json), utc(occurredAt)],
  );
  return rows.map((r) => ({ id: r.id, type: r.type, tenantId: r.tenantId, aggregateId: r.aggregateId, payload: JSON.parse(r.json) as Record<string, unknown>, occurredAt: occurredAt.toISOString(), source }));
}

/**
 * handleOnce() on the driver path: `work` runs in the transaction that records the event as processed by
 * `consumer`, so it runs at most once per event; false when it had been processed already. `work` may run its final
 * statement with `last` (the COMMIT goes with it: one round trip fewer).
 */
export function handleOnceSql(transaction: SqlTx, consumer: string, event: DomainEvent, work: (sql: Sql, last: Sql) => Promise<unknown>): Promise<boolean> {
  return transaction(async (sql, last) => {
    const rows = await sql(
      `INSERT INTO "ProcessedEvent" ("consumer", "eventId", "processedAt") VALUES ($1, $2, $3::text::timestamp) ON CONFLICT DO NOTHING RETURNING 1 AS "new"`,
      [consumer, event.id, utc(new Date())],
    );
    if (rows.length === 0) return false;
    await work(sql, last);
    return true;
  });
}

/** passOrderGate() on the driver path (order-gate.ts says why every handler of an order's events passes it first). */
export async function passOrderGateSql(sql: Sql, tenantId: string, orderId: string, cancel?: { at: Date }): Promise<{ cancelled: boolean }> {
  const rows = await sql<{ cancelledAt: Date | null }>(
    orderGateUpsert('$3::text::timestamp'),
    [tenantId, orderId, cancel ? utc(cancel.at) : null],
  );
  return { cancelled: rows[0]?.cancelledAt != null };
}
