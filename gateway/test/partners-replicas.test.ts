// Issue 6 with Redis and several gateway replicas (distributed mode): a key revoked through one replica is refused
// by every replica within a second (identity's pub/sub), APQ registrations and rate limits are shared.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtSecret, signingSecret } from '@omniroute/core';
import { createGateway } from '@omniroute/gateway';
import { create as createIdentity } from '@omniroute/identity';
import { eventually, gql, login, TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';
import { adminApi, asKey, composeTestSupergraph, raw, sha256, startShop } from './plugins/fixtures/partner-stack.ts';

const prefix = `test-${randomUUID()}`;
const changesChannel = `${prefix}:identity:changes`;
const secret = signingSecret();

let identity: Awaited<ReturnType<typeof createIdentity>>;
let stopIdentity: () => Promise<void>;
let shop: Awaited<ReturnType<typeof startShop>>;
const gateways: ReturnType<typeof createGateway>[] = [];
const urls: string[] = [];
let admin: string;
let strictUrl: string;

beforeAll(async () => {
  shop = await startShop(secret);
  // identity as its own "process": publishes changes on Redis only (no in-process link to the gateways)
  identity = await createIdentity({ secret, jwtSecret: jwtSecret(), redisUrl: REDIS_URL, changesChannel });
  await identity.seed();
  const running = await identity.listen(0);
  stopIdentity = running.stop;
  const supergraphSdl = composeTestSupergraph(shop.shop.url, running.url);
  for (let i = 0; i < 2; i++) {
    const gw = createGateway({
      supergraphSdl,
      secret,
      auth: { secret: jwtSecret() },
      partners: { redisUrl: REDIS_URL, keyPrefix: `${prefix}:`, changesChannel, apiKeyCacheTtlMs: 60_000, rateLimits: { user: 20, apiKey: 1000, ip: 1000 } },
    });
    gateways.push(gw);
    urls.push(`http://127.0.0.1:${await gw.listen(0, '127.0.0.1')}/graphql`);
  }
  admin = await login(urls[0]!, 'ops@lagos.demo');
  // a third replica that treats loopback like any client IP, with a tiny anonymous budget
  const strict = createGateway({
    supergraphSdl, secret, auth: { secret: jwtSecret() },
    partners: { redisUrl: REDIS_URL, keyPrefix: `${prefix}:strict:`, changesChannel, exemptLoopback: false, rateLimits: { ip: 3 } },
  });
  gateways.push(strict);
  strictUrl = `http://127.0.0.1:${await strict.listen(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await stopIdentity?.();
  await identity?.close();
  await shop?.shop.stop();
});

describe('issue 6: partner access across gateway replicas (Redis)', () => {
  it('refuses a key revoked through one replica on every replica within a second, despite a 60 s key cache', async () => {
    const api = adminApi(urls[0]!, admin);
    const app = await api.createApp({ name: 'Replicated' });
    const key = await api.createKey({ name: 'replicated key', partnerAppId: app.id });
    for (const url of urls) expect((await asKey(url, key.secret, { query: '{ viewerEcho { partnerId } }' })).json.data.viewerEcho.partnerId).toBe(app.id);
    await api.revokeKey(key.id);
    const t0 = Date.now();
    await Promise.all(urls.map((url) => eventually(async () => (await asKey(url, key.secret, { query: '{ viewerEcho { partnerId } }' })).status === 401, { timeoutMs: 3000, intervalMs: 10 })));
    expect(Date.now() - t0).toBeLessThan(1000);
  });

  it('shares APQ registrations between replicas', async () => {
    const q = `query Shared { orders(first: 1) { edges { node { id } } } } # ${prefix}`;
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256(q) } };
    const post = (url: string, body: object) => raw(url, { headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` }, body: JSON.stringify(body) });
    expect((await post(urls[1]!, { extensions: ext })).json.errors[0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect((await post(urls[0]!, { query: q, extensions: ext })).json.data.orders).toBeTruthy();
    expect((await post(urls[1]!, { extensions: ext })).json.data.orders.edges).toHaveLength(1);
  });

  it('shares a user\'s rate limit between replicas (429 + Retry-After)', async () => {
    const token = await login(urls[0]!, 'finance@lagos.demo');
    const statuses: number[] = [];
    for (let i = 0; i < 21; i++) statuses.push((await raw(urls[i % 2]!, { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ __typename }"}' })).status);
    expect(statuses).toEqual([...Array(20).fill(200), 429]); // 20 per minute in all, 10 sent to each replica
    const r = await raw(urls[1]!, { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ __typename }"}' });
    expect(r.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(r.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    // another user is not affected
    expect((await gql(urls[1]!, '{ __typename }', {}, admin)).status).toBe(200);
  });

  it('limits anonymous callers per IP (loopback exempt by default)', async () => {
    const anon = (url: string) => raw(url, { headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await anon(strictUrl)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const refused = await anon(strictUrl);
    expect(refused.json.errors[0].extensions.code).toBe('RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // signed-in callers spend their own budget, not the IP's
    expect((await gql(strictUrl, '{ __typename }', {}, admin)).status).toBe(200);
    // the default replicas do not limit local anonymous traffic (tests, tools, benchmarks on this host)
    for (let i = 0; i < 20; i++) expect((await anon(urls[0]!)).status).toBe(200);
  });
});
