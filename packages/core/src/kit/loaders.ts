import { byKeysInTenant, sqlFor } from '@omniroute/db';
import { groupLoaderBy, loaderBy } from '../loaders.ts';

/**
 * Per-request loaders of one tenant's rows straight on the driver (packages/db fast-sql.ts: the same rows as
 * findMany, without the ORM on the hot path). Anonymous callers (no tenant) load nothing; another tenant's keys
 * load as null / empty.
 */
export function tenantRowLoaders(prisma: object, tenantId: string | null | undefined) {
  const sql = sqlFor(prisma as never);
  const rows = <Row>(table: string, column: string, keys: readonly string[], orderBy?: string): Promise<Row[]> =>
    tenantId ? byKeysInTenant<Row>(sql, table, column, keys, tenantId, orderBy) : Promise.resolve([]);
  return {
    /** One row per key of a unique `column` (by default the id). */
    byKey: <Row>(table: string, keyOf: (row: Row) => string, column = 'id') => loaderBy<Row>((keys) => rows<Row>(table, column, keys), keyOf),
    /** The rows of each key of `column`, in `orderBy` (SQL, e.g. `"orderId", "position"`). */
    groupBy: <Row>(table: string, column: string, keyOf: (row: Row) => string, orderBy?: string) =>
      groupLoaderBy<Row>((keys) => rows<Row>(table, column, keys, orderBy), keyOf),
  };
}
