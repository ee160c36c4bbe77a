// The kit's reconciler job: work stuck between subgraphs because an event never arrived is repaired by re-sending
// that event from the outbox (commerce's orders, logistics' deliveries).
import { republishEvents, startReconciler, type OutboxClient, type Reconciler } from '@omniroute/events';
import { log } from '../logger.ts';

export interface ResendReconcilerOptions {
  /** The subgraph's Prisma client (its outbox is re-sent from). */
  prisma: object;
  /** Kicks the outbox relay after rows were marked for re-sending. */
  kick: () => void;
  /** Work waiting this long is stuck; default 5 minutes. */
  stuckAfterMs?: number;
  /** Default: half of stuckAfterMs, between 1 s and 1 minute; 0: only on demand. */
  intervalMs?: number;
  /** Stuck items re-sent per run at most; default 500. */
  batch?: number;
}

/** One kind of stuck work: the event to re-send and how to find the ids of its aggregates that wait for it. */
export interface ResendJob {
  name: string;
  /** The outbox event type re-sent (its original id, so consumers that handled it skip it). */
  type: string;
  /** Ids of the aggregates stuck since before `before`, at most `limit`; only those whose event is in the outbox. */
  stuck(before: Date, limit: number): Promise<{ id: string }[]>;
}

/**
 * Starts one reconciler per job: every interval, the aggregates stuck longer than stuckAfterMs have their event
 * re-sent from the outbox with its original id, so a consumer that never got it handles it now and one that did
 * skips it. Only rows published before the cut-off are re-sent, so each aggregate at most once per stuckAfterMs.
 */
export function startResendReconcilers(opts: ResendReconcilerOptions, jobs: readonly ResendJob[]): Reconciler[] {
  const after = opts.stuckAfterMs ?? 5 * 60_000;
  const intervalMs = opts.intervalMs ?? Math.min(60_000, Math.max(1_000, Math.floor(after / 2)));
  const batch = opts.batch ?? 500;
  return jobs.map((job) =>
    startReconciler({
      name: job.name,
      intervalMs,
      async run() {
        const before = new Date(Date.now() - after);
        const stuck = await job.stuck(before, batch);
        const repaired = await republishEvents(opts.prisma as OutboxClient, { type: job.type, aggregateIds: stuck.map((s) => s.id), publishedBefore: before });
        if (repaired > 0) {
          log.debug(`re-sent ${job.type}`, { reconciler: job.name, repaired });
          opts.kick();
        }
        return { stuck: stuck.length, repaired };
      },
    }),
  );
}
