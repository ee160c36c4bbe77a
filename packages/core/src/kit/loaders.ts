import type DataLoader from 'dataloader';
import { byKeysInTenant, byKeysInTenantJoined, joinedRow, sqlFor, type SqlJoin } from '@omniroute/db';
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
  const joined = <Row extends object>(table: string, column: string, keys: readonly string[], join: SqlJoin, orderBy?: string): Promise<Row[]> =>
    tenantId ? byKeysInTenantJoined<Row>(sql, table, column, keys, tenantId, join, orderBy) : Promise.resolve([]);
  return {
    /** One row per key of a unique `column` (by default the id). */
    byKey: <Row>(table: string, keyOf: (row: Row) => string, column = 'id') => loaderBy<Row>((keys) => rows<Row>(table, column, keys), keyOf),
    /**
     * byKey that reads each row's `join` row in the same statement (a LEFT JOIN within the tenant): one round trip
     * where a resolver would otherwise wait for a second; loadJoined hands the other row to its own loader.
     */
    byKeyJoined: <Row extends object>(table: string, keyOf: (row: Row) => string, join: SqlJoin, column = 'id') =>
      loaderBy<Row>((keys) => joined<Row>(table, column, keys, join), keyOf),
    /** The rows of each key of `column`, in `orderBy` (SQL, e.g. `"orderId", "position"`). */
    groupBy: <Row>(table: string, column: string, keyOf: (row: Row) => string, orderBy?: string) =>
      groupLoaderBy<Row>((keys) => rows<Row>(table, column, keys, orderBy), keyOf),
    /** groupBy that reads each row's `join` row (and its `join.then` row) in the same statement, as byKeyJoined. */
    groupByJoined: <Row extends object>(table: string, column: string, keyOf: (row: Row) => string, join: SqlJoin, orderBy?: string) =>
      groupLoaderBy<Row>((keys) => joined<Row>(table, column, keys, join, orderBy), keyOf),
  };
}

/**
 * The row `relation` that was read together with `row` (byKeyJoined, byKeysInTenantJoined), returned as it is —
 * no statement, no promise (issue 17: a resolver's promise per list item was a large share of a page's garbage) —
 * and primed into `loader` for other fields that load the key; rows read without it load as usual
 * (`loader.load(key)`). A loader that already holds the key keeps its own.
 */
export function loadJoined<T>(loader: DataLoader<string, T | null>, key: string, row: object, relation: string): T | Promise<T | null> {
  const other = joinedRow<T>(row, relation);
  if (!other) return loader.load(key);
  loader.prime(key, other);
  return other;
}

/**
 * loadJoined for a reference the schema declares non-null (a foreign key every row has), typed without the null that
 * only a missing row would give — GraphQL answers that as an error on the field.
 */
export const loadJoinedRef = loadJoined as <T>(loader: DataLoader<string, T | null>, key: string, row: object, relation: string) => T | Promise<T>;
