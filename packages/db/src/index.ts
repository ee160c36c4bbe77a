export { openDatabase, type Database, type OpenDatabaseOptions } from './open-database.ts';
export type { StatementStats } from './counting-adapter.ts';
export { byKeysInTenant, byKeysInTenantJoined, hasFastPath, joinedRow, type SqlJoin, isSqlUniqueViolation, sqlFor, sqlTransactionFor, sqlSharedTransactionFor, type SqlSharedTransaction, sqlBatchFor, type SqlBatch, type BatchStatement, utcText, PreludeDeclined, type SqlRunner, type SqlTransaction, type TransactionPrelude } from './fast-sql.ts';
export { MigrationChecksumError } from './migrations.ts';

/**
 * Every subgraph's Prisma transaction limits. Prisma's defaults (maxWait 2 s, timeout 5 s) failed the demo seed's
 * batch transactions, and with them the process, on a busy database host (found by `npm run chaos`, issue 14);
 * a transaction that waits on a lock a little longer is not a reason to lose it.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 30_000 } as const;
