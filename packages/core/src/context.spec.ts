import { describe, expect, it } from 'vitest';
import { requireRole, signContext, verifyContext, type InternalContext } from './context.ts';

const headersOf = (h: Record<string, string>) => ({ get: (n: string) => h[n] });
const ctx: InternalContext = {
  requestId: 'r1',
  iat: Date.now(),
  viewer: { tenantId: 't1', userId: 'u1', roles: ['SALES_REP'], scopes: [] },
};

describe('signed internal context', () => {
  it('round-trips with the right secret', () => {
    expect(verifyContext(headersOf(signContext(ctx, 's3cret')), 's3cret').viewer?.tenantId).toBe('t1');
  });
  it('refuses unsigned, wrong-secret, tampered and stale contexts', () => {
    expect(() => verifyContext(headersOf({}), 's')).toThrow(/gateway/);
    expect(() => verifyContext(headersOf(signContext(ctx, 'a')), 'b')).toThrow(/signature/);
    const h = signContext(ctx, 's');
    const forged = Buffer.from(JSON.stringify({ ...ctx, viewer: { ...ctx.viewer, tenantId: 't2' } })).toString('base64url');
    expect(() => verifyContext(headersOf({ ...h, 'x-omniroute-context': forged }), 's')).toThrow(/signature/);
    const old = signContext({ ...ctx, iat: Date.now() - 3_600_000 }, 's');
    expect(() => verifyContext(headersOf(old), 's')).toThrow(/Stale/);
  });
  it('checks roles, ADMIN passes everything', () => {
    expect(() => requireRole(ctx.viewer, 'FINANCE')).toThrow(/roles/);
    expect(requireRole(ctx.viewer, 'SALES_REP').userId).toBe('u1');
    expect(requireRole({ ...ctx.viewer!, roles: ['ADMIN'] }, 'FINANCE').tenantId).toBe('t1');
    expect(() => requireRole(null, 'FINANCE')).toThrow(/Authentication/);
  });
});
