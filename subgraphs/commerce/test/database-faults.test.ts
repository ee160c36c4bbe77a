// Issue 14, found by `npm run chaos`: (1) on a busy database host the demo seed's batch transaction took longer
// than Prisma's default 5 s and the subgraph process died while starting (consumers' handleOnce transactions shared
// the default); every subgraph's client now allows 30 s (TRANSACTION_OPTIONS of @omniroute/db). (2) A Postgres
// connection terminated while a transaction held it (pg_terminate_backend, a server restart) emitted 'error' on a
// pg Client nobody listened to, which killed the process; now the transaction fails and the pool recovers.
import { afterAll, beforeAll, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase } from '@omniroute/testkit';
import { create } from '../src/server.ts';

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let sg: Awaited<ReturnType<typeof create>>;

beforeAll(async () => {
  db = await createTestDatabase('omniroute_slowdb');
  sg = await create({ secret: 'slow-database-secret', databaseUrl: db.url });
}, 60_000);
afterAll(async () => {
  await sg?.close();
  await db?.drop();
});

it('seeds while another transaction holds a table it writes for 6 s', async () => {
  const other = new pg.Client({ connectionString: db.url });
  await other.connect();
  await other.query('BEGIN');
  await other.query('LOCK TABLE commerce."Category" IN ACCESS EXCLUSIVE MODE');
  const seeded = sg.seed();
  await new Promise((r) => setTimeout(r, 6_000));
  await other.query('COMMIT');
  await other.end();
  await expect(seeded).resolves.toBeUndefined();
  expect(await sg.prisma.category.count()).toBeGreaterThan(0);
}, 60_000);

it('a connection terminated inside an open transaction fails that transaction, not the process', async () => {
  const tx = sg.prisma.$transaction(async (t) => {
    await t.$queryRawUnsafe('SELECT 1');
    await new Promise((r) => setTimeout(r, 1_500)); // holding the connection between two statements, as the relay does
    await t.$queryRawUnsafe('SELECT 1');
  });
  const settled = tx.then(() => 'committed', () => 'failed');
  await new Promise((r) => setTimeout(r, 500));
  const admin = new pg.Client({ connectionString: db.url });
  await admin.connect();
  const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
  await admin.end();
  expect(rowCount).toBeGreaterThan(0);
  expect(await settled).toBe('failed');
  // the pool opens new connections: the subgraph goes on (an uncaught 'error' would have failed this file)
  expect(await sg.prisma.category.count()).toBeGreaterThan(0);
}, 60_000);
