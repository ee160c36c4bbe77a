// The outbox, exactly-once handling and the order gate on the driver path (issue 17): the same rows as enqueue,
// handleOnce and passOrderGate write through Prisma, for handlers whose whole transaction runs as parameterised
// statements (packages/db fast-sql.ts: `sqlTransactionFor(prisma)`), without Prisma's per-statement cost.
import { orderGateUpsert } from './order-gate.ts';
import { outboxRows, type NewEvent, type WrittenOutboxRow } from './outbox.ts';
import type { BatchOptions, DomainEvent } from './types.ts';
import { isSqlUniqueViolation, PreludeDeclined, utcText as utc, type TransactionPrelude } from '@omniroute/db';

/** One parameterised statement ($1, $2…) and its rows (packages/db's SqlRunner). */
export type Sql = <Row = Record<string, unknown>>(text: string, params?: readonly unknown[]) => Promise<Row[]>;
/**
 * Runs `fn` in one transaction; `last` runs its final statement and commits with it; a prelude opens it and may
 * decline it (packages/db's SqlTransaction and TransactionPrelude).
 */
export type SqlTx = <R>(fn: (sql: Sql, last: Sql) => Promise<R>, prelude?: TransactionPrelude) => Promise<R>;

/** enqueue() on the driver path: the events' outbox rows in one statement, in the caller's transaction. */
export async function enqueueSql(sql: Sql, source: string, events: NewEvent[]): Promise<DomainEvent[]> {
  const rows = await writeOutboxSql(sql, events);
  return rows.map((r) => ({ id: r.id, type: r.type, tenantId: r.tenantId, aggregateId: r.aggregateId, payload: JSON.parse(r.json) as Record<string, unknown>, occurredAt: r.occurredAt.toISOString(), source }));
}

/**
 * The events' outbox rows in one statement, in the caller's transaction; returns them as written, for the relay's
 * kick once committed (OutboxRelay.kick: handed to the bus without reading them back).
 */
export async function writeOutboxSql(sql: Sql, events: NewEvent[]): Promise<WrittenOutboxRow[]> {
  if (events.length === 0) return [];
  const occurredAt = new Date();
  const rows = outboxRows(events, occurredAt);
  await sql(
    `INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts")
     SELECT e.id, e."tenantId", e.type, e."aggregateId", e.payload::jsonb, $6::text::timestamp, 0
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS e(id, "tenantId", type, "aggregateId", payload)`,
    [rows.map((r) => r.id), rows.map((r) => r.tenantId), rows.map((r) => r.type), rows.map((r) => r.aggregateId), rows.map((r) => r.json), utc(occurredAt)],
  );
  return rows;
}

// No ON CONFLICT: a duplicate key is how an event processed already declines the transaction (handleOnceSql).
const PROCESSED = `INSERT INTO "ProcessedEvent" ("consumer", "eventId", "processedAt") VALUES ($1, $2, $3::text::timestamp)`;
/** The prelude's duplicate key: Postgres' and PGlite's code, or Prisma's raw-query error carrying it. */
const duplicate = (error: unknown): boolean =>
  isSqlUniqueViolation(error) || (typeof error === 'object' && error !== null && (error as { meta?: { code?: unknown } }).meta?.code === '23505');

/**
 * handleOnce() on the driver path: `work` runs in the transaction that records the event as processed by
 * `consumer`, so it takes effect at most once per event; false when it had been processed already. `work` may run
 * its final statement with `last` (the COMMIT goes with it: one round trip fewer). The ProcessedEvent row is the
 * transaction's prelude: on Postgres it travels with work's first statement (issue 17: one round trip fewer per
 * event), so work's code up to that statement may run for an event processed already — nothing it sends to the
 * database is kept then (the row's duplicate key fails the pipeline before it) and nothing else may it do before.
 * Concurrent deliveries of one event: the second insert waits on the first's row, then fails or proceeds.
 */
