// Reads by keys of concurrent requests merged into one statement (fast-sql.ts mergeReads, issue 17; Postgres and
// PGlite): each read gets exactly the rows of its own keys, in the statement's order, never another tenant's, and a
// transaction's reads are never merged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { byKeysInTenant, byKeysInTenantJoined, joinedRow, openDatabase, sqlFor, sqlTransactionFor, type Database } from '../src/index.ts';
import { MAX_MERGED_KEYS, mergeReads, type ReadLease, type SqlRunner } from '../src/fast-sql.ts';
import { createScratchDatabase, FIXTURE_MIGRATIONS, loadFixtureClient, uniqueName, type PrismaClient } from './helpers.ts';

type Row = Record<string, unknown>;

/** A connection pool of one whose lending the test controls, and a table the statement reads by `key`. */
function fakePool(table: Row[]) {
  const statements: { text: string; params: readonly unknown[] }[] = [];
  const released: (Error | undefined)[] = [];
  const waiting: (() => void)[] = [];
  let fail: Error | undefined;
  const run = (async (text: string, params: readonly unknown[] = []) => {
    statements.push({ text, params });
    if (fail) throw fail;
    const [keys, tenantId] = params as [string[], string];
    return table.filter((r) => keys.includes(r.key as string) && r.tenantId === tenantId);
  }) as SqlRunner;
  const acquire = () => new Promise<ReadLease>((resolve) => waiting.push(() => resolve({ run, release: (e) => released.push(e) })));
  return {
    reads: mergeReads(acquire),
    statements,
    released,
    /** lends the connection the oldest waiting statement asked for */
    lend: async () => {
      await new Promise((r) => setImmediate(r));
      waiting.shift()!();
      await new Promise((r) => setImmediate(r));
    },
    failWith: (e: Error) => (fail = e),
  };
}

