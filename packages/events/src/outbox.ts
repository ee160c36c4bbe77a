import type { DomainEvent, EventBus } from './types.ts';
import { newEventId } from './ids.ts';
import { defaultOnError } from './util.ts';
import type { Sql, SqlTx } from './sql.ts';
import { utcText as utc } from '@omniroute/db';

// Prisma clients are generated per subgraph, so they are typed structurally here: anything with these
// delegates (the two models below) and $transaction works.
//   model OutboxEvent { id String @id  tenantId String  type String  aggregateId String  payload Json
//                       occurredAt DateTime @default(now())  publishedAt DateTime?  attempts Int @default(0)
//                       @@index([publishedAt, occurredAt]) }
//   model ProcessedEvent { consumer String  eventId String  processedAt DateTime @default(now())  @@id([consumer, eventId]) }

/** A row of the OutboxEvent model. */
export interface OutboxEventRow {
  id: string;
  tenantId: string;
  type: string;
  aggregateId: string;
  payload: unknown;
  occurredAt: Date;
  publishedAt: Date | null;
  attempts: number;
}

/** What enqueue needs: an interactive-transaction client (or the client itself, outside a transaction). */
export interface OutboxTx {
  outboxEvent: { createMany(args: any): Promise<unknown> };
}

/** A subgraph's Prisma client with the OutboxEvent and ProcessedEvent models. */
export interface OutboxClient extends OutboxTx {
  outboxEvent: {
    createMany(args: any): Promise<unknown>;
    findMany(args: any): Promise<any[]>;
    updateMany(args: any): Promise<{ count: number }>;
    deleteMany(args: any): Promise<{ count: number }>;
  };
  processedEvent: { createMany(args: any): Promise<{ count: number }> };
  $transaction<R>(fn: (tx: any) => Promise<R>, options?: { maxWait?: number; timeout?: number }): Promise<R>;
}

export interface NewEvent {
  type: string;
  tenantId: string;
  aggregateId: string;
  payload: object;
}

/**
 * The outbox rows of these events, as enqueue writes them: for a writer that inserts them in a statement of its own
 * (placeOrder's single statement, issue 17). `json` is the payload as stored.
 */
export function outboxRows(events: NewEvent[], occurredAt = new Date()) {
  return events.map((e) => {
    // Stored as Json; what consumers get is what survives JSON (Dates become strings, Decimals strings).
    const json = JSON.stringify(e.payload);
    return { id: newEventId(occurredAt.getTime()), tenantId: e.tenantId, type: e.type, aggregateId: e.aggregateId, json, occurredAt };
  });
}

/** Inside the caller's transaction: write events to the outbox (same commit as the change). Returns the events. */
export async function enqueue(tx: OutboxTx, source: string, events: NewEvent[]): Promise<DomainEvent[]> {
  if (events.length === 0) return [];
  const occurredAt = new Date();
  const rows = outboxRows(events, occurredAt).map(({ json, ...r }) => ({ ...r, payload: JSON.parse(json) as Record<string, unknown> }));
  await tx.outboxEvent.createMany({ data: rows });
  return rows.map((r) => ({ ...r, occurredAt: occurredAt.toISOString(), source }));
}

export function rowToEvent(row: OutboxEventRow, source: string): DomainEvent {
  return {
    id: row.id,
    type: row.type,
    tenantId: row.tenantId,
    aggregateId: row.aggregateId,
    payload: (row.payload ?? {}) as Record<string, unknown>,
    occurredAt: new Date(row.occurredAt).toISOString(),
    source,
  };
}

