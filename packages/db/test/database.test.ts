import { appendFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationChecksumError, openDatabase, type Database } from '../src/index.ts';
import {
  adminQuery,
  copyToTemp,
  createScratchDatabase,
  FIXTURE_MIGRATIONS,
  loadFixtureClient,
  removeTempDirs,
  tempDir,
  uniqueName,
  type PrismaClient,
} from './helpers.ts';

let PrismaClientClass: Awaited<ReturnType<typeof loadFixtureClient>>;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;

beforeAll(async () => {
  PrismaClientClass = await loadFixtureClient();
  scratch = await createScratchDatabase();
}, 60_000);

afterAll(async () => {
  await scratch?.drop();
  removeTempDirs();
});

const MIGRATION_COUNT = readdirSync(FIXTURE_MIGRATIONS).length;

type Backend = 'pglite' | 'postgres';

function open(backend: Backend, subgraph: string, extra: { migrationsDir?: string; dataDir?: string; poolSize?: number } = {}) {
  return openDatabase({
    subgraph,
    migrationsDir: extra.migrationsDir ?? FIXTURE_MIGRATIONS,
    databaseUrl: backend === 'postgres' ? scratch.url : undefined,
    dataDir: extra.dataDir,
    poolSize: extra.poolSize,
  });
}

