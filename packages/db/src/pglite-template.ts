import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, openAsBlob, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import { applyMigrations, type Migration, type MigrationConnection } from './migrations.ts';

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
