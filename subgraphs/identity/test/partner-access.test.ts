// Issue 6 (partner access), identity side: partner apps, API keys (hashed, shown once, revocable), persisted-query
// manifests, and the gateway-only lookups behind the signed internal claim.
import { createHash, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInternalContext, type Viewer } from '@omniroute/core';
import { callSubgraph, eventually, gql, TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import type { IdentityChange } from '../src/modules/api-keys/identity-changes.ts';

const SECRET = 'identity-partner-test-secret';
const CHANNEL = `test:${randomUUID()}:identity:changes`;
const ADMIN: Viewer = { tenantId: 'tnt_LAGOS', userId: 'usr_LAGOS000001', roles: ['ADMIN'], scopes: [] };
const ACCRA_ADMIN: Viewer = { tenantId: 'tnt_ACCRA', userId: 'usr_ACCRA000001', roles: ['ADMIN'], scopes: [] };
const FINANCE: Viewer = { tenantId: 'tnt_LAGOS', userId: 'usr_LAGOS000002', roles: ['FINANCE'], scopes: [] };

let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;
let sub: Redis;
const heard: IdentityChange[] = [];
const local: IdentityChange[] = [];

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const asGateway = (query: string, variables: Record<string, unknown> = {}) =>
  callSubgraph({ url, name: 'identity' }, SECRET, null, query, variables, 'gateway');

beforeAll(async () => {
  sub = new Redis(REDIS_URL);
  await sub.subscribe(CHANNEL);
  sub.on('message', (_c, m) => heard.push(JSON.parse(m)));
  sg = await create({ secret: SECRET, jwtSecret: 'jwt', redisUrl: REDIS_URL, changesChannel: CHANNEL });
  sg.changes.subscribe((c) => local.push(c));
  await sg.seed();
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
  sub?.disconnect();
});

const CREATE_APP = 'mutation($i: CreatePartnerAppInput!) { createPartnerApp(input: $i) { partnerApp { id name slug persistedQueryMode limits { maxDepth maxCost requestsPerMinute } } userErrors { code field message } } }';
const CREATE_KEY = 'mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey { id name prefix roles scopes expiresAt lastUsedAt createdAt partnerApp { id slug } } secret userErrors { code field message } } }';
const LOOKUP = 'query($h: String!) { _gatewayApiKey(secretHash: $h) { id tenantId roles scopes partnerApp { id slug persistedQueryMode limits { maxDepth requestsPerMinute } } } }';

describe('partner apps and API keys (issue 6)', () => {
  let appId: string;
  let key: string;
  let keyId: string;

  it('ADMIN creates a partner app with a mode and limits; bad input is a userError', async () => {
    const r = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, CREATE_APP, { i: { name: 'Jumia Marketplace', persistedQueryMode: 'ENFORCE', limits: { maxDepth: 6, requestsPerMinute: 120 } } });
    expect(r.errors).toBeUndefined();
    expect(r.data.createPartnerApp.partnerApp).toMatchObject({ name: 'Jumia Marketplace', slug: 'jumia-marketplace', persistedQueryMode: 'ENFORCE', limits: { maxDepth: 6, maxCost: null, requestsPerMinute: 120 } });
    appId = r.data.createPartnerApp.partnerApp.id;
    const dup = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, CREATE_APP, { i: { name: 'Jumia again', slug: 'jumia-marketplace' } });
    expect(dup.data.createPartnerApp.userErrors[0].code).toBe('SLUG_TAKEN');
    const bad = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, CREATE_APP, { i: { name: 'x', limits: { maxDepth: 0 } } });
    expect(bad.data.createPartnerApp.userErrors[0]).toMatchObject({ code: 'INVALID_INPUT', field: ['input', 'limits', 'maxDepth'] });
  });

  it('ADMIN creates a key: the secret is returned once and only its sha256 is stored', async () => {
    const r = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, CREATE_KEY, { i: { name: 'sync', partnerAppId: appId, roles: ['SALES_REP'], scopes: ['orders:read', 'finance:read'] } });
    expect(r.errors).toBeUndefined();
    const p = r.data.createApiKey;
    expect(p.userErrors).toEqual([]);
    expect(p.secret).toMatch(/^omr_live_[a-z0-9]{12}_[A-Za-z0-9]{40}$/);
    expect(p.secret.split('_')[2]).toBe(p.apiKey.prefix);
    expect(p.apiKey).toMatchObject({ name: 'sync', roles: ['SALES_REP'], scopes: ['orders:read', 'finance:read'], lastUsedAt: null, partnerApp: { id: appId } });
    key = p.secret;
    keyId = p.apiKey.id;
    const row = await sg.prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(row.secretHash).toBe(sha(key));
    expect(JSON.stringify(row)).not.toContain(key.split('_')[3]);
    const list = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, '{ apiKeys(first: 10) { edges { node { id prefix } } pageInfo { hasNextPage } } }');
    expect(list.data.apiKeys.edges.map((e: any) => e.node.id)).toContain(keyId);
    expect(JSON.stringify(list)).not.toContain(key);
  });

  it('keys without an app go to the tenant default app; ADMIN, bad scopes and past expiry are refused', async () => {
    const r = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, CREATE_KEY, { i: { name: 'no app' } });
    expect(r.data.createApiKey.apiKey.partnerApp.slug).toBe('default');
    const again = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, CREATE_KEY, { i: { name: 'no app 2' } });
    expect(again.data.createApiKey.apiKey.partnerApp.id).toBe(r.data.createApiKey.apiKey.partnerApp.id);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'a', roles: ['ADMIN'] }, 'ROLE_NOT_GRANTABLE'],
      [{ name: 'a', scopes: ['Finance Read'] }, 'INVALID_INPUT'],
      [{ name: 'a', scopes: ['internal:gateway'] }, 'INVALID_INPUT'],
      [{ name: 'a', expiresAt: new Date(Date.now() - 1000).toISOString() }, 'INVALID_INPUT'],
      [{ name: ' ' }, 'INVALID_INPUT'],
      [{ name: 'a', partnerAppId: 'papp_nope' }, 'NOT_FOUND'],
    ];
    for (const [i, code] of cases) {
      const b = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, CREATE_KEY, { i });
      expect(b.data.createApiKey.userErrors[0]?.code, JSON.stringify(i)).toBe(code);
      expect(b.data.createApiKey.secret).toBeNull();
    }
  });

  it('only ADMIN manages keys and apps: other roles get FORBIDDEN, anonymous UNAUTHENTICATED, other tenants see nothing', async () => {
    for (const [viewer, code] of [[FINANCE, 'FORBIDDEN'], [{ tenantId: 'tnt_LAGOS', partnerId: appId, roles: ['PARTNER', 'SALES_REP'], scopes: ['finance:read'] } as Viewer, 'FORBIDDEN'], [null, 'UNAUTHENTICATED']] as const) {
      for (const q of ['{ apiKeys { edges { node { id } } } }', '{ partnerApps { edges { node { id } } } }']) {
        expect((await callSubgraph({ url, name: 'identity' }, SECRET, viewer, q)).errors?.[0]?.extensions?.code).toBe(code);
      }
      const m = await callSubgraph({ url, name: 'identity' }, SECRET, viewer, CREATE_KEY, { i: { name: 'x' } });
      expect(m.errors?.[0]?.extensions?.code).toBe(code);
    }
    const other = await callSubgraph({ url, name: 'identity' }, SECRET, ACCRA_ADMIN, '{ apiKeys { edges { node { id } } } partnerApp(id: "' + appId + '") { id } }');
    expect(other.data).toEqual({ apiKeys: { edges: [] }, partnerApp: null });
    const revokeOther = await callSubgraph({ url, name: 'identity' }, SECRET, ACCRA_ADMIN, 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { userErrors { code } } }', { i: { id: keyId } });
    expect(revokeOther.data.revokeApiKey.userErrors[0].code).toBe('NOT_FOUND');
  });

  it('the gateway lookup needs the signed internal claim; it returns the key with its app', async () => {
    const asAdmin = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, LOOKUP, { h: sha(key) });
    expect(asAdmin.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const forged = await gql(url, LOOKUP, { h: sha(key) }, undefined, signInternalContext({ requestId: 'x', viewer: null, caller: 'gateway' }, { secret: 'wrong', audience: 'identity' }));
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const r = await asGateway(LOOKUP, { h: sha(key) });
    expect(r.data._gatewayApiKey).toEqual({
      id: keyId, tenantId: 'tnt_LAGOS', roles: ['SALES_REP'], scopes: ['orders:read', 'finance:read'],
      partnerApp: { id: appId, slug: 'jumia-marketplace', persistedQueryMode: 'ENFORCE', limits: { maxDepth: 6, requestsPerMinute: 120 } },
    });
    expect((await asGateway(LOOKUP, { h: sha(key + 'x') })).data._gatewayApiKey).toBeNull();
    expect((await asGateway(LOOKUP, { h: 'not-hex' })).data._gatewayApiKey).toBeNull();
  });

  it('records last use in one batch statement', async () => {
    const at = new Date();
    sg.db.stats.statements = 0;
    const r = await asGateway('mutation($i: GatewayApiKeyUseInput!) { _gatewayRecordApiKeyUse(input: $i) }', { i: { ids: [keyId, 'key_unknown'], at: at.toISOString() } });
    expect(r.data._gatewayRecordApiKeyUse).toBe(true);
    expect(sg.db.stats.statements).toBe(1);
    const list = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, '{ apiKeys(first: 50) { edges { node { id lastUsedAt } } } }');
    expect(list.data.apiKeys.edges.find((e: any) => e.node.id === keyId).node.lastUsedAt).toBe(at.toISOString());
  });

  it('registers an Apollo manifest (checking every hash) and serves it to the gateway only', async () => {
    const body = 'query PartnerOrders { orders(first: 3) { edges { node { id } } } }';
    const manifest = { format: 'apollo-persisted-query-manifest', version: 1, operations: [{ id: sha(body), name: 'PartnerOrders', type: 'query', body }] };
    const REG = 'mutation($i: RegisterPersistedQueriesInput!) { registerPersistedQueries(input: $i) { registered partnerApp { persistedOperationCount } userErrors { code field } } }';
    local.length = 0;
    const r = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, REG, { i: { partnerAppId: appId, manifest: JSON.stringify(manifest) } });
    expect(r.data.registerPersistedQueries).toEqual({ registered: 1, partnerApp: { persistedOperationCount: 1 }, userErrors: [] });
    expect(local).toContainEqual({ kind: 'partner-app-changed', id: appId, tenantId: 'tnt_LAGOS' });
    const again = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, REG, { i: { partnerAppId: appId, manifest: JSON.stringify(manifest) } });
    expect(again.data.registerPersistedQueries.partnerApp.persistedOperationCount).toBe(1);
    const wrong = { ...manifest, operations: [{ ...manifest.operations[0], body: body + ' ' }] };
    for (const [m, code] of [[wrong, 'HASH_MISMATCH'], [{ ...manifest, format: 'x' }, 'INVALID_MANIFEST'], ['{', 'INVALID_MANIFEST']] as const) {
      const b = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, REG, { i: { partnerAppId: appId, manifest: typeof m === 'string' ? m : JSON.stringify(m) } });
      expect(b.data.registerPersistedQueries.userErrors[0].code).toBe(code);
    }
    const ops = await asGateway('query($a: ID!) { _gatewayPersistedOperations(partnerAppId: $a) { id name type body } }', { a: appId });
    expect(ops.data._gatewayPersistedOperations).toEqual([{ id: sha(body), name: 'PartnerOrders', type: 'query', body }]);
    expect((await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, 'query($a: ID!) { _gatewayPersistedOperations(partnerAppId: $a) { id } }', { a: appId })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('revoking publishes the key id in-process at once and on Redis; the lookup then returns null', async () => {
    local.length = 0;
    const r = await callSubgraph({ url, name: 'identity' }, SECRET, ADMIN, 'mutation($i: RevokeApiKeyInput!) { revokeApiKey(input: $i) { apiKey { id revokedAt } userErrors { code } } }', { i: { id: keyId } });
    expect(r.data.revokeApiKey.apiKey.revokedAt).toBeTruthy();
    expect(local).toEqual([{ kind: 'api-key-revoked', id: keyId, tenantId: 'tnt_LAGOS' }]);
    await eventually(async () => heard.some((c) => c.kind === 'api-key-revoked' && c.id === keyId), { timeoutMs: 3000, intervalMs: 10 });
    expect((await asGateway(LOOKUP, { h: sha(key) })).data._gatewayApiKey).toBeNull();
  });

  it('marks the gateway-only fields @inaccessible, so composition keeps them out of the public API', async () => {
    const sdl = (await asGateway('{ _service { sdl } }')).data._service.sdl as string;
    expect(sdl).toMatch(/_gatewayApiKey\(.*\): GatewayApiKey @inaccessible/s);
  });
});
