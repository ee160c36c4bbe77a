import type { OutboxClient } from './outbox.ts';
import { defaultOnError } from './util.ts';

/** What one reconciler has seen, for metrics (`reconcilerStats()`) and the log. */
export interface ReconcilerStats {
  name: string;
  runs: number;
  /** Stuck items found by the last run (a gauge: zero when the flow is healthy). */
  stuck: number;
  /** Stuck items found over all runs, and those the runs repaired (counters). */
  foundTotal: number;
  repairedTotal: number;
  failures: number;
  lastRunAt: string | null;
}

/** Every reconciler started in this process, by name (what a /metrics endpoint exports). */
const registry = new Map<string, ReconcilerStats>();

export function reconcilerStats(): ReconcilerStats[] {
  return [...registry.values()].map((s) => ({ ...s }));
}

export interface ReconcilerOptions {
  /** Metric and log name, e.g. `commerce.orders-without-credit-decision`. */
  name: string;
  /** Period of the runs; 0: only on demand (`runNow`), for tests that must control when a run happens. */
  intervalMs: number;
  /** Finds stuck items and repairs what it can; returns both counts. Runs one at a time. */
  run(): Promise<{ stuck: number; repaired: number }>;
  onError?: (error: unknown, context: Record<string, unknown>) => void;
  /** Where a run that found something is reported; default one JSON line on stderr. */
  log?: (stats: ReconcilerStats) => void;
}

export interface Reconciler {
  /** What it has seen so far (a copy), for the owning subgraph's /metrics. */
  stats(): ReconcilerStats;
  /** Runs now (after the run in progress, if any); resolves with the stats after it. */
  runNow(): Promise<ReconcilerStats>;
  stop(): Promise<void>;
}

/**
 * A periodic job that finds work stuck between subgraphs (an event a consumer never handled, a crash between
 * two steps) and repairs it, counting both. Repairs must be idempotent: the next run sees what is still stuck.
 */
export function startReconciler(opts: ReconcilerOptions): Reconciler {
  const stats: ReconcilerStats = { name: opts.name, runs: 0, stuck: 0, foundTotal: 0, repairedTotal: 0, failures: 0, lastRunAt: null };
  registry.set(opts.name, stats);
  const onError = opts.onError ?? defaultOnError;
  const log =
    opts.log ??
    ((s: ReconcilerStats) => {
      if (process.env.LOG_LEVEL === 'silent') return;
      process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level: 'warn', msg: 'reconciler found stuck work', ...s }) + '\n');
    });
  let running: Promise<void> = Promise.resolve();
  let stopped = false;

  function runOnce(): Promise<ReconcilerStats> {
    running = running.then(async () => {
      if (stopped) return;
      try {
        const { stuck, repaired } = await opts.run();
        stats.runs++;
        stats.stuck = stuck;
        stats.foundTotal += stuck;
        stats.repairedTotal += repaired;
        stats.lastRunAt = new Date().toISOString();
        if (stuck > 0) log({ ...stats });
      } catch (error) {
        stats.failures++;
        onError(error, { msg: 'reconciler failed; will retry', reconciler: opts.name });
      }
    });
    return running.then(() => ({ ...stats }));
  }

  const timer = opts.intervalMs > 0 ? setInterval(() => void runOnce(), opts.intervalMs) : undefined;
  timer?.unref();
  return {
    stats: () => ({ ...stats }),
    runNow: runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      if (registry.get(opts.name) === stats) registry.delete(opts.name);
    },
  };
}

/**
 * Repair by re-sending: marks the outbox rows of `type` for these aggregates unpublished again, so the relay
 * publishes them with their original ids (a consumer that handled one skips it in handleOnce; one that never
 * got it handles it now). Only rows published before `publishedBefore`, so one aggregate is re-sent at most
 * once per period while it stays stuck. Returns how many rows were re-sent.
 */
export async function republishEvents(
  prisma: Pick<OutboxClient, 'outboxEvent'>,
  opts: { type: string; aggregateIds: string[]; publishedBefore: Date },
): Promise<number> {
  if (opts.aggregateIds.length === 0) return 0;
  const { count } = await prisma.outboxEvent.updateMany({
    where: { type: opts.type, aggregateId: { in: opts.aggregateIds }, publishedAt: { lt: opts.publishedBefore } },
    data: { publishedAt: null },
  });
  return count;
}
