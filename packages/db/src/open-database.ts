import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { countingAdapterFactory, type StatementStats } from './counting-adapter.ts';
import { mergeReads, oneConnection, pgliteRunner, pgliteTransactions, postgresBatch, postgresRunner, postgresSharedTransactions, postgresTransactions, sequentialBatch, registerMergedReads, registerRunner, type PgModule, type SqlRunner } from './fast-sql.ts';
import { applyMigrations, readMigrations, type MigrationConnection } from './migrations.ts';
import { seededRows, templatedPGlite, templatesEnabled } from './pglite-template.ts';
import { trackPool } from '@omniroute/core/pool-metrics';
import { traceSqlRunner } from '@omniroute/core/telemetry';

export interface OpenDatabaseOptions {
  /** Subgraph name; on Postgres also the PG schema its tables live in. */
  subgraph: string;
  /** Folder of <timestamp>_<name>/migration.sql, applied before openDatabase returns. */
  migrationsDir: string;
  /** Postgres connection string. Without it the subgraph gets its own PGlite database. */
  databaseUrl?: string;
  /** PGlite data directory (kept across restarts); in-memory when omitted. Ignored with databaseUrl. */
  dataDir?: string;
  /** Max Postgres connections in the pool (default 10). */
  poolSize?: number;
  /**
   * Driver-path statements as named prepared statements (default: on unless DATABASE_PREPARED_STATEMENTS=off). Off
   * for a pooler in transaction mode that cannot keep them (PgBouncer before 1.21).
   */
  preparedStatements?: boolean;
  /**
   * Loaders' reads by keys of concurrent requests merged into one statement per text and tenant (fast-sql.ts
   * mergeReads; default: on unless DATABASE_MERGED_READS=off). On PGlite, the reads that come while one runs.
   */
  mergedReads?: boolean;
}

export interface Database {
  /** Pass to `new PrismaClient({ adapter })`. */
  adapter: SqlDriverAdapterFactory;
  kind: 'pglite' | 'postgres';
  /** Statements run through `adapter`; transaction control (BEGIN/COMMIT/…) is not counted. Reset with `stats.statements = 0`. */
  stats: StatementStats;
  /** Hot-path statements straight on the driver, counted in `stats` (fast-sql.ts; from a PrismaClient: `sqlFor(prisma)`). */
  query: SqlRunner;
  /** Ends the pool / closes PGlite. Call `prisma.$disconnect()` first. */
  close(): Promise<void>;
  /**
   * In-memory PGlite only (and not with `PGLITE_TEMPLATES=0` or `PGLITE_SEED_TEMPLATES=0`): runs `seed`, or on an empty database loads the rows
   * the first `seed` of the same `key` wrote (pglite-template.ts `seededRows`). `key` must name everything the
   * seed's rows depend on.
   */
  seeded?(key: string, seed: () => Promise<void>): Promise<void>;
}

const SCHEMA_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * PGlite on disk (`npm start`: one per subgraph, five in one process): Postgres' default 128 MB of shared buffers
 * each made the process 1.7 GB at rest (issue 17); 16 MB holds a demo tenant's hot rows and takes ≈125 MB less per
 * database (two instances with 100,000 rows: 227 → 100 MB for the second).
 */
const PGLITE_ON_DISK_CONF = ['shared_buffers=16MB'];

