import type { Prisma, PrismaClient } from './generated/prisma/client.ts';

export type { PrismaClient };
/** An interactive-transaction client: services that take part in a caller's transaction take one of these. */
export type Tx = Prisma.TransactionClient;
/** The kit's one transaction options and unique-violation check (packages/core/src/kit/shared.ts). */
export { TX_OPTIONS, isUniqueViolation } from '@omniroute/core/kit';

/** The event source name of this subgraph (outbox `source`; the kit's `outbox` in server.ts). */
export const SOURCE = 'finance';
