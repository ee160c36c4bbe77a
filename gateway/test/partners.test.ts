// Issue 6 "Partner access" through the real gateway over HTTP: the identity subgraph (seeded) and a shop subgraph
// with @requiresScopes fields, composed and served by platform. Every mode and error code of the issue.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql } from '@omniroute/testkit';
import { adminApi, asKey, manifestOf, raw, sha256, startPartnerStack, type PartnerStack } from './plugins/fixtures/partner-stack.ts';

let ps: PartnerStack;
let api: ReturnType<typeof adminApi>;
const apps: Record<string, { id: string; slug: string }> = {};
const keys: Record<string, { id: string; secret: string }> = {};

const ORDERS = 'query PartnerOrders { orders(first: 3) { edges { node { id number status } } } }';
const ORDER = 'query Order($id: ID!) { order(id: $id) { number status } }';
const UNLISTED = '{ customer(id: "cus_1") { name } }';
const metricsText = async () => (await raw(ps.url.replace('/graphql', '/metrics'), { method: 'GET' })).text;
const codes = (r: { json?: any }) => (r.json?.errors ?? []).map((e: any) => e.extensions?.code);

beforeAll(async () => {
  ps = await startPartnerStack({
    partners: {
      lastUsedFlushMs: 200,
      limits: { partner: { maxDepth: 6, maxAliases: 3, maxRootFields: 3, maxCost: 500 } },
      rateLimits: { apiKey: 10_000, user: 10_000, ip: 10_000 },
    },
  });
  api = adminApi(ps.url, ps.admin);
  for (const [name, mode] of [['allow', 'ALLOW_ALL'], ['log', 'LOG_UNKNOWN'], ['enforce', 'ENFORCE'], ['requireId', 'REQUIRE_ID']] as const) {
    apps[name] = await api.createApp({ name: `App ${name}`, persistedQueryMode: mode });
    keys[name] = await api.createKey({ name: `${name} key`, partnerAppId: apps[name]!.id, roles: ['SALES_REP'], scopes: ['orders:read'] });
  }
  apps.limited = await api.createApp({ name: 'Limited', limits: { requestsPerMinute: 3, maxDepth: 2 } });
  keys.limited = await api.createKey({ name: 'limited key', partnerAppId: apps.limited.id });
  keys.finance = await api.createKey({ name: 'finance key', partnerAppId: apps.allow!.id, scopes: ['finance:read'] });
  for (const name of ['log', 'enforce', 'requireId']) await api.register(apps[name]!.id, manifestOf({ PartnerOrders: ORDERS, Order: ORDER }));
});
afterAll(async () => {
  await ps?.close();
});

