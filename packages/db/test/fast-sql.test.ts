// The hot-path runner (fast-sql.ts) must return what Prisma's findMany returns — same values, same JS types
// (Decimal, Date, enum strings, null) — on both backends, and count its statements like Prisma's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasFastPath, openDatabase, sqlFor, sqlTransactionFor, type Database } from '../src/index.ts';
import { createScratchDatabase, FIXTURE_MIGRATIONS, loadFixtureClient, uniqueName, type PrismaClient } from './helpers.ts';

let PrismaClientClass: Awaited<ReturnType<typeof loadFixtureClient>>;
let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;

beforeAll(async () => {
  PrismaClientClass = await loadFixtureClient();
  scratch = await createScratchDatabase();
}, 60_000);
afterAll(async () => {
  await scratch?.drop();
});

describe.each(['pglite', 'postgres'] as const)('sqlFor on %s', (backend) => {
  let db: Database;
  let prisma: PrismaClient;

  beforeAll(async () => {
    db = await openDatabase({ subgraph: uniqueName('fast'), migrationsDir: FIXTURE_MIGRATIONS, databaseUrl: backend === 'postgres' ? scratch.url : undefined });
    prisma = new PrismaClientClass({ adapter: db.adapter });
    const a = await prisma.account.create({ data: { name: uniqueName('a'), balance: '123456789012345.6789', createdAt: new Date('2026-03-01T23:59:58.123Z') } });
    await prisma.account.create({ data: { name: uniqueName('b'), status: 'FROZEN', balance: '-0.0001' } });
    await prisma.entry.createMany({ data: [{ accountId: a.id, amount: '0.1', memo: null }, { accountId: a.id, amount: '19.9900', memo: 'x' }] });
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await db?.close();
  });

  it('takes the driver path for a client built on openDatabase’s adapter', () => {
    expect(hasFastPath(prisma)).toBe(true);
    expect(sqlFor(prisma)).toBe(db.query);
  });

  it('returns the rows findMany returns, typed alike', async () => {
    const sql = sqlFor(prisma);
    const ids = (await prisma.account.findMany({ select: { id: true } })).map((a) => a.id);
    const viaPrisma = await prisma.account.findMany({ where: { id: { in: ids } }, orderBy: { name: 'asc' } });
    const viaDriver = await sql('SELECT * FROM "Account" WHERE id = ANY($1::text[]) ORDER BY name', [ids]);
    expect(viaDriver).toEqual(viaPrisma);
    expect(viaDriver[0]!.balance).toBeInstanceOf(viaPrisma[0]!.balance.constructor);
    expect(String(viaDriver[0]!.balance)).toBe(viaPrisma[0]!.balance.toString());
    expect((viaDriver[0]!.createdAt as Date).getTime()).toBe(viaPrisma[0]!.createdAt.getTime());
    const entries = await prisma.entry.findMany({ orderBy: { amount: 'asc' } });
    expect(await sql('SELECT * FROM "Entry" ORDER BY amount')).toEqual(entries);
  });

  it('counts its statements in stats', async () => {
    db.stats.statements = 0;
    const seen: string[] = [];
    db.stats.onStatement = (s) => seen.push(s);
    await sqlFor(prisma)('SELECT 1 AS one');
    await prisma.account.count();
    db.stats.onStatement = undefined;
    expect(db.stats.statements).toBe(2);
    expect(seen[0]).toBe('SELECT 1 AS one');
  });

  it('falls back to $queryRawUnsafe (same rows) for a client it does not know', async () => {
    const other = { $queryRawUnsafe: (q: string, ...v: unknown[]) => prisma.$queryRawUnsafe(q, ...v) };
    expect(hasFastPath(other)).toBe(false);
    const rows = await sqlFor(other)('SELECT * FROM "Account" ORDER BY name');
    expect(rows).toEqual(await prisma.account.findMany({ orderBy: { name: 'asc' } }));
  });

  // placeOrder locks its stock rows, then writes in a second statement of the same transaction (issue 17)
  it('sqlTransactionFor: statements on one connection, committed together or rolled back together', async () => {
    const tx = sqlTransactionFor(prisma);
    const name = uniqueName('tx');
    const [mine, outside] = await tx(async (sql) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $2, 1)', [name, name]);
      // the same transaction sees its own write; nobody else does before COMMIT (Postgres: another connection)
      return [await sql('SELECT "name" FROM "Account" WHERE "name" = $1', [name]), backend === 'postgres' ? await db.query('SELECT "name" FROM "Account" WHERE "name" = $1', [name]) : []];
    });
    expect(mine).toEqual([{ name }]);
    expect(outside).toEqual([]);
    expect(await prisma.account.count({ where: { name } })).toBe(1);

    const failed = uniqueName('tx');
    await expect(tx(async (sql) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $2, 1)', [failed, failed]);
      await sql('SELECT 1/0');
    })).rejects.toMatchObject({ code: '22012' });
    expect(await prisma.account.count({ where: { name: failed } })).toBe(0);
    expect(await sqlFor(prisma)('SELECT 1 AS one')).toEqual([{ one: 1 }]); // the connection went back usable
  });
});
