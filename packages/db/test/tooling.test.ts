import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDrift, createMigration, findSubgraphSchemas, generatorOutput, type ScratchTarget } from '../src/tooling.ts';
import { FIXTURE_MIGRATIONS, FIXTURE_SCHEMA, POSTGRES_URL, removeTempDirs, tempDir } from './helpers.ts';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

afterAll(() => removeTempDirs());

/** A checkout-shaped temp folder: prisma/ledger/{schema.prisma, migrations/} copied from the fixture. */
function fakeRepo(): { root: string; schemaPath: string; migrationsDir: string } {
  const root = tempDir();
  const dir = join(root, 'prisma', 'ledger');
  mkdirSync(dir, { recursive: true });
  cpSync(FIXTURE_SCHEMA, join(dir, 'schema.prisma'));
  cpSync(FIXTURE_MIGRATIONS, join(dir, 'migrations'), { recursive: true });
  return { root, schemaPath: join(dir, 'schema.prisma'), migrationsDir: join(dir, 'migrations') };
}

function addNoteColumn(schemaPath: string): void {
  const schema = readFileSync(schemaPath, 'utf8').replace('  entries   Entry[]', '  entries   Entry[]\n  note      String?');
  writeFileSync(schemaPath, schema);
}

describe.each<[string, ScratchTarget]>([
  ['postgres', { postgresUrl: POSTGRES_URL }],
  ['pglite', 'pglite'],
])('migrations tooling on %s', (_name, target) => {
  it('finds no drift between the fixture schema and its migrations', async () => {
    const [report] = await checkDrift([{ subgraph: 'ledger', schemaPath: FIXTURE_SCHEMA, migrationsDir: FIXTURE_MIGRATIONS }], target);
    expect(report).toEqual({ subgraph: 'ledger', missingSql: '' });
  });

  // Regression: introspecting a CHECK constraint through adapter-pg panicked the engine (cf. prisma/orm#29635).
  it('accepts hand-written CHECK constraints, which Prisma does not model', async () => {
    const repo = fakeRepo();
    const dir = join(repo.migrationsDir, '29990101000000_balance_check');
    mkdirSync(dir);
    writeFileSync(join(dir, 'migration.sql'), 'ALTER TABLE "Account" ADD CONSTRAINT "Account_balance_check" CHECK ("balance" >= 0);\n');
    const [report] = await checkDrift(findSubgraphSchemas(repo.root), target);
    expect(report.missingSql).toBe('');
  });

  it('reports drift, writes the missing migration, then reports none', async () => {
    const repo = fakeRepo();
    addNoteColumn(repo.schemaPath);
    const [schema] = findSubgraphSchemas(repo.root);
    expect(schema.subgraph).toBe('ledger');

    const [drift] = await checkDrift([schema], target);
    expect(drift.missingSql).toContain('ALTER TABLE "Account" ADD COLUMN     "note" TEXT');

    const dir = await createMigration(schema, 'Add account note', target, new Date('2999-01-02T03:04:05Z'));
    expect(dir).toBe(join(repo.migrationsDir, '29990102030405_add_account_note'));
    expect(readFileSync(join(dir!, 'migration.sql'), 'utf8')).toBe(drift.missingSql);

    expect((await checkDrift([schema], target))[0].missingSql).toBe('');
    expect(await createMigration(schema, 'nothing', target)).toBeNull();
  }, 180_000); // four schema-engine runs: > 60 s on a 2-core machine at load 15 (seen in CI under a Stryker run)
});

describe('npm run migrations', () => {
  const cli = (root: string, ...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'scripts/migrations.ts'), ...args, `--root=${root}`], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      env: { ...process.env, MIGRATIONS_DATABASE_URL: POSTGRES_URL },
    });

  it('check exits 0 when in sync and 1 with the missing SQL on drift; create fixes it', () => {
    const repo = fakeRepo();
    const ok = cli(repo.root, 'check');
    expect(ok.stdout).toContain('ok    ledger');
    expect(ok.status).toBe(0);

    addNoteColumn(repo.schemaPath);
    const drift = cli(repo.root, 'check');
    expect(drift.status).toBe(1);
    expect(drift.stderr).toContain('prisma/ledger/schema.prisma does not match its migrations');
    expect(drift.stderr).toContain('"note" TEXT');

    const created = cli(repo.root, 'create', 'ledger', 'add_note');
    expect(created.status).toBe(0);
    expect(created.stdout).toMatch(/ledger: wrote prisma\/ledger\/migrations\/\d{14}_add_note\/migration.sql/);
    expect(cli(repo.root, 'create', 'all', 'again').stdout).toContain('ledger: no changes');
    expect(cli(repo.root, 'check').status).toBe(0);
  }, 60_000);

  it('generate writes each client once and skips it while schema.prisma is unchanged', () => {
    const repo = fakeRepo();
    const output = generatorOutput(repo.schemaPath);
    expect(output).toBe(join(repo.root, 'prisma', 'ledger', 'generated'));

    const first = cli(repo.root, 'generate');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('1 generated, 0 up to date');
    expect(existsSync(join(output, 'client.ts'))).toBe(true);

    expect(cli(repo.root, 'generate').stdout).toContain('0 generated, 1 up to date');
    addNoteColumn(repo.schemaPath);
    expect(cli(repo.root, 'generate').stdout).toContain('1 generated, 0 up to date');
    expect(readFileSync(join(output, 'models', 'Account.ts'), 'utf8')).toContain('note');
  }, 60_000);

  it('rejects unknown commands', () => {
    const result = cli(tempDir(), 'frobnicate');
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('usage:');
  });
});
