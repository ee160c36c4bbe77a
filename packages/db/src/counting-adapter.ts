import type { SqlDriverAdapter, SqlDriverAdapterFactory, SqlQuery, Transaction } from '@prisma/driver-adapter-utils';

export interface StatementStats {
  /** SQL statements run through the adapter since the last reset (assign 0 to reset). */
  statements: number;
  /** Called after each statement with its SQL and duration (ms) — the benchmark's per-statement timing; unset by default. */
  onStatement?: (sql: string, ms: number) => void;
}

// Transaction control is left out so counts match across backends: adapter-pg makes Prisma send COMMIT/ROLLBACK as
// statements, the PGlite adapter does not ("phantom" transactions).
const TRANSACTION_CONTROL = /^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE\s+SAVEPOINT)\b/i;

function counted<T extends SqlDriverAdapter | Transaction>(target: T, stats: StatementStats): T {
  return new Proxy(target, {
    get(obj, prop) {
      if (prop === 'queryRaw' || prop === 'executeRaw') {
        return (query: SqlQuery) => {
          if (TRANSACTION_CONTROL.test(query.sql)) return obj[prop](query);
          stats.statements++;
          if (!stats.onStatement) return obj[prop](query);
          const t0 = performance.now();
          return (obj[prop](query) as Promise<unknown>).finally(() => stats.onStatement?.(query.sql, performance.now() - t0));
        };
      }
      if (prop === 'startTransaction') {
        return async (...args: Parameters<SqlDriverAdapter['startTransaction']>) =>
          counted(await (obj as SqlDriverAdapter).startTransaction(...args), stats);
      }
      const value = Reflect.get(obj, prop, obj);
      return typeof value === 'function' ? value.bind(obj) : value;
    },
  });
}

/** Wraps a driver adapter factory so every statement Prisma runs (in or out of transactions) is counted in stats. */
export function countingAdapterFactory(inner: SqlDriverAdapterFactory, stats: StatementStats): SqlDriverAdapterFactory {
  return {
    provider: inner.provider,
    adapterName: inner.adapterName,
    connect: async () => counted(await inner.connect(), stats),
  };
}
