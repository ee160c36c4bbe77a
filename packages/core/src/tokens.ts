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

/** Verifies identity's HS256 tokens and, when configured, an OIDC issuer's tokens via its JWKS. */
export function createTokenVerifier(opts: TokenVerifierOptions) {
  // imported once: given the raw bytes, jose imports a CryptoKey on every verification (issue 17: ≈1 % of the CPU of a read)
  const hsKey = opts.secret ? crypto.subtle.importKey('raw', new TextEncoder().encode(opts.secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']) : undefined;
  const jwks = opts.jwksUrl ? createRemoteJWKSet(new URL(opts.jwksUrl)) : undefined;
  return async function verify(token: string): Promise<Viewer | null> {
    if (hsKey) {
      try {
        const { payload } = await jwtVerify(token, await hsKey, { issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE, algorithms: ['HS256'] });
        return toViewer(payload, 'tid', 'roles');
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
