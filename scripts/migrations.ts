// npm run migrations -- <command>
//   generate [--force]                    prisma generate for every prisma/<subgraph>/schema.prisma (skips unchanged ones)
//   check [--pglite]                      fail when a schema.prisma and its migrations drift apart
//   create <subgraph|all> <name> [--pglite]  write the migration that brings the migrations up to schema.prisma
// check and create apply the migrations to a throw-away database on MIGRATIONS_DATABASE_URL (default: the local
// Postgres, postgresql://postgres@127.0.0.1:5432/postgres) and drop it after; --pglite uses an in-memory PGlite.
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkDrift,
  createMigration,
  DEFAULT_POSTGRES_URL,
  findSubgraphSchemas,
  generateClients,
  type ScratchTarget,
} from '@omniroute/db/tooling';

const args = process.argv.slice(2);
const flags = new Set(args.filter((a) => a.startsWith('--')));
// --root=<dir> points at another checkout (used by packages/db's tests).
const root = resolve(args.find((a) => a.startsWith('--root='))?.slice('--root='.length) ?? fileURLToPath(new URL('..', import.meta.url)));
const [command, ...rest] = args.filter((a) => !a.startsWith('--'));
const target: ScratchTarget = flags.has('--pglite') ? 'pglite' : { postgresUrl: process.env.MIGRATIONS_DATABASE_URL ?? DEFAULT_POSTGRES_URL };
const targetName = target === 'pglite' ? 'in-memory PGlite' : redact(target.postgresUrl);
const schemas = findSubgraphSchemas(root);

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const started = Date.now();
switch (command) {
  case 'generate': {
    const generated = await generateClients(schemas.map((s) => s.schemaPath), { force: flags.has('--force') });
    const skipped = schemas.length - generated.length;
    console.log(`prisma generate: ${generated.length} generated, ${skipped} up to date (${Date.now() - started} ms)`);
    break;
  }
  case 'check': {
    const reports = await checkDrift(schemas, target);
    const drifted = reports.filter((r) => r.missingSql.trim());
    for (const r of reports) console.log(`${r.missingSql.trim() ? 'DRIFT' : 'ok   '} ${r.subgraph}`);
    if (drifted.length > 0) {
      for (const r of drifted) {
        console.error(
          `\nprisma/${r.subgraph}/schema.prisma does not match its migrations. Applying every migration to a fresh ` +
            `database still needs:\n\n${r.missingSql.trim()}\n\nFix: npm run migrations -- create ${r.subgraph} <name> ` +
            `(or revert the schema change). Never edit an applied migration.`,
        );
      }
      fail(`\nmigrations check failed for: ${drifted.map((r) => r.subgraph).join(', ')}`);
    }
    console.log(`migrations check: ${reports.length} schema(s) match their migrations (${targetName}, ${Date.now() - started} ms)`);
    break;
  }
  case 'create': {
    const [which, name] = rest;
    if (!which || !name) fail('usage: npm run migrations -- create <subgraph|all> <name>');
    const chosen = which === 'all' ? schemas : schemas.filter((s) => s.subgraph === which);
    if (chosen.length === 0) fail(`no prisma/${which}/schema.prisma (have: ${schemas.map((s) => s.subgraph).join(', ') || 'none'})`);
    for (const schema of chosen) {
      const dir = await createMigration(schema, name, target);
      console.log(dir ? `${schema.subgraph}: wrote ${relative(root, dir)}/migration.sql` : `${schema.subgraph}: no changes`);
    }
    break;
  }
  default:
    fail('usage: npm run migrations -- generate [--force] | check [--pglite] | create <subgraph|all> <name> [--pglite]');
}
