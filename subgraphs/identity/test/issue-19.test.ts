// Issue 19: the tenant filters of identity's writes that take a partner app id. Accra's ADMIN, given a Lagos app id,
// gets NOT_FOUND from updatePartnerApp, createApiKey(partnerAppId) and registerPersistedQueries, and the Lagos app
// — and its keys — stay as they were. Then the survivors of the mutation run over api-keys.service.ts: what
// createApiKey refuses (code, message, field) and where each limit lies, the gateway lookup's expiry instant, and
// the batch that records key use. Then those of partner-apps.service.ts: each limit's range, the slug a name gives,
// names, SLUG_TAKEN, what an update leaves alone, the tenant's one Default app, the listing's tenant and pages.
// In-memory PGlite, seeded; no Redis (changes stay in process).
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Role, Viewer } from '@omniroute/core';
import { createScope } from '@omniroute/core/kit';
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

const CREATE_KEY = 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id name scopes expiresAt } secret userErrors { code field message } } }';
const LOOKUP = 'query($h: String!) { _gatewayApiKey(secretHash: $h) { id expiresAt } }';
const RECORD_USE = 'mutation($i: GatewayApiKeyUseInput!) { _gatewayRecordApiKeyUse(input: $i) }';
const createKey = async (i: Record<string, unknown>, viewer: Viewer = LAGOS_ADMIN) => (await call(viewer, CREATE_KEY, { i })).data.createApiKey;
const asGateway = (query: string, variables: Record<string, unknown>) =>
  callSubgraph({ url, name: 'identity' }, SECRET, null, query, variables, 'gateway');
const lookup = async (secret: string) => (await asGateway(LOOKUP, { h: createHash('sha256').update(secret).digest('hex') })).data._gatewayApiKey;
/** A request scope for calling a service directly (branches GraphQL cannot reach). */
const serviceScope = (viewer: Viewer | null, caller?: 'gateway') => createScope({ requestId: `issue-19-${randomUUID()}`, viewer, ...(caller ? { caller } : {}) }, sg.prisma, {});
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
    const scope = serviceScope(LAGOS_ADMIN);
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

const APP = 'id name slug persistedQueryMode disabled limits { maxDepth maxAliases maxRootFields maxCost requestsPerMinute maxConcurrentOperations maxSubscriptions }';
const CREATE_APP = `mutation($i: CreatePartnerAppInput!) { createPartnerApp(input: $i) { partnerApp { ${APP} } userErrors { code field message } } }`;
const UPDATE_APP = `mutation($i: UpdatePartnerAppInput!) { updatePartnerApp(input: $i) { partnerApp { ${APP} } userErrors { code field message } } }`;
const RANGES = {
  maxDepth: [1, 50], maxAliases: [0, 1000], maxRootFields: [1, 100], maxCost: [1, 1_000_000],
  requestsPerMinute: [1, 100_000], maxConcurrentOperations: [1, 10_000], maxSubscriptions: [1, 100_000],
} as const;
const NO_LIMITS = Object.fromEntries(Object.keys(RANGES).map((k) => [k, null]));
const createApp = async (i: Record<string, unknown>, viewer: Viewer) => (await call(viewer, CREATE_APP, { i })).data.createPartnerApp;
const updateApp = async (i: Record<string, unknown>, viewer: Viewer) => (await call(viewer, UPDATE_APP, { i })).data.updatePartnerApp;
const stored = (id: string) => sg.prisma.partnerApp.findUniqueOrThrow({ where: { id } });
const invalid = (message: string, ...field: string[]) => ({ partnerApp: null, userErrors: [{ code: 'INVALID_INPUT', message, field: ['input', ...field] }] });
const NAME_RULE = 'name must be 1–200 characters';
let tenants = 0;
/** A tenant of its own (no apps yet) and its ADMIN: what a test lists or races on is then only what it made. */
const newTenant = async (): Promise<Viewer> => {
  const id = `tnt_ISSUE19P${++tenants}`;
  await sg.prisma.tenant.create({ data: { id, tenantId: id, slug: `issue-19-apps-${tenants}`, name: `Issue 19 apps ${tenants}`, defaultCurrency: 'NGN', country: 'NG', timeZone: 'Africa/Lagos' } });
  return { tenantId: id, userId: `usr_ISSUE19P${tenants}`, roles: ['ADMIN'], scopes: [] };
};
/** A viewer whose tenant is not in the database (deleted under a still-valid session): writes fail on the foreign key. */
const GHOST_ADMIN: Viewer = { tenantId: 'tnt_GONE', userId: 'usr_GONE00000001', roles: ['ADMIN'], scopes: [] };

