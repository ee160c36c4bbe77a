import { createRemoteJWKSet, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import { ROLES, type Role, type Viewer } from './context.ts';
import { resolveSecrets } from './secrets.ts';

export const TOKEN_ISSUER = 'omniroute-identity';
export const TOKEN_AUDIENCE = 'omniroute';

/**
 * HS256 secret for tokens issued by identity: JWT_SECRET; in development a fixed secret from the source tree (so
 * tokens survive restarts of `npm start`). Throws ConfigError in production mode when JWT_SECRET is missing or weak.
 */
export function jwtSecret(): string {
  return resolveSecrets().jwtSecret;
}

export interface AccessClaims {
  userId: string;
  tenantId: string;
  roles: Role[];
  scopes?: string[];
  /** The customer a RETAILER account acts for (claim `cid`). */
  customerId?: string | null;
  /** The worker a RIDER account is (claim `wid`). */
  workerId?: string | null;
}

export async function issueAccessToken(c: AccessClaims, secret: string, ttlSeconds = 12 * 3600): Promise<{ token: string; expiresAt: Date }> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  const token = await new SignJWT({
    tid: c.tenantId,
    roles: c.roles,
    scope: (c.scopes ?? []).join(' '),
    ...(c.customerId ? { cid: c.customerId } : {}),
    ...(c.workerId ? { wid: c.workerId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(c.userId)
    .setIssuer(TOKEN_ISSUER)
    .setAudience(TOKEN_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(new TextEncoder().encode(secret));
  return { token, expiresAt };
}

export interface TokenVerifierOptions {
  /** HS256 secret of tokens issued by identity. */
  secret?: string;
  /** OIDC issuer's JWKS URL (RS256/ES256 tokens), e.g. https://login.example.com/.well-known/jwks.json */
  jwksUrl?: string;
  /** Expected `iss` of OIDC tokens. */
  oidcIssuer?: string;
  /** Expected `aud` of OIDC tokens. */
  oidcAudience?: string;
  /** Claim holding the tenant id in OIDC tokens (default `tid`). */
  tenantClaim?: string;
  /** Claim holding roles in OIDC tokens (default `roles`). */
  rolesClaim?: string;
  /** Identity tokens remembered as verified (VerifiedTokens; default 5,000, 0 = verify every time). */
  cacheEntries?: number;
}

function toViewer(p: JWTPayload, tenantClaim: string, rolesClaim: string): Viewer | null {
  const tenantId = p[tenantClaim];
  const rawRoles = p[rolesClaim];
  if (typeof tenantId !== 'string' || typeof p.sub !== 'string') return null;
  const roles = (Array.isArray(rawRoles) ? rawRoles : []).filter((r): r is Role => (ROLES as readonly string[]).includes(r as string));
  const scope = typeof p.scope === 'string' ? p.scope.split(' ').filter(Boolean) : [];
  const viewer: Viewer = { tenantId, userId: p.sub, roles, scopes: scope };
  // Bindings of the account to the business object it acts as; only present in identity's tokens.
  if (typeof p.cid === 'string' && p.cid) viewer.customerId = p.cid;
  if (typeof p.wid === 'string' && p.wid) viewer.workerId = p.wid;
  return viewer;
}

/**
 * Identity's tokens verified already, by their exact text (issue 17: a client sends the same token with every
 * request, and its signature check was ≈5 % of a read's CPU at the gateway). A token is only ever remembered after
 * jose accepted it, and only while its `exp` and `nbf` say it is valid now — checked at every use as jose checks
 * them; the viewer comes back as a copy. Bounded: the oldest goes first.
 */
class VerifiedTokens {
  private readonly byToken = new Map<string, { viewer: Viewer; exp: number; nbf: number }>();
  constructor(private readonly max: number) {}

  get(token: string): Viewer | null {
    const hit = this.byToken.get(token);
    if (!hit) return null;
    const now = Math.floor(Date.now() / 1000); // jose compares whole seconds (clock tolerance 0)
    if (hit.exp <= now || hit.nbf > now) {
      this.byToken.delete(token);
      return null;
    }
    const v = hit.viewer;
    return { ...v, roles: [...v.roles], scopes: [...v.scopes] };
  }

  add(token: string, viewer: Viewer, payload: JWTPayload): void {
    if (this.max <= 0 || typeof payload.exp !== 'number') return; // a token without an expiry is checked every time
    if (this.byToken.size >= this.max) this.byToken.delete(this.byToken.keys().next().value!);
    this.byToken.set(token, { viewer: { ...viewer, roles: [...viewer.roles], scopes: [...viewer.scopes] }, exp: payload.exp, nbf: typeof payload.nbf === 'number' ? payload.nbf : 0 });
  }
}

/** Verifies identity's HS256 tokens and, when configured, an OIDC issuer's tokens via its JWKS. */
export function createTokenVerifier(opts: TokenVerifierOptions) {
  // imported once: given the raw bytes, jose imports a CryptoKey on every verification (issue 17: ≈1 % of the CPU of a read)
  const hsKey = opts.secret ? crypto.subtle.importKey('raw', new TextEncoder().encode(opts.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']) : undefined;
  const jwks = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined;
  const verified = new VerifiedTokens(opts.cacheEntries ?? 5_000);
  return async function verify(token: string): Promise<Viewer | null> {
    if (hsKey) {
      const known = verified.get(token);
      if (known) return known;
      try {
        const { payload } = await jwtVerify(token, await hsKey, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'] });
        const viewer = toViewer(payload, 'tid', 'roles');
        if (viewer) verified.add(token, viewer, payload);
        return viewer;
      } catch {
        if (!jwks) return null;
      }
    }
    if (jwks) {
      try {
        const { payload } = await jwtVerify(token, jwks, {
          issuer: opts.oidcIssuer,
          audience: opts.oidcAudience,
          algorithms: ['RS256', 'ES256', 'PS256', 'EdDSA'],
        });
        return toViewer(payload, opts.tenantClaim ?? 'tid', opts.rolesClaim ?? 'roles');
      } catch {
        return null;
      }
    }
    return null;
  };
}
