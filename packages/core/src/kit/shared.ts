// Helpers every subgraph shares: one of each (unique violations, transaction options, input strings, background jobs).
import { TRANSACTION_OPTIONS } from '@omniroute/db';
import { log } from '../logger.ts';

/** Interactive transactions wait for a pooled connection (PGlite has one) and never run unbounded (see packages/db README). */
export const TX_OPTIONS = TRANSACTION_OPTIONS;

/** Prisma's unique-constraint violation (P2002), e.g. a concurrent retry inserting the same idempotency key. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/** Strings in inputs: trimmed, 1..max characters; null when invalid. */
export function cleanString(v: string | null | undefined, max = 200): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s.length === 0 || s.length > max ? null : s;
}

/** Something the subgraph stops when it closes (a consumer, a job, a reconciler). */
export interface Stoppable {
  stop(): Promise<void> | void;
}

/**
 * A background job: `run` every `ms` milliseconds, one run at a time (the next waits for the previous), failures
 * logged and retried at the next period. `ms <= 0` starts nothing.
 */
export function every(ms: number, label: string, run: () => Promise<unknown>): Stoppable | null {
  if (!(ms > 0)) return null;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = () => {
    timer = setTimeout(() => {
      run()
        .catch((error) => log.error(`${label} failed`, { error: String(error) }))
        .finally(() => (stopped ? undefined : schedule()));
    }, ms);
    timer.unref();
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
