import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { callSubgraph, createTestDatabase, nodes } from '@omniroute/testkit';
import { create } from '../src/server.ts';

// The same subgraph on a real Postgres (its own PG schema), where transactions really run concurrently.
const SECRET = 'workforce-pg-secret';
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;
const finance: Viewer = { tenantId: 'tnt_LAGOS', userId: 'usr_LAGOS000002', roles: ['FINANCE'], scopes: [] };

beforeAll(async () => {
  database = await createTestDatabase('omniroute_workforce');
  sg = await create({ secret: SECRET, databaseUrl: database.url });
  await sg.seed();
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  await database?.drop();
});

describe('workforce on Postgres', () => {
  it('serves seeded workers and batches references into one statement', async () => {
    const r = await callSubgraph({ url, name: 'workforce' }, SECRET, finance, '{ workers(first: 100) { edges { node { id level { name } balance { amount currencyCode } } } } }');
    expect(r.errors).toBeUndefined();
    expect(nodes(r.data.workers)).toHaveLength(36);
    sg.db.stats.statements = 0;
    const refs = Array.from({ length: 50 }, (_, i) => ({ __typename: 'Worker', id: `wrk_LAGOS${String((i % 36) + 1).padStart(6, '0')}` }));
    const e = await callSubgraph({ url, name: 'workforce' }, SECRET, finance, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on Worker { name level { name } } } }', { r: refs });
    expect(e.data._entities).toHaveLength(50);
    expect(e.data._entities.every((w: any) => w?.level?.name)).toBe(true);
    expect(sg.db.stats.statements).toBe(1);
  });

  it('never takes a balance below zero under concurrent withdrawals', async () => {
    const w = await sg.prisma.worker.findFirstOrThrow({ where: { tenantId: 'tnt_LAGOS', balance: { gt: 100 } }, orderBy: { id: 'asc' } });
    const balance = Number(w.balance.toString());
    const share = Math.floor((balance / 3) * 100) / 100 + 0.01; // any three of them exceed the balance
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        callSubgraph({ url, name: 'workforce' }, SECRET, finance, 'mutation($i: RequestWithdrawalInput!) { requestWithdrawal(input: $i) { withdrawal { id } userErrors { code } } }', {
          i: { workerId: w.id, amount: share.toFixed(2), idempotencyKey: `pg-${i % 4}` }, // keys 0 and 1 are retried concurrently
        }),
      ),
    );
    const paid = new Set(runs.map((r) => r.data.requestWithdrawal.withdrawal?.id).filter(Boolean));
    expect(paid.size).toBe(2);
    expect(runs.filter((r) => r.data.requestWithdrawal.userErrors[0]?.code === 'INSUFFICIENT_BALANCE').length).toBeGreaterThan(0);
    const after = await sg.prisma.worker.findUniqueOrThrow({ where: { id: w.id } });
    expect(after.balance.toFixed(2)).toBe((balance - 2 * share).toFixed(2));
    expect(after.balance.gte(0)).toBe(true);
  });
});
