// The hot-path runner (fast-sql.ts) must return what Prisma's findMany returns — same values, same JS types
// (Decimal, Date, enum strings, null) — on both backends, and count its statements like Prisma's.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal } from '@prisma/client/runtime/client';
import { byKeysInTenant, byKeysInTenantJoined, hasFastPath, joinedRow, openDatabase, PreludeDeclined, sqlBatchFor, sqlFor, sqlSharedTransactionFor, sqlTransactionFor, type Database, type SqlRunner } from '../src/index.ts';
import { createScratchDatabase, FIXTURE_MIGRATIONS, loadFixtureClient, uniqueName, type PrismaClient } from './helpers.ts';

/** What pg's clients are asked to send (one entry per query submitted: a round trip) while `fn` runs. */
async function queriesSent<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, q: unknown, ...rest: unknown[]) {
    sent.push(typeof q === 'string' ? q : (q as { text: string }).text);
    return (query as (...a: unknown[]) => unknown).call(this, q, ...rest);
  } as never;
  try {
    return { result: await fn(), sent };
  } finally {
    pg.Client.prototype.query = query;
  }
}

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
  // On Postgres BEGIN travels with the first statement (one round trip; fast-sql.ts beginWith): that statement is
  // inside the transaction, its rows typed as any, its failure rolls back, and a transaction without statements
  // sends nothing.
  it('sqlTransactionFor: the first statement is already inside the transaction, typed and rolled back alike', async () => {
    const tx = sqlTransactionFor(prisma);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    // now() is the transaction's start: equal in the first and a later statement only if both are in one transaction
    const [first, later] = await tx(async (sql) => {
      const a = await sql<{ t: Date }>('SELECT now() AS t');
      await sleep(30);
      return [a, await sql<{ t: Date }>('SELECT now() AS t')];
    });
    expect(first[0]!.t.getTime()).toBe(later[0]!.t.getTime());
    // first statement's rows typed as the driver path types them; a statement without rows gives []
    const name = uniqueName('tx1');
    const [typed, none] = await tx(async (sql) => [await sql<{ b: unknown }>('SELECT "balance" AS b FROM "Account" WHERE "balance" > 1000'), await sql('UPDATE "Account" SET "name" = "name" WHERE false')]);
    expect(String(typed[0]!.b)).toBe('123456789012345.6789');
    expect(typed[0]!.b).toHaveProperty('toFixed');
    expect(none).toEqual([]);
    // a failing first statement, a first write followed by a JS error, concurrent first statements
    await expect(tx((sql) => sql('SELECT 1/0'))).rejects.toMatchObject({ code: '22012' });
    await expect(tx(async (sql) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $2, 1)', [name, name]);
      throw new Error('after the first statement');
    })).rejects.toThrow('after the first statement');
    expect(await prisma.account.count({ where: { name } })).toBe(0);
    const both = await tx((sql) => Promise.all([sql<{ n: number }>('SELECT 1 AS n'), sql<{ n: number }>('SELECT 2 AS n')]));
    expect(both).toEqual([[{ n: 1 }], [{ n: 2 }]]);
    expect(await tx(async () => 'nothing sent')).toBe('nothing sent');
    expect(await sqlFor(prisma)('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    if (backend !== 'postgres') return;
    // what the client is asked to send: once the connection has the first statement prepared, no BEGIN of its own
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, q: unknown, ...rest: unknown[]) {
      sent.push(typeof q === 'string' ? q : `${(q as { text: string }).text}${(q as { name?: string }).name ? ' (named)' : ''}`);
      return (query as (...a: unknown[]) => unknown).call(this, q, ...rest);
    } as never;
    try {
      for (let i = 0; i < 3; i++) await tx(async (sql) => { await sql('SELECT 1 AS a'); await sql('SELECT 2 AS b'); }); // the pool hands back the same idle connection
    } finally {
      pg.Client.prototype.query = query;
    }
    expect(sent.slice(-3)).toEqual(['SELECT 1 AS a (named)', 'SELECT 2 AS b (named)', 'COMMIT']);
  });

  // `last`: the transaction's final statement commits with it (on Postgres in the same round trip, fast-sql.ts
  // pipelineFor): its own rows back, everything before it committed with it, a failure of it or of the COMMIT
  // commits nothing, and nothing may run after it — on both backends.
  it('sqlTransactionFor: `last` commits with the final statement, or nothing when it or the commit fails', async () => {
    const tx = sqlTransactionFor(prisma);
    const [a, b] = [uniqueName('last'), uniqueName('last')];
    const rows = await tx(async (sql, last) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $2, 1)', [a, a]);
      return last<{ name: string; balance: unknown }>('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $2, 2.5) RETURNING "name", "balance"', [b, b]);
    });
    expect(rows.map((r) => [r.name, String(r.balance)])).toEqual([[b, '2.5']]);
    expect(await prisma.account.count({ where: { name: { in: [a, b] } } })).toBe(2);
    // only a `last`: one statement, its own transaction; no rows: []
    expect(await tx((_sql, last) => last('UPDATE "Account" SET "balance" = 3 WHERE "name" = $1', [a]))).toEqual([]);
    expect(String((await prisma.account.findFirst({ where: { name: a } }))!.balance)).toBe('3');

    const c = uniqueName('last');
    await expect(tx(async (sql, last) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $2, 1)', [c, c]);
      await last('SELECT 1/0');
    })).rejects.toMatchObject({ code: '22012' });
    expect(await prisma.account.count({ where: { name: c } })).toBe(0);
    await expect(tx(async (sql, last) => {
      await last('SELECT 1 AS one');
      await sql('SELECT 2 AS two');
    })).rejects.toThrow('after the transaction’s last one');

    // the COMMIT itself fails: a deferred unique constraint is checked there
    const T = uniqueName('Deferred');
    const run = sqlFor(prisma);
    await run(`CREATE TABLE "${T}" ("k" text, CONSTRAINT "${T}_k" UNIQUE ("k") DEFERRABLE INITIALLY DEFERRED)`);
    await expect(tx(async (sql, last) => {
      await sql(`INSERT INTO "${T}" VALUES ('x')`);
      await last(`INSERT INTO "${T}" VALUES ('x')`);
    })).rejects.toMatchObject({ code: '23505' });
    expect(await run(`SELECT count(*)::int AS n FROM "${T}"`)).toEqual([{ n: 0 }]);
    expect(await tx((_sql, last) => last<{ one: number }>('SELECT 1 AS one'))).toEqual([{ one: 1 }]); // connection usable

    if (backend !== 'postgres') return;
    // what the client is asked to send once the connection has both statements: no BEGIN, no COMMIT of their own
    const { sent } = await queriesSent(async () => {
      for (let i = 0; i < 3; i++) await tx(async (sql, last) => { await sql('SELECT 1 AS a'); await last('SELECT 2 AS b'); });
    });
    expect(sent.slice(-2)).toEqual(['SELECT 1 AS a', 'SELECT 2 AS b']);
  });

  // Postgres: driver-path statements are named prepared statements (parsed once per connection); a text whose Parse
  // fails is not taken for prepared, also as a transaction's first statement; a database can turn them off.
  it('prepared statements: same rows every time, a failed Parse leaves nothing behind, and they can be turned off', async () => {
    if (backend !== 'postgres') return;
    const run = sqlFor(prisma);
    const text = 'SELECT "name", "balance" FROM "Account" WHERE "balance" > $1 ORDER BY "name"';
    const first = await run(text, [1000]);
    for (let i = 0; i < 12; i++) expect(await run(text, [1000])).toEqual(first); // past Postgres's 5 custom plans
    expect(first).toHaveLength(1);
    const tx = sqlTransactionFor(prisma);
    const prepared = await tx(async (sql) => {
      await sql(text, [1000]);
      return sql<{ n: string }>(`SELECT count(*)::text AS n FROM pg_prepared_statements WHERE statement = $1`, [text]); // the same connection
    });
    expect(prepared).toEqual([{ n: '1' }]);
    for (let i = 0; i < 3; i++) {
      await expect(run('SELECT "nope" FROM "Account"')).rejects.toMatchObject({ code: '42703' });
      await expect(tx((sql) => sql('SELECT "nope" FROM "Account" WHERE "balance" > $1', [1]))).rejects.toMatchObject({ code: '42703' });
    }
    expect(await tx((sql) => sql<{ one: number }>('SELECT 1 AS one'))).toEqual([{ one: 1 }]);

    // a migration adds a column under a prepared `SELECT *` (an older replica during a rolling deploy): the next read
    // prepares it again and sees the column; inside a transaction that read fails once, the one after it works
    const T = uniqueName('Migrated');
    await run(`CREATE TABLE "${T}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL)`);
    await run(`INSERT INTO "${T}" VALUES ('m1', 'tA')`);
    const all = `SELECT * FROM "${T}" WHERE "tenantId" = $1`;
    for (let i = 0; i < 3; i++) await tx(async (sql) => { await sql(all, ['tA']); await sql('SELECT 1'); }); // prepared on more than one connection
    expect(await run(all, ['tA'])).toEqual([{ id: 'm1', tenantId: 'tA' }]);
    await run(`ALTER TABLE "${T}" ADD COLUMN "note" text DEFAULT 'added'`);
    expect(await run(all, ['tA'])).toEqual([{ id: 'm1', tenantId: 'tA', note: 'added' }]);
    const inTx = async () => tx(async (sql) => sql(all, ['tA']));
    const once = await inTx().catch((e: { code?: string }) => e.code);
    expect([once, await inTx()]).toContainEqual([{ id: 'm1', tenantId: 'tA', note: 'added' }]);

    const plain = await openDatabase({ subgraph: uniqueName('fastoff'), migrationsDir: FIXTURE_MIGRATIONS, databaseUrl: scratch.url, preparedStatements: false });
    try {
      const marker = `SELECT 41 + $1::int AS n -- ${uniqueName('unprepared')}`;
      expect(await plain.query(marker, [1])).toEqual([{ n: 42 }]);
      expect(await plain.query(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE statement LIKE '%unprepared%'`)).toEqual([{ n: 0 }]);
    } finally {
      await plain.close();
    }
  });

  it('sqlTransactionFor with a prelude: it runs first in the transaction (on Postgres with the first statement), declines it or fails it', async () => {
    const tx = sqlTransactionFor(prisma);
    const run = sqlFor(prisma);
    const [a] = await run<{ id: string; name: string }>('SELECT "id", "name" FROM "Account" ORDER BY "name" LIMIT 1');
    const rename = (to: string) => ({ text: 'UPDATE "Account" SET "name" = $2 WHERE "id" = ANY($1::text[]) RETURNING "id"', params: [[a!.id], to], declines: (e: unknown) => (e as { code?: string }).code === '23514' });
    const nameNow = async () => (await run<{ name: string }>('SELECT "name" FROM "Account" WHERE "id" = $1', [a!.id]))[0]!.name;
    for (let i = 0; i < 4; i++) {
      // its rows (and its array parameter) are no one's business; what it did is seen by the statements after it
      const to = `${a!.name}-${i}`;
      expect(await tx((sql, last) => last<{ name: string }>('SELECT "name" FROM "Account" WHERE "id" = $1', [a!.id]), rename(to))).toEqual([{ name: to }]);
      expect(await nameNow()).toBe(to);
      // the statement after it fails: nothing of the prelude is kept
      await expect(tx((sql) => sql('SELECT 1 / 0'), rename('never'))).rejects.toMatchObject({ code: '22012' });
      expect(await nameNow()).toBe(to);
      // the prelude fails with an error it does not decline on: that error; with one it declines on: PreludeDeclined
      await expect(tx((sql) => sql('SELECT 1'), { text: 'SELECT 1 / 0', params: [], declines: () => false })).rejects.toMatchObject({ code: '22012' });
      await expect(tx((sql) => sql('SELECT 1'), { text: 'SELECT 1 / 0', params: [], declines: () => true })).rejects.toBeInstanceOf(PreludeDeclined);
      // a transaction with no statement of its own still runs its prelude, and commits it
      await tx(async () => undefined, rename(`${to}-alone`));
      expect(await nameNow()).toBe(`${to}-alone`);
    }
    await run('UPDATE "Account" SET "name" = $2 WHERE "id" = $1', [a!.id, a!.name]);
  });

  it('sqlBatchFor: each statement answers as alone, counted; one failure fails the batch; prepared statements stay right', async () => {
    const batch = sqlBatchFor(prisma);
    const run = sqlFor(prisma);
    const ids = (await prisma.account.findMany({ select: { id: true } })).map((a) => a.id);
    const statements = [
      { text: 'SELECT * FROM "Account" WHERE id = ANY($1::text[]) ORDER BY name', params: [ids] },
      { text: 'SELECT * FROM "Entry" WHERE "memo" IS NOT DISTINCT FROM $1 ORDER BY amount', params: [null] },
      { text: 'SELECT $1::int + 1 AS n, $2::text AS t', params: [41, 'x'] },
      { text: 'SELECT * FROM "Account" WHERE false' },
    ];
    const alone = [];
    for (const st of statements) alone.push(await run(st.text, st.params));
    db.stats.statements = 0;
    const seen: string[] = [];
    db.stats.onStatement = (t) => void seen.push(t);
    for (let i = 0; i < 8; i++) expect(await batch(statements)).toEqual(alone); // prepared on first use, then bound only
    db.stats.onStatement = undefined;
    expect(db.stats.statements).toBe(32);
    expect(seen.slice(0, 4)).toEqual(statements.map((st) => st.text));
    expect(alone[0]![0]!.balance).toBeInstanceOf(Decimal);
    expect(await batch([])).toEqual([]);
    // a statement that fails (its Parse, or its execution) fails the batch; the statements prepared in it stay usable
    const fresh = `SELECT ${Math.floor(Math.random() * 1e9)} AS k`;
    for (let i = 0; i < 3; i++) {
      await expect(batch([{ text: fresh }, { text: 'SELECT "nope" FROM "Account"' }])).rejects.toMatchObject({ code: '42703' });
      await expect(batch([{ text: fresh }, { text: 'SELECT 1 / $1::int AS x', params: [0] }])).rejects.toMatchObject({ code: '22012' });
    }
    for (let i = 0; i < 4; i++) expect(await batch([{ text: fresh }, statements[2]!])).toEqual([[{ k: expect.any(Number) }], [{ n: 42, t: 'x' }]]);
  });

  // Several works in one transaction (issue 17: a consumer group's queued events): on Postgres the statements the
  // works send together go in one round trip, COMMIT with the final ones; all or nothing on both backends.
  it('sqlSharedTransactionFor: each work as alone, all committed together in few round trips, or nothing', async () => {
    const shared = sqlSharedTransactionFor(prisma);
    const run = sqlFor(prisma);
    const names = Array.from({ length: 6 }, () => uniqueName('shared'));
    // a text no connection has prepared yet, sent by every work in the same pipeline (parsed once there)
    const fresh = `UPDATE "Account" SET "balance" = "balance" + $2 WHERE "name" = $1 RETURNING "name", "balance" -- ${uniqueName('p')}`;
    const work = (name: string, i: number) => async (sql: SqlRunner, last: SqlRunner) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $1, $2)', [name, i]);
      const [r] = await last<{ name: string; balance: unknown }>(fresh, [name, 0.5]);
      return `${r!.name}=${String(r!.balance)}`;
    };
    db.stats.statements = 0;
    const { result: results, sent } = await queriesSent(() => shared(names.map((n, i) => work(n, i))));
    expect(results).toEqual(names.map((n, i) => `${n}=${i + 0.5}`));
    expect(db.stats.statements).toBe(12);
    // the six INSERTs in one round trip (with BEGIN), the six UPDATEs in another (with COMMIT)
    if (backend === 'postgres') expect(sent).toHaveLength(2);
    expect(await prisma.account.count({ where: { name: { in: names } } })).toBe(6);

    // a statement of one work fails: nothing of any work is kept, every work's statement fails with that error
    const failing = Array.from({ length: 3 }, () => uniqueName('shared'));
    await expect(shared(failing.map((n, i) => async (sql: SqlRunner, last: SqlRunner) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $1, 1)', [n]);
      await last(i === 1 ? 'SELECT 1 / 0' : 'SELECT 1');
    }))).rejects.toMatchObject({ code: '22012' });
    // a work throws after its first statement: the same
    await expect(shared(failing.map((n, i) => async (sql: SqlRunner) => {
      await sql('INSERT INTO "Account" ("id", "name", "balance") VALUES ($1, $1, 1)', [n]);
      if (i === 2) throw new Error('a rule of work 2');
    }))).rejects.toThrow('a rule of work 2');
    expect(await prisma.account.count({ where: { name: { in: failing } } })).toBe(0);
    // a statement after a work's `last` fails it
    await expect(shared([async (sql, last) => { await last('SELECT 1'); await sql('SELECT 2'); }])).rejects.toThrow(/a statement after the (work|transaction)’s last one/);

    // works that end without `last` (COMMIT goes alone), none with a statement (the prelude alone), a prelude that declines
    const [a, b] = [uniqueName('shared'), uniqueName('shared')];
    const insert = (name: string) => ({ text: 'INSERT INTO "Account" ("id", "name", "balance") SELECT unnest($1::text[]), unnest($1::text[]), 7', params: [[name]], declines: (e: unknown) => (e as { code?: string }).code === '23505' });
    expect(await shared([async (sql) => (await sql<{ n: number }>('SELECT count(*)::int AS n FROM "Account" WHERE "name" = $1', [a]))[0]!.n, async () => 'none'], insert(a))).toEqual([1, 'none']);
    expect(await shared([async () => 1], insert(b))).toEqual([1]);
    await expect(shared([async (sql) => sql('SELECT 1')], insert(b))).rejects.toBeInstanceOf(PreludeDeclined);
    expect(await prisma.account.count({ where: { name: { in: [a, b] } } })).toBe(2);
    // the pool's connections still work after all that
    expect(await run<{ one: number }>('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    expect(await shared([])).toEqual([]);
  });

  // A loader's rows with each one's referenced row in one statement (issue 17: a variant with its product, a shipment
  // with its vehicle): the same rows as two byKeysInTenant reads, typed alike, and never another tenant's row.
  it('byKeysInTenantJoined: the rows of byKeysInTenant, each with its referenced row of the same tenant', async () => {
    const run = sqlFor(prisma);
    const [P, C] = [uniqueName('JParent'), uniqueName('JChild')];
    await run(`CREATE TABLE "${P}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL, "name" text, "price" numeric(19,4), "at" timestamp(3))`);
    await run(`CREATE TABLE "${C}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL, "parentId" text, "qty" integer, "at" timestamp(3))`);
    await run(`INSERT INTO "${P}" VALUES ('p1', 'tA', 'one', 12.5, '2026-12-01 10:00:00.123'), ('p2', 'tB', 'other tenant', 1, NULL)`);
    await run(`INSERT INTO "${C}" VALUES ('c1', 'tA', 'p1', 3, '2026-12-02 11:00:00'), ('c2', 'tA', NULL, 4, NULL), ('c3', 'tA', 'p2', 5, NULL), ('c4', 'tB', 'p2', 6, NULL), ('c5', 'tA', 'p1', 7, NULL)`);
    const join = { relation: 'parent', table: P, on: 'parentId', columns: ['id', 'tenantId', 'name', 'price', 'at'] };
    db.stats.statements = 0;
    const rows = await byKeysInTenantJoined<Record<string, unknown>>(run, C, 'id', ['c1', 'c2', 'c3', 'c4', 'c5', 'nope'], 'tA', join, '"id"');
    expect(db.stats.statements).toBe(1);
    // the loader's own rows: exactly byKeysInTenant's (c4 is another tenant's), no joined column on them
    expect(rows).toEqual(await byKeysInTenant(run, C, 'id', ['c1', 'c2', 'c3', 'c4', 'c5', 'nope'], 'tA', '"id"'));
    const [p1] = await byKeysInTenant<Record<string, unknown>>(run, P, 'id', ['p1'], 'tA');
    const parents = rows.map((r) => joinedRow<Record<string, unknown>>(r, 'parent'));
    expect(parents).toEqual([p1, null, null, p1]); // c2: no reference; c3 references another tenant's row
    expect((parents[0]!.at as Date).toISOString()).toBe('2026-12-01T10:00:00.123Z');
    expect(String(parents[0]!.price)).toBe('12.5');
    expect(parents[0]!.price).toBeInstanceOf((p1!.price as object).constructor);
    expect(joinedRow(rows[0]!, 'other')).toBeUndefined();
    expect(joinedRow(p1!, 'parent')).toBeUndefined(); // read without the join
    expect(await byKeysInTenantJoined(run, C, 'id', ['c1'], 'tB', join)).toEqual([]);

    // one level further (`then`: an order line's variant's product): the parent's own referenced row, beside the parent
    const G = uniqueName('JGrand');
    await run(`CREATE TABLE "${G}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL, "label" text, "weight" numeric(10,3))`);
    await run(`ALTER TABLE "${P}" ADD COLUMN "grandId" text`);
    await run(`INSERT INTO "${G}" VALUES ('g1', 'tA', 'grand', 1.25), ('g2', 'tB', 'other tenant', 2)`);
    await run(`INSERT INTO "${P}" VALUES ('p3', 'tA', 'three', 3, NULL, 'g1'), ('p4', 'tA', 'four', 4, NULL, 'g2'), ('p5', 'tA', 'five', 5, NULL, NULL)`);
    await run(`INSERT INTO "${C}" VALUES ('c6', 'tA', 'p3', 8, NULL), ('c7', 'tA', 'p4', 9, NULL), ('c8', 'tA', 'p5', 10, NULL), ('c9', 'tA', NULL, 11, NULL)`);
    const deep = { ...join, columns: [...join.columns, 'grandId'], then: { relation: 'grand', table: G, on: 'grandId', columns: ['id', 'tenantId', 'label', 'weight'] } };
    db.stats.statements = 0;
    const keys = ['c6', 'c7', 'c8', 'c9'];
    const deeper = await byKeysInTenantJoined<Record<string, unknown>>(run, C, 'id', keys, 'tA', deep, '"qty" DESC');
    expect(db.stats.statements).toBe(1);
    expect(deeper).toEqual(await byKeysInTenant(run, C, 'id', keys, 'tA', '"qty" DESC'));
    const own = await byKeysInTenant<Record<string, unknown>>(run, P, 'id', ['p3', 'p4', 'p5'], 'tA', '"id"');
    const [g1] = await byKeysInTenant<Record<string, unknown>>(run, G, 'id', ['g1'], 'tA');
    const parentsOf = deeper.map((r) => joinedRow<Record<string, unknown>>(r, 'parent'));
    expect(parentsOf).toEqual([null, own[2], own[1], own[0]]); // c9, c8, c7, c6 by qty DESC; the parent without its grand
    expect(parentsOf.map((p) => (p ? joinedRow<Record<string, unknown>>(p, 'grand') : undefined))).toEqual([undefined, null, null, g1]); // p4's grand is another tenant's
    expect(String(joinedRow<Record<string, unknown>>(parentsOf[3]!, 'grand')!.weight)).toBe('1.25');
    await run(`DROP TABLE "${C}"`);
    await run(`DROP TABLE "${P}"`);
    await run(`DROP TABLE "${G}"`);
  });

  // the rows are split by a function made per set of columns (object literals); a column named __proto__ must stay
  // a column, never become the row's prototype
  it('byKeysInTenantJoined: a column named __proto__ is an own property of the row, on either side of the join', async () => {
    const run = sqlFor(prisma);
    const [P, C] = [uniqueName('PParent'), uniqueName('PChild')];
    await run(`CREATE TABLE "${P}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL, "__proto__" text)`);
    await run(`CREATE TABLE "${C}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL, "parentId" text, "__proto__" text)`);
    await run(`INSERT INTO "${P}" VALUES ('p1', 'tA', 'parent value')`);
    await run(`INSERT INTO "${C}" VALUES ('c1', 'tA', 'p1', 'child value'), ('c2', 'tA', NULL, NULL)`);
    const join = { relation: 'parent', table: P, on: 'parentId', columns: ['id', 'tenantId', '__proto__'] };
    const rows = await byKeysInTenantJoined<Record<string, unknown>>(run, C, 'id', ['c1', 'c2'], 'tA', join, '"id"');
    expect(rows.map((r) => Object.getPrototypeOf(r))).toEqual([Object.prototype, Object.prototype]);
    expect(rows.map((r) => Object.getOwnPropertyDescriptor(r, '__proto__')?.value)).toEqual(['child value', null]);
    const parent = joinedRow<Record<string, unknown>>(rows[0]!, 'parent')!;
    expect(Object.getPrototypeOf(parent)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parent, '__proto__')?.value).toBe('parent value');
    expect(joinedRow(rows[1]!, 'parent')).toBeNull();
    await run(`DROP TABLE "${C}"`);
    await run(`DROP TABLE "${P}"`);
  });
});