describe('mergeReads', () => {
  const table: Row[] = [
    { id: 1, key: 'a', tenantId: 't1' },
    { id: 2, key: 'b', tenantId: 't1' },
    { id: 3, key: 'a', tenantId: 't1' },
    { id: 4, key: 'c', tenantId: 't1' },
    { id: 5, key: 'a', tenantId: 't2' },
  ];

  it('runs the reads waiting together as one statement; each gets its own keys’ rows in the statement’s order', async () => {
    const pool = fakePool(table);
    const first = pool.reads('SELECT 1', ['a'], 't1', 'key');
    const second = pool.reads('SELECT 1', ['c', 'b'], 't1', 'key');
    const third = pool.reads('SELECT 1', ['a', 'zz'], 't1', 'key');
    await pool.lend();
    expect(pool.statements).toEqual([{ text: 'SELECT 1', params: [['a', 'c', 'b', 'zz'], 't1'] }]);
    expect((await first).map((r) => r.id)).toEqual([1, 3]);
    expect((await second).map((r) => r.id)).toEqual([2, 4]); // the statement's order, not the keys'
    const shared = await third;
    expect(shared).toEqual(await first);
    // a row two reads share is the first one's; the second gets a copy it may change alone
    expect(shared[0]).not.toBe((await first)[0]);
    expect(pool.released).toEqual([undefined]);
  });

  it('never merges another tenant’s read or another statement', async () => {
    const pool = fakePool(table);
    const mine = pool.reads('SELECT 1', ['a'], 't1', 'key');
    const theirs = pool.reads('SELECT 1', ['a'], 't2', 'key');
    const other = pool.reads('SELECT 2', ['a'], 't1', 'key');
    await pool.lend();
    await pool.lend();
    await pool.lend();
    expect(pool.statements.map((s) => [s.text, s.params[1]])).toEqual([['SELECT 1', 't1'], ['SELECT 1', 't2'], ['SELECT 2', 't1']]);
    expect((await mine).map((r) => r.id)).toEqual([1, 3]);
    expect((await theirs).map((r) => r.id)).toEqual([5]);
    expect((await other).map((r) => r.id)).toEqual([1, 3]);
  });

  it('a read after its statement got a connection waits for the next one', async () => {
    const pool = fakePool(table);
    const early = pool.reads('SELECT 1', ['a'], 't1', 'key');
    await pool.lend();
    const late = pool.reads('SELECT 1', ['b'], 't1', 'key');
    await pool.lend();
    expect(pool.statements.map((s) => s.params[0])).toEqual([['a'], ['b']]);
    expect((await early).map((r) => r.id)).toEqual([1, 3]);
    expect((await late).map((r) => r.id)).toEqual([2]);
  });

  it(`carries at most ${MAX_MERGED_KEYS} keys a statement`, async () => {
    const pool = fakePool(table);
    const many = Array.from({ length: MAX_MERGED_KEYS - 1 }, (_, i) => `k${i}`);
    const reads = [pool.reads('SELECT 1', many, 't1', 'key'), pool.reads('SELECT 1', ['a'], 't1', 'key'), pool.reads('SELECT 1', ['b', 'c'], 't1', 'key')];
    await pool.lend();
    await pool.lend();
    expect(pool.statements.map((s) => (s.params[0] as string[]).length)).toEqual([MAX_MERGED_KEYS, 2]);
    expect((await reads[2]!).map((r) => r.id)).toEqual([2, 4]);
  });

  it('a failed statement fails every read in it and hands the connection back with the error', async () => {
    const pool = fakePool(table);
    const boom = new Error('connection lost');
    pool.failWith(boom);
    const reads = Promise.allSettled([pool.reads('SELECT 1', ['a'], 't1', 'key'), pool.reads('SELECT 1', ['b'], 't1', 'key')]);
    await pool.lend();
    expect(await reads).toEqual([{ status: 'rejected', reason: boom }, { status: 'rejected', reason: boom }]);
    expect(pool.released).toEqual([boom]);
  });

  it('a pool that cannot lend fails the reads waiting for it', async () => {
    const boom = new Error('too many clients');
    const reads = mergeReads(() => Promise.reject(boom));
    expect(await Promise.allSettled([reads('SELECT 1', ['a'], 't1', 'key'), reads('SELECT 1', ['b'], 't1', 'key')])).toEqual([{ status: 'rejected', reason: boom }, { status: 'rejected', reason: boom }]);
  });
});

