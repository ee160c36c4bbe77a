import { describe, expect, it } from 'vitest';
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
});