describe('issue 6: partner API keys at the gateway', () => {
  it('resolves Bearer and x-api-key keys to a PARTNER viewer of the key tenant and app, forwarded signed to subgraphs', async () => {
    for (const via of ['bearer', 'x-api-key'] as const) {
      const r = await asKey(ps.url, keys.allow!.secret, { query: '{ viewerEcho { tenantId partnerId userId roles scopes } }' }, via);
      expect(r.json).toEqual({ data: { viewerEcho: { tenantId: 'tnt_LAGOS', partnerId: apps.allow!.id, userId: null, roles: ['PARTNER', 'SALES_REP'], scopes: ['orders:read'] } } });
    }
    // the real key with its last character changed (a key ending in 'x' would otherwise be "changed" to itself)
    const altered = keys.allow!.secret.slice(0, -1) + (keys.allow!.secret.endsWith('x') ? 'y' : 'x');
    for (const bad of [altered, 'omr_live_nope', 'not a key']) {
      const r = await asKey(ps.url, bad, { query: '{ viewerEcho { tenantId } }' });
      expect(r.status).toBe(401);
      expect(codes(r)).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('lets only ADMIN users manage keys: a partner key gets FORBIDDEN', async () => {
    const r = await asKey(ps.url, keys.allow!.secret, { query: 'mutation { createApiKey(input: { name: "x" }) { secret } }' });
    expect(codes(r)).toEqual(['FORBIDDEN']);
    const list = await asKey(ps.url, keys.allow!.secret, { query: '{ apiKeys { edges { node { id } } } }' });
    expect(codes(list)).toEqual(['FORBIDDEN']);
  });

  it('keeps the gateway-only identity fields out of the public API', async () => {
    const r = await gql(ps.url, '{ _gatewayApiKey(secretHash: "x") { id } }', {}, ps.admin);
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('records lastUsedAt in batches and refuses a revoked key within milliseconds', async () => {
    const k = await api.createKey({ name: 'short-lived', partnerAppId: apps.allow!.id });
    expect((await asKey(ps.url, k.secret, { query: '{ viewerEcho { tenantId } }' })).status).toBe(200);
    const lastUsed = async () => {
      const r = await gql(ps.url, '{ apiKeys(first: 100) { edges { node { id lastUsedAt } } } }', {}, ps.admin);
      return r.data.apiKeys.edges.find((e: any) => e.node.id === k.id)?.node.lastUsedAt;
    };
    await eventually(lastUsed, { timeoutMs: 5000, intervalMs: 100 });
    await api.revokeKey(k.id);
    const t0 = Date.now();
    const r = await asKey(ps.url, k.secret, { query: '{ viewerEcho { tenantId } }' });
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(r.status).toBe(401);
    expect(codes(r)).toEqual(['UNAUTHENTICATED']);
  });

  it('places an order and reads orders with a key (the viewer reaches the subgraph)', async () => {
    const r = await asKey(ps.url, keys.allow!.secret, {
      query: 'mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { number status } userErrors } }',
      variables: { i: { customerId: 'cus_1', sku: 'SKU-1', quantity: 2, idempotencyKey: 'k-1' } },
    });
    expect(r.json.data.placeOrder.order.status).toBe('PENDING');
    expect(ps.placed.at(-1)!.viewer).toMatchObject({ tenantId: 'tnt_LAGOS', partnerId: apps.allow!.id, roles: ['PARTNER', 'SALES_REP'] });
  });
});

describe('issue 6: automatic persisted queries', () => {
  it('answers a miss with PERSISTED_QUERY_NOT_FOUND, registers query+hash, then serves the hash over POST and GET', async () => {
    const q = `query Apq { orders(first: 2) { edges { node { number } } } } # ${Date.now()}`;
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256(q) } };
    const post = (body: Record<string, unknown>) => raw(ps.url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${ps.admin}` }, body: JSON.stringify(body) });
    const miss = await post({ extensions: ext });
    expect(miss.status).toBe(200);
    expect(miss.json.errors[0]).toMatchObject({ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
    const wrong = await post({ query: q + ' ', extensions: ext });
    expect(wrong.status).toBe(400);
    expect(codes(wrong)).toEqual(['BAD_REQUEST']);
    expect((await post({ query: q, extensions: ext })).json.data.orders.edges).toHaveLength(2);
    expect((await post({ extensions: ext })).json.data.orders.edges).toHaveLength(2);
    const get = await raw(ps.url, {
      method: 'GET', search: `?extensions=${encodeURIComponent(JSON.stringify(ext))}`,
      headers: { authorization: `Bearer ${ps.admin}`, 'apollo-require-preflight': 'true' },
    });
    expect(get.json.data.orders.edges).toHaveLength(2);
  });

  it('does not register operations that fail validation or limits', async () => {
    const bad = `{ orders(first: 2) { nope } } # ${Date.now()}`;
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256(bad) } };
    const r = await gql(ps.url, bad, {}, ps.admin, {});
    expect(r.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    await raw(ps.url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${ps.admin}` }, body: JSON.stringify({ query: bad, extensions: ext }) });
    const again = await raw(ps.url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${ps.admin}` }, body: JSON.stringify({ extensions: ext }) });
    expect(codes(again)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

describe('issue 6: safelists per partner app', () => {
  const byId = (key: string, body: string, how: 'hash' | 'documentId' = 'hash') =>
    asKey(ps.url, key, how === 'hash' ? { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(body) } } } : { documentId: `sha256:${sha256(body)}` });

  it('ALLOW_ALL runs any operation and safelisted ones by id', async () => {
    expect((await asKey(ps.url, keys.allow!.secret, { query: UNLISTED })).json.data.customer.name).toBe('Mama Nkechi Stores');
    expect(codes(await byId(keys.allow!.secret, ORDERS))).toEqual(['PERSISTED_QUERY_NOT_FOUND']); // not in its list, not in APQ
  });

  it('LOG_UNKNOWN runs anything and counts unknown operations per app on /metrics', async () => {
    expect((await asKey(ps.url, keys.log!.secret, { query: ORDERS })).json.data.orders).toBeTruthy();
    expect((await asKey(ps.url, keys.log!.secret, { query: UNLISTED })).json.data.customer).toBeTruthy();
    const listed = await asKey(ps.url, keys.log!.secret, { documentId: sha256(ORDER), variables: { id: 'ord_1' } });
    expect(listed.json).toEqual({ data: { order: { number: 'LAG-1000', status: 'PENDING' } } });
    expect(await metricsText()).toContain(`omniroute_gateway_persisted_query_unknown_total{app="${apps.log!.id}"} 1`);
  });

  it('ENFORCE runs listed operations by body or id and refuses others with PERSISTED_QUERY_NOT_IN_LIST', async () => {
    expect((await asKey(ps.url, keys.enforce!.secret, { query: ORDERS })).json.data.orders.edges).toHaveLength(3);
    expect((await byId(keys.enforce!.secret, ORDERS)).json.data.orders.edges).toHaveLength(3);
    const order = await asKey(ps.url, keys.enforce!.secret, { documentId: sha256(ORDER), variables: { id: 'ord_2' } });
    expect(order.json.data.order.number).toBe('LAG-1001');
    for (const r of [await asKey(ps.url, keys.enforce!.secret, { query: UNLISTED }), await byId(keys.enforce!.secret, UNLISTED)]) {
      expect(r.status).toBe(400);
      expect(codes(r)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
      expect(r.json.data).toBeUndefined();
    }
    // no APQ side door: query+hash of an unlisted operation is refused and not stored
    const apq = await asKey(ps.url, keys.enforce!.secret, { query: UNLISTED, extensions: { persistedQuery: { version: 1, sha256Hash: sha256(UNLISTED) } } });
    expect(codes(apq)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(await metricsText()).toMatch(new RegExp(`persisted_query_rejected_total\\{app="${apps.enforce!.id}",reason="not_in_list"\\} 3`));
  });

  it('REQUIRE_ID refuses bodies (even listed ones) with PERSISTED_QUERY_ID_REQUIRED and runs ids', async () => {
    const body = await asKey(ps.url, keys.requireId!.secret, { query: ORDERS });
    expect(codes(body)).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
    expect((await byId(keys.requireId!.secret, ORDERS, 'documentId')).json.data.orders.edges).toHaveLength(3);
    expect((await byId(keys.requireId!.secret, ORDERS)).json.data.orders.edges).toHaveLength(3);
    expect(codes(await byId(keys.requireId!.secret, UNLISTED))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(await metricsText()).toContain(`persisted_query_rejected_total{app="${apps.requireId!.id}",reason="id_required"} 1`);
  });

  it('applies registrations and mode changes at once (identity tells the gateway)', async () => {
    const app = await api.createApp({ name: 'Switcher', persistedQueryMode: 'ENFORCE' });
    const key = await api.createKey({ name: 'switcher key', partnerAppId: app.id });
    expect(codes(await asKey(ps.url, key.secret, { query: UNLISTED }))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    await api.register(app.id, manifestOf({ Unlisted: UNLISTED }));
    expect((await asKey(ps.url, key.secret, { query: UNLISTED })).json.data.customer.name).toBeTruthy();
    await api.setMode(app.id, 'REQUIRE_ID');
    expect(codes(await asKey(ps.url, key.secret, { query: UNLISTED }))).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
    await api.setMode(app.id, 'ALLOW_ALL');
    expect((await asKey(ps.url, key.secret, { query: ORDERS })).json.data.orders).toBeTruthy();
  });

  it('reloads manifest files of schema/persisted/<slug or id>.json without a restart', async () => {
    const q = '{ customer(id: "cus_2") { name } }';
    expect(codes(await asKey(ps.url, keys.enforce!.secret, { query: q }))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    writeFileSync(join(ps.manifestsDir, `${apps.enforce!.slug}.json`), manifestOf({ Ikeja: q }));
    await eventually(async () => (await asKey(ps.url, keys.enforce!.secret, { query: q })).json?.data?.customer?.name === 'Ikeja Mart', { timeoutMs: 5000, intervalMs: 50 });
    // registered operations still apply next to the file
    expect((await asKey(ps.url, keys.enforce!.secret, { query: ORDERS })).json.data.orders).toBeTruthy();
  });
});

describe('issue 6: protection', () => {
  it('limits depth, aliases, root fields and cost — stricter for partners, per-app overrides', async () => {
    const deep = '{ order(id: "ord_1") { customer { orders(first: 1) { edges { node { customer { orders(first: 1) { edges { node { id } } } } } } } } } }';
    const aliases = '{ order(id: "ord_1") { a: number b: number c: number d: number } }';
    const roots = '{ orders(first: 1) { edges { node { id } } } order(id: "ord_1") { id } customer(id: "cus_1") { id } viewerEcho { tenantId } }';
    const costly = '{ orders(first: 100) { edges { node { customer { name } invoice { amountDue { amount } } total { amount } } } } }'; // 601, depth 6
    const expectations: [string, string][] = [[deep, 'QUERY_TOO_DEEP'], [aliases, 'TOO_MANY_ALIASES'], [roots, 'TOO_MANY_ROOT_FIELDS'], [costly, 'QUERY_TOO_COMPLEX']];
    for (const [q, code] of expectations) {
      const r = await asKey(ps.url, keys.allow!.secret, { query: q });
      expect(r.status, code).toBe(400);
      expect(codes(r)).toEqual([code]);
      expect(r.json.data).toBeUndefined();
      // users have the roomier defaults
      expect((await gql(ps.url, q, {}, ps.admin)).errors, code).toBeUndefined();
    }
    // the Limited app sets maxDepth 2
    const r = await asKey(ps.url, keys.limited!.secret, { query: '{ order(id: "ord_1") { customer { name } } }' });
    expect(codes(r)).toEqual(['QUERY_TOO_DEEP']);
    expect(await metricsText()).toContain('operation_limit_refusals_total{code="QUERY_TOO_DEEP",kind="partner"}');
  });

  it('refuses the acceptance alias bomb and answers parse errors without stack traces', async () => {
    const bomb = `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: orders(first: 100) { edges { node { id } } }`).join(' ')} }`;
    const b = await gql(ps.url, bomb, {}, ps.admin);
    expect(b.data?.a0).toBeUndefined();
    expect(b.errors?.length).toBeGreaterThan(0);
    const smaller = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: order(id: "ord_1") { id }`).join(' ')} }`;
    expect((await gql(ps.url, smaller, {}, ps.admin)).errors?.map((e) => e.extensions?.code)).toEqual(['TOO_MANY_ALIASES']); // refused before planning
    const bad = await raw(ps.url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${ps.admin}` }, body: JSON.stringify({ query: '{ orders(first: ) }' }) });
    expect(codes(bad)).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(bad.text).not.toMatch(/\bat .*\.(js|ts):\d+|stacktrace/i);
  });

  it('rate-limits per API key with 429, Retry-After and RATE_LIMITED', async () => {
    const q = { query: '{ viewerEcho { tenantId } }' };
    const key = await api.createKey({ name: 'budgeted', partnerAppId: apps.limited!.id }); // the app allows 3 per minute and key
    for (let i = 0; i < 3; i++) expect((await asKey(ps.url, key.secret, q)).status).toBe(200);
    const r = await asKey(ps.url, key.secret, q);
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(r.json.errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED' } });
    expect(r.json.errors[0].extensions.http).toBeUndefined();
    // other keys are unaffected
    expect((await asKey(ps.url, keys.allow!.secret, q)).status).toBe(200);
  });

  it('refuses introspection to partner keys when NODE_ENV=production, not to users', async () => {
    const q = { query: '{ __schema { queryType { name } } }' };
    const before = process.env.NODE_ENV;
    expect((await asKey(ps.url, keys.allow!.secret, q)).json.data.__schema.queryType.name).toBe('Query');
    process.env.NODE_ENV = 'production';
    try {
      const r = await asKey(ps.url, keys.allow!.secret, q);
      expect(codes(r)).toEqual(['INTROSPECTION_DISABLED']);
      expect((await gql(ps.url, q.query, {}, ps.admin)).data.__schema.queryType.name).toBe('Query');
      expect((await asKey(ps.url, keys.allow!.secret, { query: '{ __typename }' })).json.data.__typename).toBe('Query');
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it('prevents CSRF: GETs and simple content types need a preflight-forcing header', async () => {
    const search = `?query=${encodeURIComponent('{ orders(first: 1) { edges { node { id } } } }')}`;
    const auth = { authorization: `Bearer ${ps.admin}` };
    const plain = await raw(ps.url, { method: 'GET', search, headers: auth });
    expect(plain.status).toBe(400);
    expect(codes(plain)).toEqual(['BAD_REQUEST']);
    expect(plain.json.errors[0].message).toMatch(/CSRF/);
    for (const h of [{ 'apollo-require-preflight': 'true' }, { 'x-apollo-operation-name': 'Orders' }, { 'content-type': 'application/json' }]) {
      expect((await raw(ps.url, { method: 'GET', search, headers: { ...auth, ...h } })).json.data.orders, JSON.stringify(h)).toBeTruthy();
    }
    const form = await raw(ps.url, { headers: { ...auth, 'content-type': 'text/plain' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(form.status).toBe(415);
    expect(codes(form)).toEqual(['UNSUPPORTED_MEDIA_TYPE']);
    // a mutation over GET is refused even with the header
    const m = await raw(ps.url, { method: 'GET', search: `?query=${encodeURIComponent('mutation { login(input: { email: "a@b.c", password: "x" }) { accessToken } }')}`, headers: { 'apollo-require-preflight': '1' } });
    expect(m.status).toBe(405);
  });

  it('limits the request body size (413 PAYLOAD_TOO_LARGE)', async () => {
    const r = await raw(ps.url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } }) });
    expect(r.status).toBe(413);
    expect(codes(r)).toEqual(['PAYLOAD_TOO_LARGE']);
  });

  it('masks unexpected errors with the request id, never a stack', async () => {
    const r = await raw(ps.url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${ps.admin}`, 'x-request-id': 'req-partners-1' }, body: JSON.stringify({ query: '{ boom orders(first: 1) { edges { node { id } } } }' }) });
    expect(r.json.data.orders.edges).toHaveLength(1);
    expect(r.json.errors[0]).toMatchObject({ message: 'Internal server error', path: ['boom'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(r.text).not.toMatch(/hunter2|secret\.ts|stack/);
    expect(r.text).toContain('req-partners-1');
  });
});

describe('issue 6: field authorization (@requiresScopes)', () => {
  const DETAIL = '{ order(id: "ord_1") { number invoice { status amountDue { amount } } customer { name creditLine { limit { amount } available { amount } } } } }';

  it('nulls creditLine and invoice for a partner key without finance:read, with FORBIDDEN errors, the rest intact', async () => {
    const r = await asKey(ps.url, keys.allow!.secret, { query: DETAIL });
    expect(r.status).toBe(200);
    expect(r.json.data).toEqual({ order: { number: 'LAG-1000', invoice: null, customer: { name: 'Mama Nkechi Stores', creditLine: null } } });
    expect(r.json.errors.map((e: any) => [e.path, e.extensions.code])).toEqual([
      [['order', 'invoice'], 'FORBIDDEN'],
      [['order', 'customer', 'creditLine'], 'FORBIDDEN'],
    ]);
    // lists: every element's field is nulled, with its own path
    const list = await asKey(ps.url, keys.allow!.secret, { query: '{ orders(first: 2) { edges { node { number invoice { status } } } } }' });
    expect(list.json.data.orders.edges.map((e: any) => e.node)).toEqual([{ number: 'LAG-1000', invoice: null }, { number: 'LAG-1001', invoice: null }]);
    expect(list.json.errors.map((e: any) => e.path)).toEqual([['orders', 'edges', 0, 'node', 'invoice'], ['orders', 'edges', 1, 'node', 'invoice']]);
  });

  it('serves them to a key with finance:read and to ADMIN users', async () => {
    const k = await asKey(ps.url, keys.finance!.secret, { query: DETAIL });
    expect(k.json.errors).toBeUndefined();
    expect(k.json.data.order.customer.creditLine.limit.amount).toBe('500000.00');
    const u = await gql(ps.url, DETAIL, {}, ps.admin);
    expect(u.errors).toBeUndefined();
    expect(u.data.order.invoice.status).toBe('OPEN');
  });

  it('propagates a denied non-null field to the nearest nullable parent', async () => {
    const r = await asKey(ps.url, keys.finance!.secret, { query: '{ customer(id: "cus_1") { name riskNote } order(id: "ord_1") { number } }' });
    expect(r.json.data).toEqual({ customer: null, order: { number: 'LAG-1000' } });
    expect(r.json.errors).toEqual([{ message: expect.stringMatching(/Customer.riskNote.*finance:read and finance:write/), path: ['customer', 'riskNote'], extensions: { code: 'FORBIDDEN' } }]);
  });
});
