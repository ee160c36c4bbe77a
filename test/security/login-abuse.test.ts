// Issue 12, table row 4: "one request with 20 aliased `login` mutations (wrong passwords): all 20 processed
// (~4 s of scrypt CPU per request; rate limits count requests)". Now `login` is capped at one per request, every
// root field counts against the rate limits, and identity throttles failed sign-ins per client address, which
// the gateway signs into the internal context.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtSecret, signingSecret } from '@omniroute/core';
import { createGateway } from '@omniroute/gateway';
import { create as createIdentity } from '@omniroute/identity';
import { gql } from '@omniroute/testkit';

const secret = signingSecret();
const supergraphSdl = readFileSync(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
let identity: Awaited<ReturnType<typeof createIdentity>>;
let stopIdentity: () => Promise<void>;
let gateway: ReturnType<typeof createGateway>;
let url: string;

beforeAll(async () => {
  identity = await createIdentity({ secret, jwtSecret: jwtSecret(), loginThrottle: { ip: { freeAttempts: 2, baseDelayMs: 60_000 } } });
  await identity.seed();
  const running = await identity.listen(0);
  stopIdentity = running.stop;
  gateway = createGateway({
    supergraphSdl,
    secret,
    auth: { secret: jwtSecret() },
    subgraphUrl: (name, u) => (name === 'identity' ? running.url : u),
    // trustProxy: each test speaks from its own X-Forwarded-For address
    partners: { trustProxy: true, rateLimits: { user: 6, ip: 8, apiKey: 100 } },
  });
  url = `http://127.0.0.1:${await gateway.listen(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await gateway?.close();
  await stopIdentity?.();
  await identity?.close();
});

const from = (ip: string) => ({ 'x-forwarded-for': ip });
const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { accessToken retryAfterSeconds userErrors { code } } }';

describe('issue 12 row 4: login abuse through the gateway', () => {
  it('refuses 20 aliased logins in one request before any of them runs (TOO_MANY_SENSITIVE_FIELDS)', async () => {
    const aliased = `mutation { ${Array.from({ length: 20 }, (_, i) => `l${i}: login(input: { email: "ops@lagos.demo", password: "guess${i}" }) { accessToken }`).join(' ')} }`;
    const viaFragment = 'mutation { ...Two } fragment Two on Mutation { a: login(input: { email: "ops@lagos.demo", password: "x" }) { accessToken } b: login(input: { email: "ops@lagos.demo", password: "y" }) { accessToken } }';
    const before = gateway.runtime.stats().subgraphRequests;
    for (const [query, count] of [[aliased, 20], [viaFragment, 2]] as const) {
      const r = await gql(url, query, {}, undefined, from('203.0.113.10'));
      expect(r.status).toBe(400);
      expect(r.data).toBeUndefined();
      expect(r.errors).toHaveLength(1);
      expect(r.errors![0]!.extensions).toEqual({ code: 'TOO_MANY_SENSITIVE_FIELDS', field: 'Mutation.login', count, limit: 1 });
      expect(r.errors![0]!.message).toBe(`\`login\` may be selected at most once per request (${count} found); send separate requests`);
    }
    expect(gateway.runtime.stats().subgraphRequests).toBe(before); // identity never asked: no scrypt ran
    const one = await gql(url, LOGIN, { i: { email: 'ops@lagos.demo', password: 'omniroute-demo' } }, undefined, from('203.0.113.10'));
    expect(one.data.login.accessToken).toEqual(expect.any(String));
  });

  it('charges a request one token per root field: aliasing does not multiply the budget', async () => {
    const five = '{ a: me { id } b: me { id } c: me { id } d: me { id } e: me { id } }';
    // anonymous: the address's budget of 8 per minute
    expect((await gql(url, five, {}, undefined, from('198.51.100.40'))).status).toBe(200);
    const anon = await gql(url, five, {}, undefined, from('198.51.100.40'));
    expect(anon.status).toBe(429);
    expect(anon.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
    // signed in: the user's budget of 6 per minute
    const token = (await gql(url, LOGIN, { i: { email: 'finance@lagos.demo', password: 'omniroute-demo' } }, undefined, from('198.51.100.41'))).data.login.accessToken;
    const first = await gql(url, five, {}, token, from('198.51.100.42'));
    expect(first.status).toBe(200);
    expect(first.data.a.id).toEqual(expect.any(String));
    const second = await gql(url, five, {}, token, from('198.51.100.43'));
    expect(second.status).toBe(429);
    expect(second.errors![0]!.extensions).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('identity sees the client address and throttles one address spraying many accounts', async () => {
    const attempt = async (email: string, ip: string) => (await gql(url, LOGIN, { i: { email, password: 'Password1!' } }, undefined, from(ip))).data.login;
    expect((await attempt('rider1@lagos.demo', '192.0.2.77')).userErrors[0].code).toBe('INVALID_CREDENTIALS');
    expect((await attempt('rider2@lagos.demo', '192.0.2.77')).userErrors[0].code).toBe('INVALID_CREDENTIALS');
    // an address the client writes into X-Forwarded-For itself does not count: the proxy's entry (the last) does
    const refused = await attempt('rider3@lagos.demo', '203.0.113.250, 192.0.2.77');
    expect(refused).toMatchObject({ accessToken: null, userErrors: [{ code: 'TOO_MANY_ATTEMPTS' }] });
    expect(refused.retryAfterSeconds).toBeGreaterThan(30); // the wait set by the second failure (60 s), minus the time since
    expect((await attempt('rider3@lagos.demo', '192.0.2.78')).userErrors[0].code).toBe('INVALID_CREDENTIALS');
  });
});
