// Issue 19: the tenant filters of identity's writes that take a partner app id. Accra's ADMIN, given a Lagos app id,
// gets NOT_FOUND from updatePartnerApp, createApiKey(partnerAppId) and registerPersistedQueries, and the Lagos app
// — and its keys — stay as they were. Then the survivors of the mutation run over api-keys.service.ts: what
// createApiKey refuses (code, message, field) and where each limit lies, the gateway lookup's expiry instant, and
// the batch that records key use. In-memory PGlite, seeded; no Redis (changes stay in process).
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { signInternalContext, type Role, type Viewer } from '@omniroute/core';
import { createScope } from '@omniroute/core/kit';
import { callSubgraph, gql } from '@omniroute/testkit';
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

const CREATE_KEY = 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id name scopes expiresAt } secret userErrors { code field message } } }';
const LOOKUP = 'query($h: String!) { _gatewayApiKey(secretHash: $h) { id expiresAt } }';
const RECORD_USE = 'mutation($i: GatewayApiKeyUseInput!) { _gatewayRecordApiKeyUse(input: $i) }';
const createKey = async (i: Record<string, unknown>, viewer: Viewer = LAGOS_ADMIN) => (await call(viewer, CREATE_KEY, { i })).data.createApiKey;
const asGateway = (query: string, variables: Record<string, unknown>) =>
  gql(url, query, variables, undefined, signInternalContext({ requestId: randomUUID(), viewer: null, caller: 'gateway' }, { secret: SECRET, audience: 'identity' }));
const lookup = async (secret: string) => (await asGateway(LOOKUP, { h: createHash('sha256').update(secret).digest('hex') })).data._gatewayApiKey;
const fifty = Array.from({ length: 50 }, (_, n) => `area${n}:read`);

