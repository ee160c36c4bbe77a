export type { BatchOptions, DomainEvent, EventBus, EventBusOptions, Consumer, ConsumeOptions, TypeFilter, Unlisten } from './types.ts';
export {
  enqueue,
  outboxRows,
  startOutboxRelay,
  outboxGauges,
  type ScrapedGauge,
  handleOnce,
  consumeOnce,
  rowToEvent,
  type OutboxTx,
  type WrittenOutboxRow,
  type OutboxClient,
  type OutboxEventRow,
  type OutboxRelay,
  type OutboxRelayOptions,
  type NewEvent,
} from './outbox.ts';
export { orderGateUpsert, passOrderGate, type GateTx } from './order-gate.ts';
export { createWriteGate, type WriteGate, type WriteGateOptions } from './write-gate.ts';
export { enqueueSql, writeOutboxSql, EVENT_BATCH_MAX, driverPathBatch, handleManyOnceSql, payloadKey, handleOnceSql, passOrderGateSql, type Sql, type SqlSharedTx, type SqlTx } from './sql.ts';
export { startReconciler, reconcilerStats, republishEvents, type Reconciler, type ReconcilerOptions, type ReconcilerStats } from './reconciler.ts';
export { newEventId } from './ids.ts';
export { topicOf } from './util.ts';
export { consumerGroupLag, type GroupLag } from './lag.ts';
import { createMemoryBus } from './memory-bus.ts';
import { createRedisBus } from './redis-bus.ts';
import type { EventBus, EventBusOptions } from './types.ts';

/** In-memory bus without `redisUrl` (embedded mode); Redis Streams + Pub/Sub with it (distributed mode). */
export function createEventBus(opts: EventBusOptions = {}): EventBus {
  if (!opts.redisUrl) return createMemoryBus(opts);
  return createRedisBus({ ...opts, redisUrl: opts.redisUrl });
}