describe('partner-apps.service: limits, slugs, names, updates, the default app, the listing (issue 19, mutation survivors)', () => {
  let admin: Viewer;
  beforeAll(async () => {
    admin = await newTenant();
  });
  afterEach(() => void vi.useRealTimers());

  it('each limit: its exact minimum and maximum are stored, one past either end is refused with the range and field; a null limit is left out', async () => {
    const min = Object.fromEntries(Object.entries(RANGES).map(([k, [lo]]) => [k, lo]));
    const max = Object.fromEntries(Object.entries(RANGES).map(([k, [, hi]]) => [k, hi]));
    expect(await createApp({ name: 'At the minimums', limits: min }, admin)).toMatchObject({ partnerApp: { limits: min }, userErrors: [] });
    expect(await createApp({ name: 'At the maximums', limits: max }, admin)).toMatchObject({ partnerApp: { limits: max }, userErrors: [] });
    const apps = await sg.prisma.partnerApp.count();
    for (const [k, [lo, hi]] of Object.entries(RANGES)) {
      for (const v of [lo - 1, hi + 1]) {
        expect(await createApp({ name: `Out of range ${k}`, limits: { ...min, [k]: v } }, admin), `${k}: ${v}`).toEqual(invalid(`${k} must be an integer between ${lo} and ${hi}`, 'limits', k));
      }
    }
    expect(await sg.prisma.partnerApp.count()).toBe(apps);
    const some = await createApp({ name: 'Some limits', limits: { maxDepth: null, maxCost: 7 } }, admin);
    expect(some).toMatchObject({ partnerApp: { limits: { ...NO_LIMITS, maxCost: 7 } }, userErrors: [] });
    expect((await stored(some.partnerApp.id)).limits).toEqual({ maxCost: 7 });
  });

  it("the service skips a limit it does not know and refuses a fractional one (GraphQL's input type and Int stop both before they get there)", async () => {
    const scope = serviceScope(admin);
    const unknown = await sg.services.partnerApps.create(scope as never, { name: 'Unknown limit', limits: { maxDepth: 3, burstSize: 9 } as never });
    expect(unknown.ok && unknown.value.limits).toEqual({ maxDepth: 3 });
    expect(await sg.services.partnerApps.create(scope as never, { name: 'Fractional limit', limits: { maxCost: 10, maxDepth: 2.5 } })).toEqual({
      ok: false, errors: [{ code: 'INVALID_INPUT', message: 'maxDepth must be an integer between 1 and 50', field: ['input', 'limits', 'maxDepth'] }],
    });
  });

  it("createPartnerApp derives the slug from the trimmed name: lower case, accents dropped, other characters one dash, none at either end, cut at 64; 'app' when nothing is left", async () => {
    const cases: [string, string][] = [
      ['  --ACME   Wholesale, Ltd.--  ', 'acme-wholesale-ltd'],
      ['São Paulo Crème Brûlée', 'sao-paulo-creme-brulee'],
      ['x'.repeat(70), 'x'.repeat(64)],
      [`${'y'.repeat(63)} tail`, 'y'.repeat(63)], // the cut falls on a dash, which goes
      ['¡¿!! …', 'app'],
    ];
    for (const [name, slug] of cases) {
      const r = await createApp({ name }, admin);
      expect(r, name).toMatchObject({ partnerApp: { name: name.trim(), slug, persistedQueryMode: 'ALLOW_ALL', disabled: false, limits: NO_LIMITS }, userErrors: [] });
      expect(r.partnerApp.id).toMatch(/^papp_[0-9A-Z]{26}$/);
    }
  });

  it('an explicit slug is taken as given when valid, refused with its message and field when not', async () => {
    expect(await createApp({ name: 'Explicit', slug: 'b2b-portal-2' }, admin)).toMatchObject({ partnerApp: { name: 'Explicit', slug: 'b2b-portal-2' }, userErrors: [] });
    const apps = await sg.prisma.partnerApp.count();
    for (const slug of ['B2B', 'b2b portal', '-b2b', 'b2b-', 'b'.repeat(65)]) {
      expect(await createApp({ name: 'Explicit', slug }, admin), slug).toEqual(invalid('slug must be lowercase letters, digits and dashes (at most 64)', 'slug'));
    }
    expect(await sg.prisma.partnerApp.count()).toBe(apps);
  });

  it('createPartnerApp and updatePartnerApp take a name of 1–200 characters after trimming, and refuse others with the message and field', async () => {
    const apps = await sg.prisma.partnerApp.count();
    for (const name of ['   ', 'n'.repeat(201)]) expect(await createApp({ name }, admin), name).toEqual(invalid(NAME_RULE, 'name'));
    expect(await sg.prisma.partnerApp.count()).toBe(apps);
    const made = await createApp({ name: ` ${'n'.repeat(200)} ` }, admin);
    expect(made).toMatchObject({ partnerApp: { name: 'n'.repeat(200) }, userErrors: [] });
    const id = made.partnerApp.id;
    for (const name of ['   ', 'm'.repeat(201)]) expect(await updateApp({ id, name }, admin), name).toEqual(invalid(NAME_RULE, 'name'));
    expect((await stored(id)).name).toBe('n'.repeat(200));
    expect(await updateApp({ id, name: ` ${'m'.repeat(200)} ` }, admin)).toMatchObject({ partnerApp: { id, name: 'm'.repeat(200) }, userErrors: [] });
  });

  it('a slug the tenant already has is SLUG_TAKEN with its message and field; another tenant may have the same slug', async () => {
    expect((await createApp({ name: 'Dup Shop' }, admin)).partnerApp.slug).toBe('dup-shop');
    const taken = { partnerApp: null, userErrors: [{ code: 'SLUG_TAKEN', message: 'The tenant already has an app with slug "dup-shop"', field: ['input', 'slug'] }] };
    expect(await createApp({ name: 'Dup  Shop!' }, admin)).toEqual(taken);
    expect(await createApp({ name: 'Another', slug: 'dup-shop' }, admin)).toEqual(taken);
    expect(await createApp({ name: 'Dup Shop' }, LAGOS_ADMIN)).toMatchObject({ partnerApp: { slug: 'dup-shop' }, userErrors: [] });
  });

  it('a create that fails for another reason than the slug (the tenant is gone) is an internal error, not SLUG_TAKEN', async () => {
    const r = await call(GHOST_ADMIN, CREATE_APP, { i: { name: 'Orphan' } });
    expect(r.data).toBeNull();
    expect(r.errors).toMatchObject([{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
  });

  it('updatePartnerApp: NOT_FOUND for an unknown id; disabling keeps the first disabledAt, an omitted `disabled` or `limits` leaves them, given limits replace, null clears', async () => {
    expect(await updateApp({ id: 'papp_nope', disabled: true }, admin)).toEqual({ partnerApp: null, userErrors: [{ code: 'NOT_FOUND', message: 'No such partner app', field: ['input', 'id'] }] });
    const limits = { ...NO_LIMITS, maxDepth: 5, maxCost: 100 };
    const id = (await createApp({ name: 'To update', limits }, admin)).partnerApp.id;
    const t = Date.parse('2026-03-01T08:00:00.000Z');
    vi.setSystemTime(t);
    expect(await updateApp({ id, disabled: true }, admin)).toMatchObject({ partnerApp: { disabled: true, limits }, userErrors: [] });
    expect((await stored(id)).disabledAt?.toISOString()).toBe(new Date(t).toISOString());
    vi.setSystemTime(t + 60_000);
    expect(await updateApp({ id, disabled: true }, admin)).toMatchObject({ partnerApp: { disabled: true }, userErrors: [] });
    expect((await stored(id)).disabledAt?.toISOString()).toBe(new Date(t).toISOString());
    expect(await updateApp({ id, name: 'Renamed', persistedQueryMode: 'ENFORCE' }, admin)).toMatchObject({ partnerApp: { name: 'Renamed', persistedQueryMode: 'ENFORCE', disabled: true, limits }, userErrors: [] });
    expect(await stored(id)).toMatchObject({ disabledAt: new Date(t), limits: { maxDepth: 5, maxCost: 100 } });
    expect(await updateApp({ id, limits: { requestsPerMinute: 60 } }, admin)).toMatchObject({ partnerApp: { disabled: true, limits: { ...NO_LIMITS, requestsPerMinute: 60 } }, userErrors: [] });
    expect(await updateApp({ id, limits: { requestsPerMinute: 100_001 } }, admin)).toEqual(invalid('requestsPerMinute must be an integer between 1 and 100000', 'limits', 'requestsPerMinute'));
    expect((await stored(id)).limits).toEqual({ requestsPerMinute: 60 });
    expect(await updateApp({ id, limits: null, disabled: false }, admin)).toMatchObject({ partnerApp: { name: 'Renamed', disabled: false, limits: NO_LIMITS }, userErrors: [] });
    expect(await stored(id)).toMatchObject({ disabledAt: null, limits: null });
  });

  it("keys made without an app share the tenant's one Default app, made by the first of them", async () => {
    const viewer = await newTenant();
    const KEY = 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { partnerApp { id name slug } } userErrors { code } } }';
    const made = await Promise.all([1, 2].map(async (n) => (await call(viewer, KEY, { i: { name: `key ${n}` } })).data.createApiKey));
    expect(made[0]).toMatchObject({ apiKey: { partnerApp: { name: 'Default', slug: 'default' } }, userErrors: [] });
    expect(made[1]).toEqual(made[0]);
    expect((await call(viewer, KEY, { i: { name: 'later' } })).data.createApiKey).toEqual(made[0]);
    const apps = await sg.prisma.partnerApp.findMany({ where: { tenantId: viewer.tenantId } });
    expect(apps).toMatchObject([{ id: made[0].apiKey.partnerApp.id, name: 'Default', slug: 'default' }]);
    expect(apps[0]!.id).toMatch(/^papp_[0-9A-Z]{26}$/);
  });

  // Over HTTP the two requests above never race on PGlite: a request's queries run to the end without yielding to the
  // next request (measured: 2, 5 and 10 concurrent createApiKey, none reached the unique-key catch). Two service calls
  // started together do interleave (find, find, create, create), as two subgraph instances on Postgres would.
  it('two keys made at once without an app, on a tenant without its Default app yet: both made, on the same one app (the service directly)', async () => {
    const viewer = await newTenant();
    const made = await Promise.all(['racer 1', 'racer 2'].map((name) => sg.services.apiKeys.create(serviceScope(viewer) as never, { name })));
    expect(made.map((r) => r.ok)).toEqual([true, true]);
    const apps = await sg.prisma.partnerApp.findMany({ where: { tenantId: viewer.tenantId } });
    expect(apps).toMatchObject([{ name: 'Default', slug: 'default' }]);
    expect(made.map((r) => r.ok && r.value.apiKey.partnerAppId)).toEqual([apps[0]!.id, apps[0]!.id]);
  });

  it("the default app's write failing for another reason than the race (the tenant is gone) rethrows that error (the service directly: GraphQL masks both to INTERNAL_SERVER_ERROR)", async () => {
    await expect(sg.services.partnerApps.defaultApp(serviceScope(GHOST_ADMIN) as never)).rejects.toMatchObject({ code: 'P2003' });
  });

  it("partnerApps lists only the caller's tenant's apps, in id order, a page at a time", async () => {
    const viewer = await newTenant();
    // made under a clock that steps back: their ids (time first) sort opposite to the order the table holds them in
    const made: string[] = [];
    const t = Date.now();
    for (const [n, name] of ['List A', 'List B', 'List C'].entries()) {
      vi.setSystemTime(t - n * 1000);
      made.push((await createApp({ name }, viewer)).partnerApp.id);
    }
    vi.useRealTimers();
    const ids = [...made].sort();
    expect(ids).toEqual([...made].reverse());
    const LIST = 'query($first: Int, $after: String) { partnerApps(first: $first, after: $after) { edges { node { id } } pageInfo { hasNextPage endCursor } } }';
    const page = async (vars: Record<string, unknown>) => {
      const p = (await call(viewer, LIST, vars)).data.partnerApps;
      return { ids: p.edges.map((e: { node: { id: string } }) => e.node.id), hasNextPage: p.pageInfo.hasNextPage, endCursor: p.pageInfo.endCursor };
    };
    expect(await page({})).toMatchObject({ ids, hasNextPage: false });
    const first = await page({ first: 2 });
    expect(first).toMatchObject({ ids: ids.slice(0, 2), hasNextPage: true });
    expect(await page({ first: 2, after: first.endCursor })).toMatchObject({ ids: ids.slice(2), hasNextPage: false });
  });

  it("the gateway-only safelist refuses any other caller with FORBIDDEN 'Internal field' (the service directly: the field's policy refuses before it)", async () => {
    const policy = await call(LAGOS_ADMIN, 'query($a: ID!) { _gatewayPersistedOperations(partnerAppId: $a) { id } }', { a: lagosApp });
    expect(policy.errors?.[0]).toMatchObject({ message: 'Query._gatewayPersistedOperations is internal', extensions: { code: 'FORBIDDEN' } });
    let thrown: unknown;
    try {
      await sg.services.partnerApps.gatewayOperations(serviceScope(LAGOS_ADMIN) as never, lagosApp);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toMatchObject({ message: 'Internal field', extensions: { code: 'FORBIDDEN' } });
    expect(await sg.services.partnerApps.gatewayOperations(serviceScope(null, 'gateway') as never, lagosApp)).toEqual([]);
  });

  it('registerPersistedQueries: an unknown app is NOT_FOUND with its message and field', async () => {
    const r = await call(admin, 'mutation($i: RegisterPersistedQueriesInput!) { registerPersistedQueries(input: $i) { partnerApp { id } registered userErrors { code field message } } }', {
      i: { partnerAppId: 'papp_nope', manifest: JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: [] }) },
    });
    expect(r.data.registerPersistedQueries).toEqual({ partnerApp: null, registered: 0, userErrors: [{ code: 'NOT_FOUND', message: 'No such partner app', field: ['input', 'partnerAppId'] }] });
  });
});
