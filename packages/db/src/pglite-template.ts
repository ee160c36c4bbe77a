import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, openAsBlob, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { applyMigrations, MIGRATIONS_TABLE, type Migration, type MigrationConnection } from './migrations.ts';

/**
 * Fresh in-memory PGlite databases, fast. A new PGlite runs initdb (most of its start-up) and then our migrations;
 * every test file boots several of them, so that was most of the suite's time. Instead the first database of a
 * subgraph is made the slow way and dumped as a template (a tarball of its data directory, kept on disk under
 * `PGLITE_TEMPLATE_DIR`, default `<tmp>/omniroute-pglite-templates`, keyed by the PGlite version and the migrations'
 * checksums); later ones load that template, which skips initdb and the migrations. The compiled WebAssembly modules
 * and the file-system bundle are shared by every database of the process. `PGLITE_TEMPLATES=0` turns this off.
 */

const require = createRequire(import.meta.url);
const PGLITE_DIST = dirname(require.resolve('@electric-sql/pglite'));
const PGLITE_VERSION = (JSON.parse(readFileSync(join(PGLITE_DIST, '..', 'package.json'), 'utf8')) as { version: string }).version;

type Artifacts = Pick<PGliteOptions, 'pgliteWasmModule' | 'initdbWasmModule' | 'fsBundle'>;
let artifacts: Promise<Artifacts> | undefined;

/** The WebAssembly modules compiled once per process, and the file-system bundle read once. */
function sharedArtifacts(): Promise<Artifacts> {
  artifacts ??= (async () => {
    const [pgliteWasmModule, initdbWasmModule, fsBundle] = await Promise.all([
      WebAssembly.compile(readFileSync(join(PGLITE_DIST, 'pglite.wasm'))),
      WebAssembly.compile(readFileSync(join(PGLITE_DIST, 'initdb.wasm'))),
      openAsBlob(join(PGLITE_DIST, 'pglite.data')),
    ]);
    return { pgliteWasmModule, initdbWasmModule, fsBundle };
  })();
  return artifacts;
}

export const templatesEnabled = () => process.env.PGLITE_TEMPLATES !== '0';
const templateDir = () => process.env.PGLITE_TEMPLATE_DIR || join(tmpdir(), 'omniroute-pglite-templates');

const building = new Map<string, Promise<void>>();

function templatePath(migrations: Migration[]): string {
  const key = createHash('sha256')
    .update(PGLITE_VERSION)
    .update(migrations.map((m) => `${m.name}:${m.checksum}`).join('\n'))
    .digest('hex')
    .slice(0, 24);
  return join(templateDir(), `pglite-${PGLITE_VERSION}-${key}.tar`);
}

/** Saves a freshly migrated database as the template (written aside and renamed: readers never see half a file). */
async function saveTemplate(db: PGlite, file: string): Promise<void> {
  const dump = await db.dumpDataDir('none');
  mkdirSync(templateDir(), { recursive: true });
  const part = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(part, Buffer.from(await dump.arrayBuffer()));
  renameSync(part, file);
}

/**
 * A new in-memory PGlite with `migrations` applied: loaded from the template when there is one; otherwise made the
 * slow way, and then saved as the template for the next ones (no extra database is made for it).
 */
export async function templatedPGlite(migrations: Migration[], where: string, connection: (db: PGlite) => MigrationConnection): Promise<PGlite> {
  const shared = await sharedArtifacts();
  if (!templatesEnabled()) return new PGlite({ ...shared });
  const file = templatePath(migrations);
  await building.get(file); // another database of this process is making it
  if (statSync(file, { throwIfNoEntry: false })?.size) return new PGlite({ ...shared, loadDataDir: await openAsBlob(file) });
  const db = new PGlite({ ...shared });
  let done!: () => void;
  building.set(file, new Promise<void>((resolve) => (done = resolve)));
  try {
    await db.waitReady;
    await applyMigrations(connection(db), migrations, where);
    await saveTemplate(db, file);
    return db;
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  } finally {
    building.delete(file);
    done();
  }
}

/**
 * Seeded templates: the rows a seed wrote, kept as COPY text per table under the template directory, keyed by `key`
 * (the caller's: what the seed's result depends on) and the PGlite version. Writing the demo plan through Prisma was
 * 40 % of a seeded subgraph's start-up, and it is the same rows every time; loading them is one COPY per table. The
 * first seed of a key runs `seed` and saves its rows; later ones on an empty database load them instead (a database
 * that already has rows gets the real `seed`, which decides for itself). `PGLITE_TEMPLATES=0` turns this off too.
 */
export async function seededRows(db: PGlite, key: string, seed: () => Promise<void>): Promise<void> {
  const file = join(templateDir(), `seed-${createHash('sha256').update(PGLITE_VERSION).update(key).digest('hex').slice(0, 24)}.json`);
  await building.get(file);
  const saved = statSync(file, { throwIfNoEntry: false })?.size ? (JSON.parse(readFileSync(file, 'utf8')) as SeededRows) : undefined;
  if (saved && (await isEmpty(db))) {
    // one transaction: the rows were consistent when saved, so foreign keys are not re-checked row by row (replica role)
    await db.transaction(async (tx) => {
      await tx.exec('SET LOCAL session_replication_role = replica');
      for (const t of saved.tables) await tx.query(`COPY ${t.name} FROM '/dev/blob'`, [], { blob: new Blob([t.rows]) });
      for (const s of saved.sequences) await tx.query('SELECT setval($1, $2, true)', [s.name, s.value]);
    });
    return;
  }
  // Under StrykerJS with a mutant active the seed may run mutated code: its rows are not the seed's, never saved
  if (saved || strykerMutantActive()) return seed();
  let done!: () => void;
  building.set(file, new Promise<void>((resolve) => (done = resolve)));
  try {
    const empty = await isEmpty(db);
    await seed();
    if (empty) await saveRows(db, file);
  } finally {
    building.delete(file);
    done();
  }
}

const strykerMutantActive = () => (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__?.activeMutant !== undefined;

interface SeededRows {
  tables: { name: string; rows: string }[];
  sequences: { name: string; value: string }[];
}

/** Every table but the migrations' own, schema-qualified and quoted. */
async function userTables(db: Pick<PGlite, 'query'>): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
     WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> '${MIGRATIONS_TABLE}' ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function isEmpty(db: PGlite): Promise<boolean> {
  const tables = await userTables(db);
  if (!tables.length) return true;
  const { rows } = await db.query<{ any: boolean }>(`SELECT ${tables.map((t) => `EXISTS (SELECT 1 FROM ${t})`).join(' OR ')} AS any`);
  return !rows[0]!.any;
}

/** The rows of every table and the sequences' positions, read in one transaction (nothing else runs in between). */
async function saveRows(db: PGlite, file: string): Promise<void> {
  const saved: SeededRows = { tables: [], sequences: [] };
  await db.transaction(async (tx) => {
    for (const name of await userTables(tx)) {
      const { blob } = await tx.query(`COPY ${name} TO '/dev/blob'`);
      const rows = blob ? await blob.text() : '';
      if (rows) saved.tables.push({ name, rows });
    }
    const { rows } = await tx.query<{ name: string; value: string }>(
      `SELECT format('%I.%I', schemaname, sequencename) AS name, last_value::text AS value FROM pg_sequences WHERE last_value IS NOT NULL`,
    );
    saved.sequences = rows;
  });
  mkdirSync(templateDir(), { recursive: true });
  const part = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(part, JSON.stringify(saved));
  renameSync(part, file);
}
