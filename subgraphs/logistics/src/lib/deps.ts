import type { EventBus } from '@omniroute/events';
import type { PrismaClient } from '../generated/prisma/client.ts';

/** The `source` of every event logistics publishes. */
export const SOURCE = 'logistics';

/** What the services share; built once in server.ts. */
export interface LogisticsDeps {
  prisma: PrismaClient;
  /** The bus for high-rate facts published directly (vehicle positions); null when running without one. */
  bus: EventBus | null;
  /** Called after a commit that wrote outbox rows, so the relay publishes at once instead of at its next poll. */
  outboxWritten: () => void;
  /** The clock (tests pin it). */
  now: () => Date;
}

/** Strings in inputs: trimmed, 1..max characters; null when invalid. */
export function cleanString(v: string | null | undefined, max = 200): string | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s.length === 0 || s.length > max ? null : s;
}
