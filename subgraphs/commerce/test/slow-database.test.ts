// Issue 14 (found by `npm run chaos`): on a busy database host the demo seed's batch transaction took longer than
// Prisma's default 5 s and the subgraph process died while starting; consumers' handleOnce transactions shared the
// default. Every subgraph's client now allows 30 s (TRANSACTION_OPTIONS of @omniroute/db).
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
