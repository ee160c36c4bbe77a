import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One checked-in migration: prisma/<subgraph>/migrations/<name>/migration.sql. */
export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The little a migration run needs from a connection; PGlite and node-postgres both fit behind it. */
export interface MigrationConnection {
  /** Runs a script of one or more statements (simple query protocol). */
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export const MIGRATIONS_TABLE = '_omniroute_migrations';

/** Line endings are normalised so a checkout with autocrlf does not look like an edited migration. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');
}

/** Migration folders in name order (names start with a UTC timestamp, so that is creation order). */
export function readMigrations(migrationsDir: string): Migration[] {
  if (!existsSync(migrationsDir)) return [];
  return readdirSync(migrationsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: checksumOf(sql) };
    });
}

export class MigrationChecksumError extends Error {
  constructor(readonly migrations: string[], where: string) {
    super(
      `Refusing to start ${where}: applied migration(s) ${migrations.join(', ')} changed on disk since they were applied. ` +
        'Never edit an applied migration; restore it and add a new migration instead (npm run migrations -- create).',
    );
    this.name = 'MigrationChecksumError';
  }
}

/**
 * Applies the pending migrations in name order, each in its own transaction together with its bookkeeping row.
 * The caller serialises concurrent runs (advisory lock on Postgres; PGlite has a single connection).
 * Returns the names it applied.
 */
export async function applyMigrations(conn: MigrationConnection, migrations: Migration[], where: string): Promise<string[]> {
  await conn.exec(
    `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (name text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
  );
  const applied = new Map(
    (await conn.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${MIGRATIONS_TABLE}`)).map((row) => [row.name, row.checksum]),
  );
  const edited = migrations.filter((m) => applied.has(m.name) && applied.get(m.name) !== m.checksum).map((m) => m.name);
  if (edited.length > 0) throw new MigrationChecksumError(edited, where);

  // Rows without a folder are tolerated: during a rolling deploy older code meets a newer database.
  const pending = migrations.filter((m) => !applied.has(m.name));
  for (const migration of pending) {
    await conn.exec('BEGIN');
    try {
      await conn.exec(migration.sql);
      await conn.query(`INSERT INTO ${MIGRATIONS_TABLE} (name, checksum) VALUES ($1, $2)`, [migration.name, migration.checksum]);
      await conn.exec('COMMIT');
    } catch (error) {
      await conn.exec('ROLLBACK');
      throw new Error(`Migration ${migration.name} failed on ${where}: ${(error as Error).message}`, { cause: error });
    }
  }
  return pending.map((m) => m.name);
}
