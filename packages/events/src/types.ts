/** A fact that happened in one subgraph, published on the bus (from the outbox or directly). */
export interface DomainEvent<P = Record<string, unknown>> {
  /** Globally unique; the outbox row id. Consumers deduplicate on it (see handleOnce). */
  id: string;
  /** `<topic>.<name>`, e.g. `order.confirmed`, `vehicle.positionReported`. The part before the first `.` is the topic. */
  type: string;
  tenantId: string;
  aggregateId: string;
  payload: P;
  /** ISO-8601 timestamp. */
  occurredAt: string;
  /** Subgraph that produced the event. */
  source: string;
}

/**
 * Type filter: exact types (`order.confirmed`), a whole topic (`order.*`) or everything (`*`).
 * Omitted or empty = everything.
 */
export interface TypeFilter {
  types?: string[];
}

export interface ConsumeOptions extends TypeFilter {
  /**
   * Where a group that does not exist yet starts: 'start' (default) = every event still retained in the stream
   * (so nothing published before the first consumer started is missed), 'new' = only events published from
   * now on. Ignored when the group exists: it resumes where it left off.
   */
  from?: 'start' | 'new';
  /**
   * Events handled together: when several waiting events of `batch.types` are at hand, up to `batch.max` of them go
   * to `batch.handle` at once instead of one by one to the handler — never two of one lane (an order's events) nor
   * two of the same `batch.key`, in key order. In memory: the events queued for the group (a group that batches has
   * at most two members, so events pile up while a batch is in flight); on Redis: consecutive entries of one read
   * (entries of types the consumer does not handle between them are acked with them). A batch is all or nothing:
   * when `handle` throws, each of its events goes to the handler, one by one, at once (with the handler's own
   * redelivery). A lone event goes to the handler.
   */
  batch?: BatchOptions;
}

export interface BatchOptions {
  /** At most this many events in one batch (at least 2). */
  max: number;
  /** The types that may be batched; the others go to the handler one by one. */
  types: string[];
  /** Events with the same key never share a batch (say the customer whose credit line they read and decide on). */
  key?(e: DomainEvent): string | null;
  /** Handles the events together, all or nothing. */
  handle(events: DomainEvent[]): Promise<void>;
}

export interface Consumer {
  /** Stops taking new events, waits for the one in flight (acked if its handler resolves), releases the connection. */
  stop(): Promise<void>;
}

/** What `listen` returns: call it to stop listening. `ready` resolves once the listener is subscribed (Redis). */
export type Unlisten = (() => void) & { ready: Promise<void> };

export interface EventBus {
  /**
   * Publish events (used by the outbox relay and for high-rate, non-durable facts such as vehicle positions).
   * Resolves when the bus has accepted them: Redis once XADD is acknowledged; in memory at once.
   */
  publish(events: DomainEvent[]): Promise<void>;
  /**
   * In-memory bus only (nothing it holds survives the process): resolves once every consumer group has handled
   * the events (or skipped them by type), rejects if the bus closes first. The outbox relay publishes through
   * it when present and marks rows published only then, so a crash replays what no consumer has handled.
   */
  publishUntilHandled?(events: DomainEvent[]): Promise<void>;
  /**
   * In-memory bus only: how long ago (ms) the oldest event that a consumer group of this bus has not handled yet
   * occurred (its outbox time); 0 when every group is idle. What writers wait on when events fall behind
   * (write-gate.ts).
   */
  oldestUnhandledMs?(): number;
  /** In-memory bus created with `startPaused`: deliver what publishUntilHandled() queued meanwhile. No-op otherwise. */
  resume?(): void;
  /**
   * Redis bus only: calls `listener` when the bus finds its Redis has lost its data (restarted without
   * persistence, flushed), with the time from which entries may have been unacknowledged when known, so outbox
   * relays publish those rows again; with `until`, only rows published up to then (a loss a starting process may
   * have inherited from its predecessor: see redis-bus checkEpoch). Returns a function that removes the listener.
   */
  onDataLoss?(listener: (since?: Date, until?: Date) => void): () => void;
  /** Durable consumer group: every event is handled by one member of the group, redelivered until the handler resolves (at-least-once). */
  consume(group: string, handler: (e: DomainEvent) => Promise<unknown>, opts?: ConsumeOptions): Promise<Consumer>;
  /** Broadcast to every listener in every process (for GraphQL subscriptions); no durability. */
  listen(handler: (e: DomainEvent) => void, opts?: TypeFilter): Unlisten;
  close(): Promise<void>;
}

export interface EventBusOptions {
  /** Redis URL (`redis://host:6379/0`); without it the bus is in-memory (one process). */
  redisUrl?: string;
  /** Key prefix for every Redis key and channel; default 'omniroute'. */
  stream?: string;
  /**
   * A message a consumer took but did not ack for this long (crashed process, stopped consumer, handler that
   * threw) is claimed by another member of the group and redelivered. Default 30 000 ms. In memory: a handler
   * that throws is retried after min(idleTimeoutMs, 1000) ms.
   */
  idleTimeoutMs?: number;
  /** How often each consumer looks for such messages (XAUTOCLAIM). Default idleTimeoutMs / 2, at most 5 000 ms. */
  claimIntervalMs?: number;
  /** XREADGROUP BLOCK time; default 2 000 ms. Only bounds how quickly new topics are noticed; stop() unblocks at once. */
  blockMs?: number;
  /**
   * Redis: once a stream is longer than this, the entries every group has acknowledged are trimmed (never one a
   * group has not); streams no group reads are capped at about this many entries. Default 100 000.
   * In memory: about this many recent events (up to an eighth more) kept for groups created later (a group's own queue is never trimmed). Default 10 000.
   */
  maxLen?: number;
  /**
   * In memory: types of which a group's undelivered event is replaced by a newer one of the same aggregate
   * (only the latest state matters); default ['vehicle.position'].
   */
  coalesceTypes?: string[];
  /**
   * In memory: publishUntilHandled() queues events but delivers none until resume(). The embedded stack starts
   * paused until every subgraph has registered its consumer groups, so a relay that publishes at startup
   * waits for the groups instead of finding none.
   */
  startPaused?: boolean;
  /**
   * In memory: events each consumer handles at the same time, as that many replicas of it would (default 1). Events
   * of one order (payload.orderId, else the aggregate) still go one at a time, in the order they were published.
   * A handler waits on the database for most of its time: one at a time, a group keeps up with ≈1 / round-trip
   * events per second, which a busy embedded platform outruns (issue 17: placeOrder's events lagged by 30 s).
   */
  consumerConcurrency?: number;
  /** Names of consumers idle this long and holding nothing are removed from their group; default 1 hour. */
  staleConsumerMs?: number;
  /** Messages per XREADGROUP / XAUTOCLAIM call; default 50. */
  batchSize?: number;
  /** Called for handler failures and connection errors; default: one JSON line on stderr. */
  onError?: (error: unknown, context: Record<string, unknown>) => void;
}
