import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenVerifier, issueAccessToken } from './tokens.ts';

describe('access tokens', () => {
  it('issues tokens the verifier accepts and refuses others', async () => {
    const { token } = await issueAccessToken({ userId: 'u1', tenantId: 't1', roles: ['ADMIN'] }, 'k1');
    expect(await createTokenVerifier({ secret: 'k1' })(token)).toMatchObject({ tenantId: 't1', userId: 'u1', roles: ['ADMIN'] });
    expect(await createTokenVerifier({ secret: 'other' })(token)).toBeNull();
    expect(await createTokenVerifier({ secret: 'k1' })('not-a-jwt')).toBeNull();
  });
  it('refuses expired tokens', async () => {
    const { token } = await issueAccessToken({ userId: 'u1', tenantId: 't1', roles: [] }, 'k1', -10);
    expect(await createTokenVerifier({ secret: 'k1' })(token)).toBeNull();
  });

  describe('verified tokens remembered (issue 17)', () => {
    afterEach(() => vi.useRealTimers());

    it('answers a token again with an equal viewer of its own, and never a tampered or other-key token', async () => {
      const verify = createTokenVerifier({ secret: 'k1' });
      const { token } = await issueAccessToken({ userId: 'u1', tenantId: 't1', roles: ['OPERATIONS'], scopes: ['orders:read'], customerId: 'c1' }, 'k1');
      const first = (await verify(token))!;
      first.roles.push('ADMIN'); // a caller that changes its viewer changes nobody else's
      first.tenantId = 't2';
      const again = (await verify(token))!;
      expect(again).toEqual({ tenantId: 't1', userId: 'u1', roles: ['OPERATIONS'], scopes: ['orders:read'], customerId: 'c1' });
      again.scopes.push('x');
      expect((await verify(token))!.scopes).toEqual(['orders:read']);
      const [h, p, sig] = token.split('.');
      const otherPayload = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), tid: 't2' })).toString('base64url');
      expect(await verify(`${h}.${otherPayload}.${sig}`)).toBeNull();
      const { token: foreign } = await issueAccessToken({ userId: 'u1', tenantId: 't1', roles: [] }, 'another-secret');
      expect(await verify(foreign)).toBeNull();
    });

    it('refuses a remembered token from the second its exp passes, as jose does', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(new Date('2026-12-06T10:00:00.000Z'));
      const verify = createTokenVerifier({ secret: 'k1' });
      const { token } = await issueAccessToken({ userId: 'u1', tenantId: 't1', roles: [] }, 'k1', 60);
      expect(await verify(token)).not.toBeNull();
      vi.setSystemTime(new Date('2026-12-06T10:00:59.999Z'));
      expect(await verify(token)).not.toBeNull(); // remembered, still valid
      vi.setSystemTime(new Date('2026-12-06T10:01:00.000Z'));
      expect(await verify(token)).toBeNull(); // exp reached
      expect(await createTokenVerifier({ secret: 'k1' })(token)).toBeNull(); // as a fresh verifier says
    });

    it('keeps answering right past its bound, and with the cache off', async () => {
      const tokens = await Promise.all(['a', 'b', 'c'].map(async (t) => (await issueAccessToken({ userId: `u-${t}`, tenantId: t, roles: [] }, 'k1')).token));
      for (const cacheEntries of [1, 0]) {
        const verify = createTokenVerifier({ secret: 'k1', cacheEntries });
        for (let round = 0; round < 2; round++) for (const [i, t] of tokens.entries()) expect((await verify(t))!.tenantId).toBe(['a', 'b', 'c'][i]);
      }
    });
  });
});