export async function handleOnceSql(transaction: SqlTx, consumer: string, event: DomainEvent, work: (sql: Sql, last: Sql) => Promise<unknown>): Promise<boolean> {
  try {
    await transaction((sql, last) => work(sql, last), { text: PROCESSED, params: [consumer, event.id, utc(new Date())], declines: duplicate });
    return true;
  } catch (error) {
    if (error instanceof PreludeDeclined) return false;
    throw error;
  }
}

/** Several works in one transaction, their statements pipelined (packages/db's SqlSharedTransaction). */
export type SqlSharedTx = <R>(works: readonly ((sql: Sql, last: Sql) => Promise<R>)[], prelude?: TransactionPrelude) => Promise<R[]>;

const PROCESSED_MANY = `INSERT INTO "ProcessedEvent" ("consumer", "eventId", "processedAt") SELECT $1, e, $3::text::timestamp FROM unnest($2::text[]) AS e`;

/**
 * handleOnceSql for several events of one consumer in ONE transaction (SqlSharedTx: on Postgres each step of all
 * their works in one round trip, one commit; issue 17): every event's `work` takes effect, with its ProcessedEvent
 * row, or none does. An event among them processed already declines the whole (PreludeDeclined), as does any
 * failure (its error): then the caller handles them one by one (handleOnceSql), which skips the processed ones.
 * The works share the transaction, so they must not decide on rows another of them writes (the bus's batch keys).
 * Resolves with each work's result, once committed.
 */
export function handleManyOnceSql<R>(transaction: SqlSharedTx, consumer: string, events: readonly DomainEvent[], work: (e: DomainEvent, sql: Sql, last: Sql) => Promise<R>): Promise<R[]> {
  return transaction(
    events.map((e) => (sql: Sql, last: Sql) => work(e, sql, last)),
    { text: PROCESSED_MANY, params: [consumer, events.map((e) => e.id), utc(new Date())], declines: duplicate },
  );
}

/** How many queued events a consumer group handles in one shared transaction (ConsumeOptions.batch.max). */
export const EVENT_BATCH_MAX = 16;

/**
 * ConsumeOptions.batch for events handled on the driver path: up to EVENT_BATCH_MAX events of `types` (never two of
 * one `key`) in one shared transaction (handleManyOnceSql), each by `work` as it would be alone; then `committed`
 * with the outbox rows the works wrote (undefined for none: OutboxRelay.kick's argument) and their results.
 */
export function driverPathBatch<R>(
  transaction: SqlSharedTx,
  consumer: string,
  o: {
    types: string[];
    key?: (e: DomainEvent) => string | null;
    work: (e: DomainEvent, sql: Sql, last: Sql, written: WrittenOutboxRow[]) => Promise<R>;
    committed?: (written: readonly WrittenOutboxRow[] | undefined, results: R[]) => void;
  },
): BatchOptions {
  return {
    max: EVENT_BATCH_MAX,
    types: o.types,
    key: o.key,
    handle: async (events) => {
      const written: WrittenOutboxRow[] = [];
      const results = await handleManyOnceSql(transaction, consumer, events, (e, sql, last) => o.work(e, sql, last, written));
      o.committed?.(written.length > 0 ? written : undefined, results);
    },
  };
}

/** A batch key (ConsumeOptions.batch.key): the event's tenant and the id in its payload's `field`, if any. */
export const payloadKey = (field: string) => (e: DomainEvent): string | null => {
  const id = (e.payload as Record<string, unknown> | undefined)?.[field];
  return typeof id === 'string' ? `${e.tenantId}\0${id}` : null;
};

/** passOrderGate() on the driver path (order-gate.ts says why every handler of an order's events passes it first). */
export async function passOrderGateSql(sql: Sql, tenantId: string, orderId: string, cancel?: { at: Date }): Promise<{ cancelled: boolean }> {
  const rows = await sql<{ cancelledAt: Date | null }>(
    orderGateUpsert('$3::text::timestamp'),
    [tenantId, orderId, cancel ? utc(cancel.at) : null],
  );
  return { cancelled: rows[0]?.cancelledAt != null };
}
