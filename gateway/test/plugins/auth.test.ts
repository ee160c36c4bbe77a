// Edge authentication: identity's HS256 tokens, an OIDC issuer's tokens verified through its JWKS URL (SSO by
// configuration), and refusals — against a real JWKS endpoint over HTTP.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { issueAccessToken } from '@omniroute/core';
import { createAuthPlugin, credentialOf } from '../../src/plugins/auth.ts';

let jwks: Server;
let jwksUrl: string;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
const ISSUER = 'https://login.example.test/';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
  jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
});
afterAll(() => new Promise<void>((r) => jwks.close(() => r())));

const oidcToken = (key: CryptoKey, claims: Record<string, unknown>, opts: { iss?: string; aud?: string; exp?: string } = {}) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setSubject('sso-user-1')
    .setIssuer(opts.iss ?? ISSUER)
    .setAudience(opts.aud ?? 'omniroute')
    .setIssuedAt()
    .setExpirationTime(opts.exp ?? '10m')
    .sign(key);

describe('auth plugin', () => {
  it('reads Bearer tokens and x-api-key', () => {
    expect(credentialOf({ authorization: 'Bearer abc.def.ghi' })).toBe('abc.def.ghi');
    expect(credentialOf({ 'x-api-key': 'omr_live_x' })).toBe('omr_live_x');
    expect(credentialOf({ authorization: 'Basic dXNlcg==' })).toBeNull();
  });

  it('accepts identity tokens; anonymous is null; bad tokens are UNAUTHENTICATED', async () => {
    const auth = createAuthPlugin({ secret: 'hs' });
    const { token } = await issueAccessToken({ userId: 'u1', tenantId: 't1', roles: ['FINANCE'] }, 'hs');
    expect(await auth.authenticate(token)).toMatchObject({ tenantId: 't1', userId: 'u1', roles: ['FINANCE'] });
    expect(await auth.authenticate(null)).toBeNull();
    await expect(auth.authenticate(token.slice(0, -2) + 'xx')).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    await expect(auth.authenticate('x'.repeat(9000))).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('accepts an OIDC issuer’s RS256 tokens through its JWKS URL, with tenant and roles from claims', async () => {
    const auth = createAuthPlugin({ secret: 'hs', jwksUrl, oidcIssuer: ISSUER, oidcAudience: 'omniroute' });
    const token = await oidcToken(privateKey, { tid: 'tnt_LAGOS', roles: ['OPERATIONS', 'NOT_A_ROLE'] });
    expect(await auth.authenticate(token)).toEqual({ tenantId: 'tnt_LAGOS', userId: 'sso-user-1', roles: ['OPERATIONS'], scopes: [] });
  });

  it('refuses OIDC tokens signed by another key, for another audience or issuer, expired, or without a tenant', async () => {
    const auth = createAuthPlugin({ jwksUrl, oidcIssuer: ISSUER, oidcAudience: 'omniroute' });
    for (const token of [
      await oidcToken(otherKey, { tid: 't' }),
      await oidcToken(privateKey, { tid: 't' }, { aud: 'someone-else' }),
      await oidcToken(privateKey, { tid: 't' }, { iss: 'https://evil.test/' }),
      await oidcToken(privateKey, { tid: 't' }, { exp: '-1m' }),
      await oidcToken(privateKey, { roles: ['ADMIN'] }),
    ]) {
      await expect(auth.authenticate(token)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
    }
  });
});