/** Opens a subgraph's database (Postgres schema or PGlite) and brings it up to date with its migrations. */
export async function openDatabase(opts: OpenDatabaseOptions): Promise<Database> {
  if (!SCHEMA_NAME.test(opts.subgraph)) {
    throw new Error(`Invalid subgraph name "${opts.subgraph}": use lower case letters, digits and _ (it is also a PG schema name)`);
  }
  const migrations = readMigrations(opts.migrationsDir);
  const stats: StatementStats = { statements: 0 };

  if (opts.databaseUrl) {
    const url = withSearchPath(opts.databaseUrl, opts.subgraph);
    await migratePostgres(url, opts.subgraph, (conn) => applyMigrations(conn, migrations, `${opts.subgraph} (Postgres schema "${opts.subgraph}")`));
    const pool = new pg.Pool({ connectionString: url, max: opts.poolSize ?? 10 });
    // An idle connection that dies (server restart, backend terminated, e.g. DROP DATABASE … WITH (FORCE) right after
    // close()) is discarded by the pool, which then emits 'error': without a listener that crashes the process.
    pool.on('error', (error) => {
      if (process.env.LOG_LEVEL !== 'silent' && !pool.ending) {
        process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level: 'warn', msg: 'idle Postgres connection lost', subgraph: opts.subgraph, error: error.message }) + '\n');
      }
    });
    // The pool listens only to idle connections. A connection lost while checked out — a transaction open between two
    // statements, e.g. the outbox relay's while it publishes, when the server restarts or pg_terminate_backend hits
    // it — emitted 'error' on a Client nobody listened to, and that killed the process (found by `npm run chaos`).
    // With a listener, the statement in hand fails, the transaction rolls back and the pool discards the connection.
    pool.on('connect', (client) => {
      client.on('error', (error) => {
        if (process.env.LOG_LEVEL !== 'silent' && !pool.ending) {
          process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level: 'warn', msg: 'Postgres connection lost while in use', subgraph: opts.subgraph, error: error.message }) + '\n');
        }
      });
    });
    // `schema` makes Prisma qualify table names; search_path (in the URL) covers raw SQL.
    const adapter = new PrismaPg(pool, { schema: opts.subgraph });
    const factory = countingAdapterFactory(adapter, stats);
    const prepared = opts.preparedStatements ?? switchedOn('DATABASE_PREPARED_STATEMENTS');
    const query = traceSqlRunner(postgresRunner(pool, pg.types, stats, prepared, true), 'postgresql'); // db_query spans when tracing is on
    if (mergedReadsOn(opts)) {
      registerMergedReads(
        query,
        mergeReads(async () => {
          const client = await pool.connect();
          return { run: traceSqlRunner(postgresRunner(client, pg.types, stats, prepared, true), 'postgresql'), release: (error) => client.release(error) };
        }),
      );
    }
    const pgm = pg as unknown as PgModule; // @types/pg leaves out the module's `utils`
    registerRunner(
      factory, query,
      postgresTransactions(pool, pg.types, stats, (run) => traceSqlRunner(run, 'postgresql'), pgm, prepared),
      postgresBatch(pool, pgm, pg.types, stats, prepared),
      postgresSharedTransactions(pool, pgm, pg.types, stats, (run) => traceSqlRunner(run, 'postgresql'), prepared),
    );
    const untrack = trackPool(opts.subgraph, pool); // omniroute_db_pool_connections on this process's /metrics
    return { adapter: factory, kind: 'postgres', stats, query, close: () => { untrack(); return pool.end(); } };
  }

  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const where = `${opts.subgraph} (PGlite ${opts.dataDir ?? 'in memory'})`;
  // in memory: from a template already migrated (pglite-template.ts); the migrations below then find nothing to do
  const pglite = opts.dataDir ? new PGlite({ dataDir: opts.dataDir, postgresqlconf: PGLITE_ON_DISK_CONF }) : await templatedPGlite(migrations, where, pgliteConnection);
  try {
    await pglite.waitReady;
    await applyMigrations(pgliteConnection(pglite), migrations, where);
  } catch (error) {
    await pglite.close();
    throw error;
  }
  const factory = countingAdapterFactory(new PrismaPGlite(pglite), stats);
  const query = traceSqlRunner(pgliteRunner(pglite, stats), 'postgresql'); // db_query spans when tracing is on
  if (mergedReadsOn(opts)) registerMergedReads(query, mergeReads(oneConnection(query)));
  registerRunner(factory, query, pgliteTransactions(pglite, stats, (run) => traceSqlRunner(run, 'postgresql')), sequentialBatch(query));
  return {
    adapter: factory,
    kind: 'pglite',
    stats,
    query,
    close: () => pglite.close(),
    ...(!opts.dataDir && templatesEnabled() && process.env.PGLITE_SEED_TEMPLATES !== '0' ? { seeded: (key: string, seed: () => Promise<void>) => seededRows(pglite, key, seed) } : {}),
  };
}

/** A switch of the environment that is on unless set to off, 0 or false. */
const switchedOn = (name: string) => !/^(off|0|false)$/i.test(process.env[name] ?? '');
const mergedReadsOn = (opts: OpenDatabaseOptions) => opts.mergedReads ?? switchedOn('DATABASE_MERGED_READS');

/** Adds `-c search_path=<schema>` to the connection's startup options, so every pooled connection resolves there. */
export function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  const options = [url.searchParams.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ');
  url.searchParams.set('options', options);
  return url.toString();
}

/** Runs `work` on one dedicated connection holding an advisory lock for the schema, so concurrent starts apply once. */
async function migratePostgres<T>(url: string, schema: string, work: (conn: MigrationConnection) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    // Session-level lock, released when the connection ends (also if this process dies).
    await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [`omniroute_migrations:${schema}`]);
    // Created under the lock: concurrent CREATE SCHEMA IF NOT EXISTS can still collide.
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    return await work({
      exec: async (sql) => void (await client.query(sql)),
      query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
    });
  } finally {
    await client.end();
  }
}

function pgliteConnection(db: PGlite): MigrationConnection {
  return {
    exec: async (sql) => void (await db.exec(sql)),
    query: async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows,
  };
}