export interface OutboxRelayOptions {
  prisma: OutboxClient;
  /**
   * The same database on the driver path (packages/db `sqlFor(prisma)` / `sqlTransactionFor(prisma)`): the relay's
   * statements then skip Prisma's per-statement work (issue 17: they were a fifth of an order's statements). Both
   * or neither; without them the relay runs on `prisma`.
   */
  sql?: { run: Sql; transaction: SqlTx };
  bus: EventBus;
  /** Subgraph name, the events' `source`. */
  source: string;
  /** Poll interval when idle; default 1 000 ms. `kick()` runs at once. */
  intervalMs?: number;
  /** Rows claimed per transaction; default 100. */
  batchSize?: number;
  /**
   * Published rows older than this are deleted (checked at most once a minute, or once per retention period
   * when that is shorter); default 7 days; 0 keeps them.
   */
  retainPublishedMs?: number;
  /**
   * In-memory bus: at most this many rows handed to the bus and not yet handled by every consumer group; the
   * rest wait in the table (back-pressure instead of an unbounded queue). Default 1 000.
   */
  maxInFlight?: number;
  /**
   * In-memory bus: rows every consumer group has handled are marked published together, this long (ms) after the
   * first of them; default 50, 0 marks each batch at once. Marked at once when rows in flight leave less than a
   * batch of room, and on stop().
   */
  markDelayMs?: number;
  /**
   * Redis bus: when it reports that Redis lost its data without saying since when entries were unacknowledged,
   * rows published this recently are published again. Default 1 hour.
   */
  replayOnLossMs?: number;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
}

/** An outbox row as its writer made it (outboxRows): what it may hand to the relay after the commit. */
export type WrittenOutboxRow = ReturnType<typeof outboxRows>[number];

export interface OutboxRelay {
  /**
   * Publish now (call after a commit that enqueued events, for low latency). With the rows the commit wrote
   * (`outboxRows`' output), an in-memory bus gets them at once, without the relay reading them back (issue 17: the
   * read and the mark were a third of an order's statements); any other bus, or rows it has no room for, are read
   * from the table as before.
   */
  kick(written?: readonly WrittenOutboxRow[]): void;
  /** Stops polling and waits for the batch in flight. Does not close the bus or the client. */
  stop(): Promise<void>;
}

/**
 * Redis: claims the oldest unpublished rows (FOR UPDATE SKIP LOCKED), publishes them and marks them in the same
 * transaction; returns how many rows it published.
 */