describe.each(['pglite', 'postgres'] as const)('merged reads on %s', (backend) => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  let merged: Database;
  let plain: Database;
  let prisma: PrismaClient;
  const T = uniqueName('Merged');
  const P = uniqueName('MergedParent');

  beforeAll(async () => {
    const PrismaClientClass = await loadFixtureClient();
    scratch = backend === 'postgres' ? await createScratchDatabase() : undefined;
    const subgraph = uniqueName('merged');
    merged = await openDatabase({ subgraph, migrationsDir: FIXTURE_MIGRATIONS, databaseUrl: scratch?.url });
    plain = await openDatabase({ subgraph, migrationsDir: FIXTURE_MIGRATIONS, databaseUrl: scratch?.url, mergedReads: false });
    prisma = new PrismaClientClass({ adapter: merged.adapter });
    // on Postgres both share the schema; each PGlite is its own database
    for (const run of backend === 'postgres' ? [merged.query] : [merged.query, plain.query]) {
      await run(`CREATE TABLE "${P}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL, "name" text)`);
      await run(`CREATE TABLE "${T}" ("id" text PRIMARY KEY, "tenantId" text NOT NULL, "orderId" text NOT NULL, "position" integer, "amount" numeric(19,4), "parentId" text)`);
      await run(`INSERT INTO "${P}" VALUES ('p1', 'tA', 'one'), ('p2', 'tB', 'other tenant')`);
      await run(
        `INSERT INTO "${T}" VALUES ('l1', 'tA', 'o1', 2, 1.5, 'p1'), ('l2', 'tA', 'o1', 1, 2, NULL), ('l3', 'tA', 'o2', 1, 3, 'p1'), ('l4', 'tB', 'o1', 1, 4, 'p2'), ('l5', 'tA', 'o3', 1, 5, 'p2')`,
      );
    }
  }, 60_000);
  afterAll(async () => {
    await prisma?.$disconnect();
    await merged?.close();
    await plain?.close();
    await scratch?.drop();
  });

  const order = '"orderId", "position"';

  it('requests reading at once share one statement and get what each would have read alone', async () => {
    const asks: [string[], string][] = [[['o1'], 'tA'], [['o2', 'o1'], 'tA'], [['o3', 'nope'], 'tA'], [['o1'], 'tB']];
    const alone = [];
    for (const [keys, tenant] of asks) alone.push(await byKeysInTenant<Row>(plain.query, T, 'orderId', keys, tenant, order));
    merged.stats.statements = 0;
    const together = await Promise.all(asks.map(([keys, tenant]) => byKeysInTenant<Row>(merged.query, T, 'orderId', keys, tenant, order)));
    expect(merged.stats.statements).toBe(2); // tA's three reads in one, tB's alone
    expect(together).toEqual(alone);
    expect(together[0]!.map((r) => r.id)).toEqual(['l2', 'l1']);
    expect(together[3]!.map((r) => r.id)).toEqual(['l4']);
    expect(String(together[1]![0]!.amount)).toBe('2');
    // o1's rows went to two reads: each holds its own objects
    expect(together[1]!.find((r) => r.id === 'l1')).not.toBe(together[0]!.find((r) => r.id === 'l1'));
  });

  it('joined reads too: each row with its joined row of the same tenant', async () => {
    const join = { relation: 'parent', table: P, on: 'parentId', columns: ['id', 'tenantId', 'name'] };
    merged.stats.statements = 0;
    const [a, b] = await Promise.all([byKeysInTenantJoined<Row>(merged.query, T, 'id', ['l1', 'l5'], 'tA', join, '"id"'), byKeysInTenantJoined<Row>(merged.query, T, 'id', ['l1', 'l3'], 'tA', join, '"id"')]);
    expect(merged.stats.statements).toBe(1);
    expect(a!.map((r) => [r.id, joinedRow<Row>(r, 'parent')?.name ?? null])).toEqual([['l1', 'one'], ['l5', null]]); // p2 is another tenant's
    expect(b!.map((r) => [r.id, joinedRow<Row>(r, 'parent')?.name ?? null])).toEqual([['l1', 'one'], ['l3', 'one']]);
    expect(a![0]).not.toBe(b![0]);
    expect(Object.keys(a![0]!)).not.toContain('parent.name');
  });

  it('a transaction’s reads are its own statements, on its connection', async () => {
    merged.stats.statements = 0;
    const rows = await sqlTransactionFor(prisma)(async (sql, last) => {
      const [x, y] = await Promise.all([byKeysInTenant<Row>(sql, T, 'orderId', ['o1'], 'tA', order), byKeysInTenant<Row>(sql, T, 'orderId', ['o2'], 'tA', order)]);
      await last('SELECT 1');
      return [...x, ...y];
    });
    expect(merged.stats.statements).toBe(3);
    expect(rows.map((r) => r.id)).toEqual(['l2', 'l1', 'l3']);
  });

  it('off (DATABASE_MERGED_READS=off or mergedReads: false): one statement per read', async () => {
    plain.stats.statements = 0;
    await Promise.all([byKeysInTenant(plain.query, T, 'orderId', ['o1'], 'tA'), byKeysInTenant(plain.query, T, 'orderId', ['o2'], 'tA')]);
    expect(plain.stats.statements).toBe(2);
    expect(sqlFor(prisma)).toBe(merged.query);
  });
});
