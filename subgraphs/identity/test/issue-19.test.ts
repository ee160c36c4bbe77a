// Issue 19: the tenant filters of identity's writes that take a partner app id. Accra's ADMIN, given a Lagos app id,
// gets NOT_FOUND from updatePartnerApp, createApiKey(partnerAppId) and registerPersistedQueries, and the Lagos app
// — and its keys — stay as they were. In-memory PGlite, seeded; no Redis (changes stay in process).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '@omniroute/core';
import { callSubgraph } from '@omniroute/testkit';
import { create } from '../src/server.ts';

const SECRET = 'identity-issue-19-secret';
const LAGOS_ADMIN: Viewer = { tenantId: 'tnt_LAGOS', userId: 'usr_LAGOS000001', roles: ['ADMIN'], scopes: [] };
const ACCRA_ADMIN: Viewer = { tenantId: 'tnt_ACCRA', userId: 'usr_ACCRA000001', roles: ['ADMIN'], scopes: [] };

let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;
let lagosApp: string;
const changes: { kind: string; id: string }[] = [];

const call = (viewer: Viewer, query: string, variables: Record<string, unknown> = {}) => callSubgraph({ url, name: 'identity' }, SECRET, viewer, query, variables);
/** The Lagos app and every key of both tenants, as stored. */
const state = async () => ({
  app: await sg.prisma.partnerApp.findUniqueOrThrow({ where: { id: lagosApp } }),
  keys: await sg.prisma.apiKey.findMany({ orderBy: { id: 'asc' } }),
  apps: await sg.prisma.partnerApp.count(),
});

beforeAll(async () => {
  sg = await create({ secret: SECRET, jwtSecret: 'jwt' });
  sg.changes.subscribe((c) => void changes.push(c));
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
  const r = await call(LAGOS_ADMIN, 'mutation($i: CreatePartnerAppInput!) { createPartnerApp(input: $i) { partnerApp { id } userErrors { code } } }', { i: { name: 'Lagos Shop', persistedQueryMode: 'ALLOW_ALL' } });
  expect(r.data.createPartnerApp.userErrors).toEqual([]);
  lagosApp = r.data.createPartnerApp.partnerApp.id;
  const key = await call(LAGOS_ADMIN, 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { userErrors { code } } }', { i: { name: 'lagos key', partnerAppId: lagosApp, roles: ['SALES_REP'] } });
  expect(key.data.createApiKey.userErrors).toEqual([]);
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

describe("identity writes given another tenant's partner app (issue 19)", () => {
  it('updatePartnerApp: NOT_FOUND on input.id; the Lagos app unchanged, no change announced', async () => {
    const before = await state();
    const heard = changes.length;
    const r = await call(ACCRA_ADMIN, 'mutation($i: UpdatePartnerAppInput!) { updatePartnerApp(input: $i) { partnerApp { id } userErrors { code field } } }', {
      i: { id: lagosApp, name: 'Taken over', persistedQueryMode: 'ENFORCE', limits: { maxDepth: 2 } },
    });
    expect(r.data.updatePartnerApp).toMatchObject({ partnerApp: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'id'] }] });
    expect(await state()).toEqual(before);
    expect(changes.length).toBe(heard);
    // the control: Lagos itself may update it
    const own = await call(LAGOS_ADMIN, 'mutation($i: UpdatePartnerAppInput!) { updatePartnerApp(input: $i) { partnerApp { name } userErrors { code } } }', { i: { id: lagosApp, name: 'Lagos Shop 2' } });
    expect(own.data.updatePartnerApp).toMatchObject({ partnerApp: { name: 'Lagos Shop 2' }, userErrors: [] });
  });

  it('createApiKey(partnerAppId): NOT_FOUND on input.partnerAppId; no key made in either tenant', async () => {
    const before = await state();
    expect(before.keys.length).toBeGreaterThan(0);
    const r = await call(ACCRA_ADMIN, 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id } secret userErrors { code field } } }', {
      i: { name: 'sneaky', partnerAppId: lagosApp, roles: ['SALES_REP'] },
    });
    expect(r.data.createApiKey).toMatchObject({ apiKey: null, secret: null, userErrors: [{ code: 'NOT_FOUND', field: ['input', 'partnerAppId'] }] });
    expect(await state()).toEqual(before);
  });

  it('registerPersistedQueries(partnerAppId): refused; the Lagos app keeps its operations', async () => {
    const before = await state();
    const ops = await sg.prisma.persistedOperation.count({ where: { partnerAppId: lagosApp } });
    const body = 'query Hijack { __typename }';
    const manifest = JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: createHash('sha256').update(body).digest('hex'), name: 'Hijack', type: 'query', body }] });
    const r = await call(ACCRA_ADMIN, 'mutation($i: RegisterPersistedQueriesInput!) { registerPersistedQueries(input: $i) { userErrors { code field } } }', { i: { partnerAppId: lagosApp, manifest, replace: true } });
    expect(r.data.registerPersistedQueries.userErrors).toMatchObject([{ code: 'NOT_FOUND', field: ['input', 'partnerAppId'] }]);
    expect(await state()).toEqual(before);
    expect(await sg.prisma.persistedOperation.count({ where: { partnerAppId: lagosApp } })).toBe(ops);
  });
});