async function claimAndPublishBatch(prisma: OutboxClient, bus: EventBus, source: string, batchSize: number): Promise<number> {
  const outcome = await prisma.$transaction(
    async (tx) => {
      const claimed = (await tx.$queryRawUnsafe(
        `SELECT "id" FROM "OutboxEvent" WHERE "publishedAt" IS NULL ORDER BY "occurredAt", "id" LIMIT ${batchSize} FOR UPDATE SKIP LOCKED`,
      )) as { id: string }[];
      if (claimed.length === 0) return { count: 0 };
      const ids = claimed.map((r) => r.id);
      const rows = (await tx.outboxEvent.findMany({
        where: { id: { in: ids } },
        orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
      })) as OutboxEventRow[];
      try {
        await bus.publish(rows.map((r) => rowToEvent(r, source)));
      } catch (error) {
        // Keep the rows unpublished (retried later) but count the attempt: commit, don't roll back.
        await tx.outboxEvent.updateMany({ where: { id: { in: ids } }, data: { attempts: { increment: 1 } } });
        return { count: 0, error };
      }
      await tx.outboxEvent.updateMany({
        where: { id: { in: ids } },
        data: { publishedAt: new Date(), attempts: { increment: 1 } },
      });
      return { count: rows.length };
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
  if (outcome.error) throw outcome.error;
  return outcome.count;
}

const MARK = `UPDATE "OutboxEvent" SET "publishedAt" = $2::text::timestamp, "attempts" = "attempts" + 1 WHERE "id" = ANY($1::text[])`;
/** Each row published at its own time ($2[i] for $1[i]). */
const MARK_EACH = `UPDATE "OutboxEvent" o SET "publishedAt" = m.at::timestamp, "attempts" = o."attempts" + 1 FROM unnest($1::text[], $2::text[]) AS m(id, at) WHERE o."id" = m.id`;
const COUNT_ATTEMPT = `UPDATE "OutboxEvent" SET "attempts" = "attempts" + 1 WHERE "id" = ANY($1::text[])`;

/** claimAndPublishBatch on the driver path: the rows claimed and read in one statement, then marked. */
async function claimAndPublishBatchSql(transaction: SqlTx, bus: EventBus, source: string, batchSize: number): Promise<number> {
  const outcome = await transaction(async (sql) => {
    const rows = await sql<OutboxEventRow>(
      `SELECT * FROM "OutboxEvent" WHERE "publishedAt" IS NULL ORDER BY "occurredAt", "id" LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [batchSize],
    );
    if (rows.length === 0) return { count: 0 };
    const ids = rows.map((r) => r.id);
    try {
      await bus.publish(rows.map((r) => rowToEvent(r, source)));
    } catch (error) {
      await sql(COUNT_ATTEMPT, [ids]); // unpublished, retried later; the attempt counted (commit, not roll back)
      return { count: 0, error };
    }
    await sql(MARK, [ids, utc(new Date())]);
    return { count: rows.length };
  });
  if (outcome.error) throw outcome.error;
  return outcome.count;
}

/**
 * Polls unpublished outbox rows (oldest first, in batches), publishes them and marks them published once the
 * bus holds them durably.
 * Redis: each batch is claimed with SELECT … FOR UPDATE SKIP LOCKED inside a transaction that stays open until
 * the rows are marked, so several relays on one database never publish the same row twice (a crash in between
 * publishes it again later — at-least-once — which consumers absorb with handleOnce). When the bus reports that
 * Redis lost its data, rows published since the oldest unacknowledged entry are unmarked and published again.
 * In memory (publishUntilHandled): nothing the bus holds survives the process, so a row is marked only after
 * every consumer group has handled it; no transaction is held meanwhile (a handler may need this database).
 */
export function startOutboxRelay(opts: OutboxRelayOptions): OutboxRelay {
  const { prisma, bus, source, sql } = opts;
  const intervalMs = opts.intervalMs ?? 1_000;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 100));
  const retainMs = opts.retainPublishedMs ?? 7 * 24 * 3600_000;
  const onError = opts.onError ?? defaultOnError;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let failures = 0;
  let lastCleanup = 0;
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 1_000);
  /** In memory: rows handed to the bus, not yet handled by every group. */
  const inFlight = new Set<string>();
  const untilHandled = bus.publishUntilHandled?.bind(bus);

  /**
   * In memory: ids handled by every group, waiting for the one UPDATE that marks them published: it runs markDelayMs
   * after the first of them was handled, one at a time, so a busy relay marks many rows per statement (a row handled
   * but not marked yet is only published again after a crash, and handleOnce skips it then).
   */
  const toMark: string[] = [];
  /** When each of them was handled (its publishedAt: the moment, not the later UPDATE's). */
  const handledAt: string[] = [];
  const markDelayMs = Math.max(0, opts.markDelayMs ?? 50);
  let markTimer: NodeJS.Timeout | undefined;
  let marking: Promise<void> | null = null;
  /** In memory: a kick's rows found no room in flight; they are read from the table once room is made. */
  let missed = false;

  function markSoon(ids: readonly string[]): void {
    const at = utc(new Date());
    for (const id of ids) toMark.push(id), handledAt.push(at);
    if (stopped || markDelayMs === 0 || maxInFlight - inFlight.size < batchSize) flushMarks();
    else markTimer ??= setTimeout(flushMarks, markDelayMs);
  }

  function flushMarks(): void {
    if (markTimer) clearTimeout(markTimer);
    markTimer = undefined;
    if (marking || toMark.length === 0) return;
    const ids = toMark.splice(0);
    const at = handledAt.splice(0);
    const update = sql
      ? sql.run(MARK_EACH, [ids, at])
      : prisma.outboxEvent.updateMany({ where: { id: { in: ids } }, data: { publishedAt: new Date(`${at[0]}Z`), attempts: { increment: 1 } } });
    marking = update
      .then(
        () => undefined,
        (error: unknown) => {
          if (!stopped) onError(error, { msg: 'marking outbox rows failed; they will be published again', source });
        },
      )
      .finally(() => {
        for (const id of ids) inFlight.delete(id);
        marking = null;
        if (toMark.length > 0) markSoon([]);
        if (missed && !stopped) schedule(0);
      });
  }

  /** In memory: hands rows to the bus without waiting; each is marked (flushMarks) once every group handled it. */
  function handOff(rows: readonly OutboxEventRow[]): void {
    const ids = rows.map((r) => r.id);
    for (const id of ids) inFlight.add(id);
    untilHandled!(rows.map((r) => rowToEvent(r, source)))
      .then(
        () => markSoon(ids),
        async (error: unknown) => {
          try {
            if (stopped) return; // bus closed under us: the rows stay unpublished for the next start
            onError(error, { msg: 'outbox publish failed; will retry', source });
            await (sql ? sql.run(COUNT_ATTEMPT, [ids]) : prisma.outboxEvent.updateMany({ where: { id: { in: ids } }, data: { attempts: { increment: 1 } } }));
          } catch (e) {
            if (!stopped) onError(e, { msg: 'counting an outbox attempt failed', source });
          } finally {
            for (const id of ids) inFlight.delete(id);
            if (!stopped) schedule(0);
          }
        },
      );
  }

  /** In memory: a writer's committed rows, straight to the bus (those already in flight or without room: skipped). */
  function handOffWritten(written: readonly WrittenOutboxRow[]): boolean {
    const rows = written.filter((w) => !inFlight.has(w.id));
    if (rows.length === 0) return true;
    if (maxInFlight - inFlight.size < rows.length) return false;
    handOff(rows.map((w) => ({ id: w.id, tenantId: w.tenantId, type: w.type, aggregateId: w.aggregateId, payload: JSON.parse(w.json) as unknown, occurredAt: w.occurredAt, publishedAt: null, attempts: 0 })));
    return true;
  }

  /** In memory: reads the next rows not in flight and hands them to the bus. */
  async function handOffBatch(): Promise<number> {
    const room = maxInFlight - inFlight.size;
    // no room: read again once marks make some
    missed = room < batchSize;
    if (room <= 0) return 0;
    const take = Math.min(batchSize, room);
    const read = sql
      ? await sql.run<OutboxEventRow>(
          `SELECT * FROM "OutboxEvent" WHERE "publishedAt" IS NULL AND NOT ("id" = ANY($1::text[])) ORDER BY "occurredAt", "id" LIMIT $2`,
          [[...inFlight], take],
        )
      : ((await prisma.outboxEvent.findMany({
          where: { publishedAt: null, ...(inFlight.size > 0 ? { id: { notIn: [...inFlight] } } : {}) },
          orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }],
          take,
        })) as OutboxEventRow[]);
    // a writer may have handed some of them over while the statement ran
    const rows = read.filter((r) => !inFlight.has(r.id));
    if (rows.length > 0) handOff(rows);
    return read.length;
  }

  // Redis lost its data: what it held unacknowledged is gone, so unmark those rows and publish them again.
  // A loss inherited at start-up (until set) never reaches past the moment we hear of it: the bus publishes only
  // after its first epoch check, so rows marked later went to the Redis that told us.
  const offLoss = bus.onDataLoss?.((since?: Date, until?: Date) => {
    const heardAt = new Date();
    const from = since ?? new Date(heardAt.getTime() - (opts.replayOnLossMs ?? 3_600_000));
    const to = until && (until < heardAt ? until : heardAt);
    void prisma.outboxEvent
      .updateMany({ where: { publishedAt: { gte: from, ...(to ? { lte: to } : {}) } }, data: { publishedAt: null } })
      .then(({ count }) => {
        // a loss possibly inherited at start-up (until set) is worth a line only when it finds rows
        if (count > 0 || !until) onError(new Error('event bus lost its data'), { msg: 'outbox rows republished after bus data loss', source, count, since: from.toISOString() });
        schedule(0);
      })
      .catch((error: unknown) => onError(error, { msg: 'republishing after bus data loss failed', source }));
  });

  /** One batch; returns how many rows it published. */
  async function relayBatch(): Promise<number> {
    if (untilHandled) return handOffBatch();
    return sql ? claimAndPublishBatchSql(sql.transaction, bus, source, batchSize) : claimAndPublishBatch(prisma, bus, source, batchSize);
  }

  async function cleanup() {
    if (retainMs <= 0 || Date.now() - lastCleanup < Math.min(60_000, retainMs)) return;
    lastCleanup = Date.now();
    await prisma.outboxEvent.deleteMany({ where: { publishedAt: { lt: new Date(Date.now() - retainMs) } } });
  }

  async function run() {
    do {
      again = false;
      try {
        while (!stopped && (await relayBatch()) === batchSize) {
          // full batch: there may be more
        }
        await cleanup();
        failures = 0;
      } catch (error) {
        failures++;
        onError(error, { msg: 'outbox relay failed; will retry', source });
        break;
      }
    } while (again && !stopped);
  }

  function tick() {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = run().finally(() => {
      running = null;
      if (!stopped) schedule(failures > 0 ? Math.min(intervalMs * 2 ** failures, 30_000) : intervalMs);
    });
  }

  function schedule(ms: number) {
    if (timer) clearTimeout(timer);
    timer = setTimeout(tick, ms);
  }

  schedule(0);
  return {
    kick(written) {
      if (stopped) return;
      if (written && untilHandled && handOffWritten(written)) return;
      if (written && untilHandled) missed = true;
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopped = true;
      offLoss?.();
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (running) await running;
      // rows every group has handled: marked now, or they would be published again at the next start
      flushMarks();
      while (marking) await marking;
    },
  };
}

/**
 * Idempotent consumer: in ONE transaction, records (consumer, event.id) in ProcessedEvent and runs work(tx).
 * A redelivered event whose id is recorded is skipped, so redelivery never doubles an effect; if work throws,
 * nothing is recorded and the event is handled again on redelivery. Returns false when skipped.
 * Concurrent deliveries of one event: the second insert waits on the first's row lock, then skips or proceeds.
 */
export async function handleOnce(
  prisma: OutboxClient,
  consumer: string,
  event: DomainEvent,
  work: (tx: any) => Promise<unknown>,
): Promise<boolean> {
  return prisma.$transaction(
    async (tx) => {
      const { count } = (await tx.processedEvent.createMany({
        data: [{ consumer, eventId: event.id }],
        skipDuplicates: true,
      })) as { count: number };
      if (count === 0) return false;
      await work(tx);
      return true;
    },
    { maxWait: 10_000, timeout: 60_000 },
  );
}

/** consume() + handleOnce(): `work` runs at most once per event for this group, in the transaction that records it. */
export function consumeOnce(
  bus: EventBus,
  prisma: OutboxClient,
  group: string,
  work: (e: DomainEvent, tx: any) => Promise<unknown>,
  opts?: { types?: string[] },
) {
  return bus.consume(group, (e) => handleOnce(prisma, group, e, (tx) => work(e, tx)), opts);
}

/** A value a subgraph reports on /metrics, read when scraped (see createSubgraph's `gauges`). */
export interface ScrapedGauge {
  name: string;
  help: string;
  read(): Promise<number>;
}

/**
 * Outbox health for /metrics: events written and not yet published (a stuck relay or bus shows here first), and
 * the age of the oldest of them. Both queries use the (publishedAt, occurredAt) index.
 */
export function outboxGauges(prisma: {
  outboxEvent: { count(args: any): Promise<number>; findFirst(args: any): Promise<{ occurredAt: Date } | null> };
}): ScrapedGauge[] {
  return [
    { name: 'outbox_backlog', help: 'Domain events in the outbox not yet published on the bus', read: () => prisma.outboxEvent.count({ where: { publishedAt: null } }) },
    {
      name: 'outbox_lag_seconds',
      help: 'Age of the oldest unpublished outbox event (0 when the outbox is drained)',
      async read() {
        const oldest = await prisma.outboxEvent.findFirst({ where: { publishedAt: null }, orderBy: { occurredAt: 'asc' }, select: { occurredAt: true } });
        return oldest ? Math.max(0, (Date.now() - oldest.occurredAt.getTime()) / 1000) : 0;
      },
    },
  ];
}