describe('api-keys.service: what createApiKey refuses, the lookup at expiry, the use batch (issue 19, mutation survivors)', () => {
  afterEach(() => void vi.useRealTimers());

  it('createApiKey refuses each bad input with its code, message and field, and stores nothing', async () => {
    const keys = await sg.prisma.apiKey.count();
    const invalid = (message: string, field: string) => ({ code: 'INVALID_INPUT', message, field: ['input', field] });
    const scope = (text: string) => invalid(`Invalid scope "${text}" (lowercase area:action)`, 'scopes');
    const cases: [Record<string, unknown>, { code: string; message: string; field: string[] }, Viewer?][] = [
      [{ name: '   ' }, invalid('name must be 1–200 characters', 'name')],
      [{ name: 'n'.repeat(201) }, invalid('name must be 1–200 characters', 'name')],
      [{ name: 'k', roles: ['SALES_REP', 'ADMIN'] }, { code: 'ROLE_NOT_GRANTABLE', message: 'API keys cannot be granted ADMIN', field: ['input', 'roles'] }],
      [{ name: 'k', scopes: [...fifty, 'area50:read'] }, invalid('At most 50 scopes', 'scopes')],
      [{ name: 'k', scopes: ['orders:read', 'Finance Read'] }, scope('Finance Read')],
      [{ name: 'k', scopes: ['X'.repeat(70)] }, scope('X'.repeat(60))],
      [{ name: 'k', scopes: ['internal:gateway'] }, scope('internal:gateway')],
      [{ name: 'k', expiresAt: new Date(Date.now() - 1000).toISOString() }, invalid('expiresAt must be in the future', 'expiresAt')],
      [{ name: 'k', partnerAppId: 'papp_nope' }, { code: 'NOT_FOUND', message: 'No such partner app', field: ['input', 'partnerAppId'] }],
      [{ name: 'k', partnerAppId: lagosApp }, { code: 'NOT_FOUND', message: 'No such partner app', field: ['input', 'partnerAppId'] }, ACCRA_ADMIN],
    ];
    for (const [i, error, viewer] of cases) expect(await createKey(i, viewer), JSON.stringify(i).slice(0, 120)).toEqual({ apiKey: null, secret: null, userErrors: [error] });
    expect(await sg.prisma.apiKey.count()).toBe(keys);
  });

  it("the service itself refuses a role it does not know (GraphQL's Role enum stops one before it gets there)", async () => {
    const scope = createScope({ requestId: 'issue-19-unknown-role', viewer: LAGOS_ADMIN }, sg.prisma, {});
    expect(await sg.services.apiKeys.create(scope as never, { name: 'k', roles: ['SALES_REP', 'OWNER' as Role] })).toEqual({
      ok: false, errors: [{ code: 'INVALID_INPUT', message: 'Unknown role', field: ['input', 'roles'] }],
    });
  });

  it('createApiKey accepts the edges: a 200-character name (trimmed), 50 distinct scopes (a repeat collapses), an expiry 1 ms ahead — not one at this instant', async () => {
    const name = 'n'.repeat(200);
    const edge = await createKey({ name: ` ${name} `, scopes: [...fifty, fifty[0]] });
    expect(edge.userErrors).toEqual([]);
    expect(edge.apiKey).toMatchObject({ name, scopes: fifty });
    const now = Date.now();
    vi.setSystemTime(now);
    expect(await createKey({ name: 'expires now', expiresAt: new Date(now).toISOString() })).toEqual({
      apiKey: null, secret: null, userErrors: [{ code: 'INVALID_INPUT', message: 'expiresAt must be in the future', field: ['input', 'expiresAt'] }],
    });
    const ahead = await createKey({ name: 'expires in 1 ms', expiresAt: new Date(now + 1).toISOString() });
    expect(ahead.userErrors).toEqual([]);
    expect(ahead.apiKey.expiresAt).toBe(new Date(now + 1).toISOString());
  });

  it('the gateway lookup returns a key until the instant it expires, and null from that instant on', async () => {
    const t = Date.now();
    vi.setSystemTime(t);
    const expiresAt = new Date(t + 1000).toISOString();
    const k = await createKey({ name: 'expires in a second', expiresAt });
    expect(k.userErrors).toEqual([]);
    expect(await lookup(k.secret)).toEqual({ id: k.apiKey.id, expiresAt });
    vi.setSystemTime(t + 999);
    expect(await lookup(k.secret)).toEqual({ id: k.apiKey.id, expiresAt });
    vi.setSystemTime(t + 1000);
    expect(await lookup(k.secret)).toBeNull();
    vi.setSystemTime(t + 60_000);
    expect(await lookup(k.secret)).toBeNull();
  });

  it("the gateway lookup returns null for a disabled app's key (again a row once enabled) and for a revoked key", async () => {
    const app = await call(LAGOS_ADMIN, 'mutation($i: CreatePartnerAppInput!) { createPartnerApp(input: $i) { partnerApp { id } } }', { i: { name: 'Issue 19 Disable' } });
    const appId = app.data.createPartnerApp.partnerApp.id;
    const k = await createKey({ name: 'of a disabled app', partnerAppId: appId });
    const setDisabled = (disabled: boolean) => call(LAGOS_ADMIN, 'mutation($i: UpdatePartnerAppInput!) { updatePartnerApp(input: $i) { userErrors { code } } }', { i: { id: appId, disabled } });
    expect(await lookup(k.secret)).toEqual({ id: k.apiKey.id, expiresAt: null });
    expect((await setDisabled(true)).data.updatePartnerApp.userErrors).toEqual([]);
    expect(await lookup(k.secret)).toBeNull();
    await setDisabled(false);
    expect(await lookup(k.secret)).toEqual({ id: k.apiKey.id, expiresAt: null });
    const revoked = await call(LAGOS_ADMIN, 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }', { i: { id: k.apiKey.id } });
    expect(revoked.data.revokeApiKey.userErrors).toEqual([]);
    expect(await lookup(k.secret)).toBeNull();
  });

  it('recording use: an empty batch answers true and writes nothing; lastUsedAt only moves forward, and only for the keys named', async () => {
    const used = (await createKey({ name: 'used' })).apiKey.id;
    const other = (await createKey({ name: 'not used' })).apiKey.id;
    const record = async (ids: string[], at: string) => (await asGateway(RECORD_USE, { i: { ids, at } })).data._gatewayRecordApiKeyUse;
    const lastUsed = async (id: string) => (await sg.prisma.apiKey.findUniqueOrThrow({ where: { id } })).lastUsedAt?.toISOString() ?? null;
    const before = await sg.prisma.apiKey.findMany({ orderBy: { id: 'asc' } });
    sg.db.stats.statements = 0;
    expect(await record([], '2026-12-01T10:00:00.000Z')).toBe(true);
    expect(sg.db.stats.statements).toBe(0);
    expect(await sg.prisma.apiKey.findMany({ orderBy: { id: 'asc' } })).toEqual(before);

    expect(await record([used], '2026-12-01T10:00:00.000Z')).toBe(true);
    expect(await lastUsed(used)).toBe('2026-12-01T10:00:00.000Z');
    expect(await record([used], '2026-12-01T09:00:00.000Z')).toBe(true); // a late batch
    expect(await lastUsed(used)).toBe('2026-12-01T10:00:00.000Z');
    expect(await record([used], '2026-12-01T11:00:00.000Z')).toBe(true);
    expect(await lastUsed(used)).toBe('2026-12-01T11:00:00.000Z');
    expect(await lastUsed(other)).toBeNull();
  });
});
