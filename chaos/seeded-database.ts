// The chaos run's database, cloned from a seeded template: migrating and seeding the five subgraphs' schemas costs
// each subgraph seconds of CPU, which on a busy 2-core machine is most of a quick run. The first run (or the first
// after the code changed) seeds a template database `omniroute_chaos_seed_<hash>` once — each subgraph process
// started with SEED=1 and no Redis (the seed's outbox rows stay unpublished and go out in the run, as they would), then
// stopped — and every run gets its own throw-away copy (`CREATE DATABASE … TEMPLATE`, about a second). The hash covers
// the subgraph bundles and every migration, so a changed seed, schema or service makes a new template (the old ones
// are dropped). An advisory lock keeps two runs from building the same template at once.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL } from '@omniroute/testkit';
import { ROOT } from '../bench/lib/proc.ts';

export interface RunDatabase {
  url: string;
  name: string;
  /** true when an existing template was cloned (no seeding in this run). */
  fromTemplate: boolean;
  drop(): Promise<void>;
}

const TEMPLATE_PREFIX = 'omniroute_chaos_seed_';
const urlOf = (name: string) => {
  const u = new URL(TEST_DATABASE_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

function templateHash(bundles: string[]): string {
  const h = createHash('sha256');
  for (const f of [...bundles].sort()) h.update(readFileSync(f));
  const prisma = join(ROOT, 'prisma');
  for (const e of readdirSync(prisma, { recursive: true, withFileTypes: true }).filter((x) => x.isFile() && x.name.endsWith('.sql')).map((x) => join(x.parentPath, x.name)).sort()) {
    h.update(e.slice(prisma.length));
    h.update(readFileSync(e));
  }
  return h.digest('hex').slice(0, 12);
}

/**
 * A throw-away database for the run, copied from the seeded template (built first with `seed(url)` when missing).
 * `bundles`: the subgraphs' bundle files, part of the template's identity.
 */
export async function seededDatabase(bundles: string[], seed: (url: string) => Promise<void>, log: (line: string) => void): Promise<RunDatabase> {
  const template = `${TEMPLATE_PREFIX}${templateHash(bundles)}`;
  const name = `omniroute_chaos_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  let fromTemplate = true;
  try {
    await admin.query(`SELECT pg_advisory_lock(hashtext('omniroute_chaos_seed_template'))`);
    // what runs killed before their cleanup left: a template half-built (nobody builds while we hold the lock) and
    // run databases older than two hours (a run is bounded to 30 minutes)
    const stale = (await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE '${TEMPLATE_PREFIX}%\\_building\\_%'
      OR (datname ~ '^omniroute_chaos_[0-9]{13}_[0-9a-f]{6}$' AND split_part(datname, '_', 3)::bigint < $1)`, [Date.now() - 2 * 3_600_000])).rows as { datname: string }[];
    for (const o of stale) await admin.query(`DROP DATABASE IF EXISTS "${o.datname}" WITH (FORCE)`).catch(() => undefined);
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [template])).rowCount;
    if (!exists) {
      fromTemplate = false;
      const t0 = Date.now();
      const building = `${template}_building_${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE "${building}"`);
      try {
        await seed(urlOf(building));
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [building]);
        await admin.query(`ALTER DATABASE "${building}" RENAME TO "${template}"`);
      } catch (e) {
        await admin.query(`DROP DATABASE IF EXISTS "${building}" WITH (FORCE)`).catch(() => undefined);
        throw e;
      }
      // templates of older code (and builds that died half-way) go
      const old = (await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE '${TEMPLATE_PREFIX}%' AND datname <> $1`, [template])).rows as { datname: string }[];
      for (const o of old) await admin.query(`DROP DATABASE IF EXISTS "${o.datname}" WITH (FORCE)`).catch(() => undefined);
      log(`seeded template ${template} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    // nobody may be connected to a template while it is copied
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [template]);
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
  } finally {
    await admin.end(); // the advisory lock goes with the session
  }
  return {
    url: urlOf(name),
    name,
    fromTemplate,
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}
