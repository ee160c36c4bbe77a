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
}

export interface Consumer {
  /** Stops taking new events, waits for the one in flight (acked if its handler resolves), releases the connection. */
  stop(): Promise<void>;
}

/** What `listen` returns: call it to stop listening. `ready` resolves once the listener is subscribed (Redis). */
export type Unlisten = (() => void) & { ready: Promise<void> };

export interface EventBus {
  /** Publish events (used by the outbox relay and for high-rate, non-durable facts such as vehicle positions). */
  publish(events: DomainEvent[]): Promise<void>;
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
  /** Approximate cap per stream (XADD MAXLEN ~); default 100 000. In memory: events kept for groups created later. */
  maxLen?: number;
  /** Names of consumers idle this long and holding nothing are removed from their group; default 1 hour. */
  staleConsumerMs?: number;
  /** Messages per XREADGROUP / XAUTOCLAIM call; default 50. */
  batchSize?: number;
  /** Called for handler failures and connection errors; default: one JSON line on stderr. */
  onError?: (error: unknown, context: Record<string, unknown>) => void;
}
