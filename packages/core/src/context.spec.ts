import { describe, expect, it } from 'vitest';
import {
  CONTEXT_HEADER, INTERNAL_CONTEXT_CLOCK_SKEW_MS, INTERNAL_CONTEXT_TTL_MS, SIGNATURE_HEADER, requireRole, signInternalContext, verifyContext,
  type InternalContext,
} from './context.ts';
import { createHmac } from 'node:crypto';

const headersOf = (h: Record<string, string>) => ({ get: (n: string) => h[n] });
const ctx: InternalContext = {
  requestId: 'r1',
  viewer: { tenantId: 't1', userId: 'u1', roles: ['SALES_REP'], scopes: [] },
};
const sign = (c: InternalContext, secret: string, audience = 'commerce', now?: number) => signInternalContext(c, { secret, audience, now });
const verify = (h: Record<string, string>, secret: string, audience = 'commerce', now?: number) => verifyContext(headersOf(h), { secret, audience, now });

/** Signs arbitrary claims with the real secret, as a holder of the secret with a buggy or hostile signer could. */
function forge(claims: Record<string, unknown>, secret: string): Record<string, string> {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { [CONTEXT_HEADER]: payload, [SIGNATURE_HEADER]: createHmac('sha256', secret).update(payload).digest('base64url') };
}

describe('signed internal context', () => {
  it('round-trips with the right secret and audience, carrying the caller claim', () => {
    expect(verify(sign(ctx, 's3cret'), 's3cret').viewer?.tenantId).toBe('t1');
    expect(verify(sign({ requestId: 'r', viewer: null, caller: 'gateway' }, 's', 'identity'), 's', 'identity').caller).toBe('gateway');
  });
  it('refuses unsigned, wrong-secret and tampered contexts', () => {
    expect(() => verify({}, 's')).toThrow(/gateway/);
    expect(() => verify(sign(ctx, 'a'), 'b')).toThrow(/signature/);
    const h = sign(ctx, 's');
    const forged = Buffer.from(JSON.stringify({ ...ctx, viewer: { ...ctx.viewer, tenantId: 't2' } })).toString('base64url');
    expect(() => verify({ ...h, [CONTEXT_HEADER]: forged }, 's')).toThrow(/signature/);
  });

  // issue 12: "the signed internal context is valid for 5 minutes at any subgraph and accepts future timestamps"
  it('issue 12: is bound to the subgraph it was signed for', () => {
    const forFinance = sign(ctx, 's', 'finance');
    expect(verify(forFinance, 's', 'finance').requestId).toBe('r1');
    expect(() => verify(forFinance, 's', 'commerce')).toThrow(/another subgraph/);
    expect(() => verify(forge({ ...ctx, iat: Date.now(), exp: Date.now() + 1000 }, 's'), 's')).toThrow(/another subgraph/); // no aud at all
  });
  it('issue 12: lives at most 60 s', () => {
    const t0 = 1_700_000_000_000;
    const h = sign(ctx, 's', 'commerce', t0);
    expect(verify(h, 's', 'commerce', t0 + INTERNAL_CONTEXT_TTL_MS - 1).requestId).toBe('r1');
    expect(() => verify(h, 's', 'commerce', t0 + INTERNAL_CONTEXT_TTL_MS)).toThrow(/Stale/);
    expect(() => verify(h, 's', 'commerce', t0 + 5 * 60_000 - 1)).toThrow(/Stale/); // valid for 5 minutes before
    // a longer lifetime is refused even when signed with the right secret
    expect(() => verify(forge({ ...ctx, aud: 'commerce', iat: t0, exp: t0 + 10 * 60_000 }, 's'), 's', 'commerce', t0 + 1000)).toThrow(/lifetime/);
    expect(signInternalContext(ctx, { secret: 's', audience: 'a', now: t0, ttlMs: 3_600_000 })).toEqual(sign(ctx, 's', 'a', t0)); // capped when signing
  });
  it(`issue 12: refuses contexts issued in the future (allowance ${INTERNAL_CONTEXT_CLOCK_SKEW_MS} ms of clock skew)`, () => {
    const now = 1_700_000_000_000;
    expect(() => verify(sign(ctx, 's', 'commerce', now + 60_000), 's', 'commerce', now)).toThrow(/future/);
    expect(() => verify(sign(ctx, 's', 'commerce', now + INTERNAL_CONTEXT_CLOCK_SKEW_MS + 1), 's', 'commerce', now)).toThrow(/future/);
    expect(verify(sign(ctx, 's', 'commerce', now + INTERNAL_CONTEXT_CLOCK_SKEW_MS), 's', 'commerce', now).requestId).toBe('r1');
  });
  it('refuses claims without a usable lifetime or request id', () => {
    const now = Date.now();
    expect(() => verify(forge({ ...ctx, aud: 'commerce' }, 's'), 's')).toThrow(/lifetime/);
    expect(() => verify(forge({ ...ctx, aud: 'commerce', iat: now, exp: now }, 's'), 's')).toThrow(/lifetime/);
    expect(() => verify(forge({ viewer: null, aud: 'commerce', iat: now, exp: now + 1000 }, 's'), 's')).toThrow(/Invalid internal context/);
  });
  it('checks roles, ADMIN passes everything', () => {
    expect(() => requireRole(ctx.viewer, 'FINANCE')).toThrow(/roles/);
    expect(requireRole(ctx.viewer, 'SALES_REP').userId).toBe('u1');
    expect(requireRole({ ...ctx.viewer!, roles: ['ADMIN'] }, 'FINANCE').tenantId).toBe('t1');
    expect(() => requireRole(null, 'FINANCE')).toThrow(/Authentication/);
  });
});
