// Build-time tooling behind `npm run migrations`: drift check, migration authoring, client generation.
// Kept apart from the runtime entry so servers never load the schema engine.
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { applyMigrations, readMigrations } from './migrations.ts';
import { openDatabase, withSearchPath } from './open-database.ts';
import { diffDatabaseToDatamodel } from './schema-engine.ts';

export interface SubgraphSchema {
  subgraph: string;
  schemaPath: string;
  migrationsDir: string;
}

/** Where a throw-away database is made: a Postgres server URL, or 'pglite' for an in-memory PGlite. */
export type ScratchTarget = { postgresUrl: string } | 'pglite';

export const DEFAULT_POSTGRES_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

/** Every prisma/<subgraph>/schema.prisma under root, by name. */
export function findSubgraphSchemas(root: string): SubgraphSchema[] {
  const prismaDir = join(root, 'prisma');
  if (!existsSync(prismaDir)) return [];
  return readdirSync(prismaDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(prismaDir, entry.name, 'schema.prisma')))
    .map((entry) => ({
      subgraph: entry.name,
      schemaPath: join(prismaDir, entry.name, 'schema.prisma'),
      migrationsDir: join(prismaDir, entry.name, 'migrations'),
    }))
    .sort((a, b) => a.subgraph.localeCompare(b.subgraph));
}

/**
 * SQL needed to go from "all migrations applied to a fresh database" to schema.prisma; '' when nothing.
 * Applies the migrations with the same runner as openDatabase (on Postgres: in a throw-away database, in the
 * subgraph's own PG schema), then lets Prisma's schema engine diff that database against the datamodel.
 */
export async function diffMigrationsToSchema(schema: SubgraphSchema, target: ScratchTarget): Promise<string> {
  const datamodel = readFileSync(schema.schemaPath, 'utf8');
  if (target === 'pglite') {
    const db = new PGlite();
    try {
      await applyMigrations(
        { exec: async (sql) => void (await db.exec(sql)), query: async <R>(sql: string, params?: unknown[]) => (await db.query<R>(sql, params)).rows },
        readMigrations(schema.migrationsDir),
        `${schema.subgraph} (scratch PGlite)`,
      );
      return await diffDatabaseToDatamodel({ factory: new PrismaPGlite(db), schemaName: 'public', datamodel });
    } finally {
      await db.close();
    }
  }
  return withScratchDatabase(target.postgresUrl, (url) => diffInPostgres(schema, datamodel, url));
}

/** Migrates the subgraph's own PG schema in the (scratch) database at url with openDatabase, then diffs it. */
async function diffInPostgres(schema: SubgraphSchema, datamodel: string, url: string): Promise<string> {
  const db = await openDatabase({ subgraph: schema.subgraph, migrationsDir: schema.migrationsDir, databaseUrl: url, poolSize: 1 });
  await db.close();
  const pool = new pg.Pool({ connectionString: withSearchPath(url, schema.subgraph), max: 1 });
  try {
    return await diffDatabaseToDatamodel({ factory: new PrismaPg(pool, { schema: schema.subgraph }), schemaName: schema.subgraph, datamodel });
  } finally {
    await pool.end();
  }
}

/** Creates a database next to the one in serverUrl, hands its URL to work, and drops it afterwards whatever happens. */
export async function withScratchDatabase<T>(serverUrl: string, work: (url: string) => Promise<T>): Promise<T> {
  const name = `omniroute_scratch_${Date.now()}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    try {
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return await work(url.toString());
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    }
  } finally {
    await admin.end();
  }
}

export interface DriftReport {
  subgraph: string;
  /** SQL that the migrations are missing; '' when in sync. */
  missingSql: string;
}

/** For each schema: does applying its migrations to a fresh database give exactly schema.prisma? */
export async function checkDrift(schemas: SubgraphSchema[], target: ScratchTarget): Promise<DriftReport[]> {
  const diffAll = async (diff: (schema: SubgraphSchema) => Promise<string>) => {
    const reports: DriftReport[] = [];
    for (const schema of schemas) reports.push({ subgraph: schema.subgraph, missingSql: await diff(schema) });
    return reports;
  };
  if (target === 'pglite') return diffAll((schema) => diffMigrationsToSchema(schema, 'pglite'));
  // One scratch database for all: each subgraph goes into its own PG schema, as in production.
  return withScratchDatabase(target.postgresUrl, (url) =>
    diffAll((schema) => diffInPostgres(schema, readFileSync(schema.schemaPath, 'utf8'), url)),
  );
}

/** Writes <migrationsDir>/<UTC yyyymmddhhmmss>_<name>/migration.sql with what schema.prisma adds; null when nothing. */
export async function createMigration(schema: SubgraphSchema, name: string, target: ScratchTarget, now = new Date()): Promise<string | null> {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  if (!slug) throw new Error(`Invalid migration name "${name}"`);
  const sql = await diffMigrationsToSchema(schema, target);
  if (!sql.trim()) return null;
  const stamp = now.toISOString().replace(/\D/g, '').slice(0, 14);
  const latest = readMigrations(schema.migrationsDir).at(-1)?.name;
  if (latest && `${stamp}_${slug}` <= latest) {
    throw new Error(`New migration ${stamp}_${slug} would sort before the latest one (${latest}); check the clock`);
  }
  const dir = join(schema.migrationsDir, `${stamp}_${slug}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  return dir;
}

const require = createRequire(import.meta.url);

/** The output folder named in the schema's `generator client` block, resolved like Prisma does (from the schema's folder). */
export function generatorOutput(schemaPath: string): string {
  const match = /generator\s+client\s*\{[^}]*?\boutput\s*=\s*"([^"]+)"/s.exec(readFileSync(schemaPath, 'utf8'));
  if (!match) throw new Error(`${schemaPath}: generator client has no output`);
  return resolve(dirname(schemaPath), match[1]);
}

const STAMP_FILE = '.omniroute-schema-hash';

/**
 * Runs `prisma generate` (Prisma 7 CLI, no network) for each schema whose client is missing or older than its
 * schema.prisma, in parallel. Returns the schemas it generated.
 */
export async function generateClients(schemaPaths: string[], { force = false } = {}): Promise<string[]> {
  const cli = join(dirname(require.resolve('prisma/package.json')), 'build', 'index.js');
  const prismaVersion = (JSON.parse(readFileSync(require.resolve('prisma/package.json'), 'utf8')) as { version: string }).version;
  const stale = schemaPaths
    .map((schemaPath) => {
      const output = generatorOutput(schemaPath);
      const hash = createHash('sha256').update(prismaVersion).update(readFileSync(schemaPath)).digest('hex');
      const stampPath = join(output, STAMP_FILE);
      const fresh = !force && existsSync(join(output, 'client.ts')) && existsSync(stampPath) && readFileSync(stampPath, 'utf8') === hash;
      return { schemaPath, output, hash, fresh };
    })
    .filter((s) => !s.fresh);
  await Promise.all(
    stale.map(async ({ schemaPath, output, hash }) => {
      await run(process.execPath, [cli, 'generate', '--schema', schemaPath], {
        ...process.env,
        // Generation needs no engine binary; make sure nothing tries to download one.
        PRISMA_SCHEMA_ENGINE_BINARY: '/bin/false',
        CHECKPOINT_DISABLE: '1',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      });
      writeFileSync(join(output, STAMP_FILE), hash);
    }),
  );
  return stale.map((s) => s.schemaPath);
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${[command, ...args].join(' ')} exited with ${code}:\n${output}`)),
    );
  });
}
