import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '@omniroute/core';
import { callSubgraph, gql } from '@omniroute/testkit';
import { create } from '../src/server.ts';

const SECRET = 'identity-test-secret';
const JWT = 'identity-test-jwt';
let sg: Awaited<ReturnType<typeof create>>;
let url: string;
let stop: () => Promise<void>;

beforeAll(async () => {
  sg = await create({ secret: SECRET, jwtSecret: JWT });
  await sg.seed();
  await sg.seed(); // idempotent
  const running = await sg.listen(0);
  url = running.url;
  stop = running.stop;
});
afterAll(async () => {
  await stop?.();
  await sg?.close();
});

const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { accessToken expiresAt user { email roles tenant { name } } userErrors { code field message } } }';

describe('identity subgraph', () => {
  it('logs in with the demo password and issues a token the gateway verifier accepts', async () => {
    const r = await callSubgraph({ url, name: 'identity' }, SECRET, null, LOGIN, { i: { email: 'OPS@lagos.demo ', password: 'omniroute-demo' } });
    expect(r.data.login.userErrors).toEqual([]);
    expect(r.data.login.user).toMatchObject({ email: 'ops@lagos.demo', roles: ['ADMIN'], tenant: { name: 'Lagos FMCG Distribution' } });
    const viewer = await createTokenVerifier({ secret: JWT })(r.data.login.accessToken);
    expect(viewer).toMatchObject({ tenantId: 'tnt_LAGOS', roles: ['ADMIN'] });
  });

  it('answers wrong passwords, unknown emails and malformed input with userErrors only', async () => {
    for (const i of [
      { email: 'ops@lagos.demo', password: 'nope' },
      { email: 'nobody@lagos.demo', password: 'omniroute-demo' },
      { email: 'x'.repeat(300), password: 'a' },
    ]) {
      const r = await callSubgraph({ url, name: 'identity' }, SECRET, null, LOGIN, { i });
      expect(r.errors).toBeUndefined();
      expect(r.data.login.accessToken).toBeNull();
      expect(['INVALID_CREDENTIALS', 'INVALID_INPUT']).toContain(r.data.login.userErrors[0].code);
    }
  });

  it('me and tenant follow the signed viewer; another tenant resolves to null', async () => {
    const viewer = { tenantId: 'tnt_ACCRA', userId: 'usr_ACCRA000001', roles: ['ADMIN' as const], scopes: [] };
    const r = await callSubgraph({ url, name: 'identity' }, SECRET, viewer, '{ me { email } tenant { name defaultCurrency timeZone } }');
    expect(r.data).toEqual({ me: { email: 'ops@accra.demo' }, tenant: { name: 'Accra Wholesale', defaultCurrency: 'GHS', timeZone: 'Africa/Accra' } });
    const refs = await callSubgraph({ url, name: 'identity' }, SECRET, viewer, 'query($r: [_Any!]!) { _entities(representations: $r) { ... on User { email } ... on Tenant { name } } }', {
      r: [{ __typename: 'User', id: 'usr_LAGOS000001' }, { __typename: 'Tenant', id: 'tnt_LAGOS' }, { __typename: 'User', id: 'usr_ACCRA000002' }],
    });
    expect(refs.data._entities).toEqual([null, null, { email: 'finance@accra.demo' }]);
  });

  it('anonymous callers get no tenant and refuse unsigned or forged requests', async () => {
    expect((await callSubgraph({ url, name: 'identity' }, SECRET, null, '{ tenant { name } }')).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await callSubgraph({ url, name: 'identity' }, SECRET, null, '{ me { email } }')).data.me).toBeNull();
    const unsigned = await gql(url, '{ __typename }');
    expect(unsigned.status).toBe(401);
    const forged = await callSubgraph({ url, name: 'identity' }, 'not-the-secret', { tenantId: 'tnt_LAGOS', roles: ['ADMIN'], scopes: [] }, '{ tenant { name } }');
    expect(forged.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
