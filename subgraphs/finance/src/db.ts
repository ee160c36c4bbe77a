import { Prisma, type PrismaClient } from './generated/prisma/client.ts';

export type { PrismaClient };
/** An interactive-transaction client: services that take part in a caller's transaction take one of these. */
export type Tx = Prisma.TransactionClient;

/** Transaction options for money-moving work: waits for a pooled connection, never runs unbounded. */
export const TX_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;

/** Unique-constraint violation (P2002), e.g. a concurrent retry inserting the same idempotency key. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** The event source name of this subgraph (outbox `source`). */
export const SOURCE = 'finance';