describe.each<Backend>(['pglite', 'postgres'])('openDatabase on %s', (backend) => {
  let db: Database;
  let prisma: PrismaClient;
  const subgraph = uniqueName('ledger');

  beforeAll(async () => {
    db = await open(backend, subgraph);
    prisma = new PrismaClientClass({ adapter: db.adapter });
  });

  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.close();
  });

  it('applies the migrations and records them with their checksum', async () => {
    expect(db.kind).toBe(backend);
    const rows = await prisma.$queryRawUnsafe<{ name: string; checksum: string; applied_at: Date }[]>(
      'SELECT name, checksum, applied_at FROM _omniroute_migrations ORDER BY name',
    );
    expect(rows).toHaveLength(MIGRATION_COUNT);
    expect(rows[0].name).toMatch(/^\d{14}_init$/);
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].applied_at).toBeInstanceOf(Date);
    expect(await prisma.account.count()).toBe(0);
  });

  it('round-trips Decimal(19,4) money exactly', async () => {
    const account = await prisma.account.create({ data: { name: uniqueName('acct'), balance: '123456789012345.6789' } });
    expect(account.balance.toString()).toBe('123456789012345.6789');
    await prisma.entry.createMany({
      data: [
        { accountId: account.id, amount: '0.1' },
        { accountId: account.id, amount: '0.2' },
      ],
    });
    const sum = await prisma.entry.aggregate({ where: { accountId: account.id }, _sum: { amount: true } });
    expect(sum._sum.amount?.toString()).toBe('0.3'); // 0.30000000000000004 with floats
    const updated = await prisma.account.update({ where: { id: account.id }, data: { balance: { increment: '0.0001' } } });
    expect(updated.balance.toFixed(4)).toBe('123456789012345.6790');
    expect(updated.status).toBe('OPEN');
  });

  it('writes and filters enums', async () => {
    const name = uniqueName('frozen');
    await prisma.account.create({ data: { name, status: 'FROZEN' } });
    const frozen = await prisma.account.findMany({ where: { status: { in: ['FROZEN'] }, name } });
    expect(frozen.map((a) => a.status)).toEqual(['FROZEN']);
    const raw = await prisma.$queryRaw<{ status: string }[]>`SELECT status::text AS status FROM "Account" WHERE name = ${name}`;
    expect(raw).toEqual([{ status: 'FROZEN' }]);
  });

  it('rolls back a failed interactive transaction completely', async () => {
    const name = uniqueName('rollback');
    await expect(
      prisma.$transaction(async (tx) => {
        const account = await tx.account.create({ data: { name } });
        await tx.entry.create({ data: { accountId: account.id, amount: '5' } });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await prisma.account.findUnique({ where: { name } })).toBeNull();
  });

  it('rolls back a batch transaction whose second write violates a constraint (P2002)', async () => {
    const name = uniqueName('dup');
    await prisma.account.create({ data: { name } });
    const other = uniqueName('other');
    await expect(
      prisma.$transaction([prisma.account.create({ data: { name: other } }), prisma.account.create({ data: { name } })]),
    ).rejects.toMatchObject({ code: 'P2002' });
    expect(await prisma.account.findUnique({ where: { name: other } })).toBeNull();
  });

  it('counts statements, inside transactions too, without BEGIN/COMMIT', async () => {
    const account = await prisma.account.create({ data: { name: uniqueName('count') } });
    db.stats.statements = 0;
    for (let i = 0; i < 3; i++) await prisma.account.findUnique({ where: { id: account.id } });
    expect(db.stats.statements).toBe(3);

    db.stats.statements = 0;
    await prisma.$transaction(async (tx) => {
      await tx.entry.create({ data: { accountId: account.id, amount: '1' } });
      await tx.account.update({ where: { id: account.id }, data: { balance: { increment: '1' } } });
    });
    expect(db.stats.statements).toBe(2);

    db.stats.statements = 0;
    await prisma.account.findMany({ where: { id: account.id }, include: { entries: true } });
    expect(db.stats.statements).toBe(2); // Prisma 7 loads relations with one extra query (no relationJoins)
  });

  it('refuses to start when an applied migration was edited', async () => {
    const migrationsDir = copyToTemp(FIXTURE_MIGRATIONS);
    const dataDir = backend === 'pglite' ? tempDir() : undefined;
    const sub = uniqueName('edited');
    await (await open(backend, sub, { migrationsDir, dataDir })).close();
    const [first] = readdirSync(migrationsDir).sort();
    appendFileSync(join(migrationsDir, first, 'migration.sql'), '\n-- sneaky edit\n');
    const reopening = open(backend, sub, { migrationsDir, dataDir });
    await expect(reopening).rejects.toBeInstanceOf(MigrationChecksumError);
    await expect(reopening).rejects.toThrow(first);
  });

  it('applies a new migration on the next start, in a transaction that leaves nothing behind when it fails', async () => {
    const migrationsDir = copyToTemp(FIXTURE_MIGRATIONS);
    const dataDir = backend === 'pglite' ? tempDir() : undefined;
    const sub = uniqueName('evolve');
    await (await open(backend, sub, { migrationsDir, dataDir })).close();

    const broken = join(migrationsDir, '29990101000000_broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'migration.sql'), 'CREATE TABLE "Half" (id int);\nSELECT * FROM "NoSuchTable";\n');
    await expect(open(backend, sub, { migrationsDir, dataDir })).rejects.toThrow(/29990101000000_broken failed.*NoSuchTable/);
    rmSync(broken, { recursive: true });

    // Creating "Half" again only works if the failed migration's CREATE TABLE was rolled back.

    const added = join(migrationsDir, '29990101000001_add_half');
    mkdirSync(added);
    writeFileSync(join(added, 'migration.sql'), 'CREATE TABLE "Half" (id int);\n');
    const db2 = await open(backend, sub, { migrationsDir, dataDir });
    const prisma2 = new PrismaClientClass({ adapter: db2.adapter });
    try {
      const names = await prisma2.$queryRawUnsafe<{ name: string }[]>('SELECT name FROM _omniroute_migrations ORDER BY name');
      expect(names.map((r) => r.name)).toEqual([...readdirSync(FIXTURE_MIGRATIONS).sort(), '29990101000001_add_half']);
    } finally {
      await prisma2.$disconnect();
      await db2.close();
    }
  });
});

describe('PGlite dataDir', () => {
  it('keeps data across close and reopen', async () => {
    const dataDir = join(tempDir(), 'nested', 'ledger');
    const first = await open('pglite', 'ledger', { dataDir });
    const prisma1 = new PrismaClientClass({ adapter: first.adapter });
    await prisma1.account.create({ data: { name: 'persisted', balance: '42.4200' } });
    const before = await prisma1.$queryRawUnsafe<unknown[]>('SELECT name, applied_at FROM _omniroute_migrations');
    await prisma1.$disconnect();
    await first.close();

    const second = await open('pglite', 'ledger', { dataDir });
    const prisma2 = new PrismaClientClass({ adapter: second.adapter });
    try {
      const account = await prisma2.account.findUniqueOrThrow({ where: { name: 'persisted' } });
      expect(account.balance.toString()).toBe('42.42');
      const after = await prisma2.$queryRawUnsafe<unknown[]>('SELECT name, applied_at FROM _omniroute_migrations');
      expect(after).toEqual(before);
      expect(after).toHaveLength(MIGRATION_COUNT);
      // issue 17: five of these in one process; Postgres' default 128 MB of shared buffers each made it 1.7 GB at rest
      expect(await prisma2.$queryRawUnsafe('SHOW shared_buffers')).toEqual([{ shared_buffers: '16MB' }]);
    } finally {
      await prisma2.$disconnect();
      await second.close();
    }
  }, 120_000); // two on-disk initdb runs: 30 s was not enough on the shared 2-core machine (load 40)
});

describe('Postgres schema per subgraph', () => {
  it('puts each subgraph in its own PG schema and sets search_path on every pooled connection', async () => {
    const alpha = await open('postgres', uniqueName('alpha'), { poolSize: 4 });
    const beta = await open('postgres', uniqueName('beta'));
    const prismaA = new PrismaClientClass({ adapter: alpha.adapter });
    const prismaB = new PrismaClientClass({ adapter: beta.adapter });
    try {
      await prismaA.account.create({ data: { name: 'only-in-alpha' } });
      expect(await prismaB.account.count()).toBe(0);

      // Four transactions held open at once force four different pooled connections.
      const schemas = await Promise.all(
        [1, 2, 3, 4].map(() =>
          prismaA.$transaction(async (tx) => {
            const [row] = await tx.$queryRawUnsafe<{ schema: string; pid: number; n: number }[]>(
              'SELECT current_schema() AS schema, pg_backend_pid() AS pid, (SELECT count(*)::int FROM "Account") AS n',
            );
            await new Promise((resolve) => setTimeout(resolve, 100));
            return row;
          }),
        ),
      );
      expect(new Set(schemas.map((s) => s.pid)).size).toBe(4);
      for (const row of schemas) expect(row).toMatchObject({ n: 1 });
      const alphaSchema = schemas[0].schema;
      expect(schemas.every((s) => s.schema === alphaSchema)).toBe(true);

      const tables = await adminQuery<{ table_schema: string }>(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'Account'`,
        [],
        scratchUrl(),
      );
      expect(tables.map((t) => t.table_schema)).toContain(alphaSchema);
      expect(tables.map((t) => t.table_schema)).not.toContain('public');
    } finally {
      await prismaA.$disconnect();
      await prismaB.$disconnect();
      await alpha.close();
      await beta.close();
    }
  });

  it('re-opening applies nothing and keeps the data', async () => {
    const subgraph = uniqueName('reopen');
    const db = await open('postgres', subgraph);
    const prisma = new PrismaClientClass({ adapter: db.adapter });
    const name = uniqueName('keep');
    await prisma.account.create({ data: { name } });
    const before = await prisma.$queryRawUnsafe<{ name: string; applied_at: Date }[]>('SELECT name, applied_at FROM _omniroute_migrations');
    const again = await open('postgres', subgraph);
    const prisma2 = new PrismaClientClass({ adapter: again.adapter });
    try {
      const after = await prisma2.$queryRawUnsafe<{ name: string; applied_at: Date }[]>('SELECT name, applied_at FROM _omniroute_migrations');
      expect(after).toEqual(before);
      expect(await prisma2.account.findUnique({ where: { name } })).not.toBeNull();
    } finally {
      await Promise.all([prisma.$disconnect(), prisma2.$disconnect()]);
      await Promise.all([db.close(), again.close()]);
    }
  });

  it('applies migrations once when several processes start at the same time', async () => {
    const subgraph = uniqueName('race');
    const dbs = await Promise.all([1, 2, 3, 4].map(() => open('postgres', subgraph)));
    await Promise.all(dbs.map((db) => db.close()));
    const rows = await adminQuery<{ name: string }>(`SELECT name FROM "${subgraph}"._omniroute_migrations`, [], scratchUrl());
    expect(rows).toHaveLength(MIGRATION_COUNT);
  });
});

function scratchUrl(): string {
  return scratch.url;
}
