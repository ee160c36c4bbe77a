import type { IncomingHttpHeaders } from 'node:http';
import { createTokenVerifier, unauthenticated, type TokenVerifierOptions, type Viewer } from '@omniroute/core';

export interface AuthPluginOptions extends TokenVerifierOptions {
  /** Resolves partner API keys (identity's keys); returns null for unknown or revoked keys. */
  resolveApiKey?: (key: string) => Promise<Viewer | null>;
}

/** Extracts the bearer credential: `Authorization: Bearer <token or API key>` or `x-api-key`. */
export function credentialOf(headers: IncomingHttpHeaders | Record<string, unknown>): string | null {
  const auth = headers['authorization'];
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    if (m) return m[1]!.trim();
  }
  const key = headers['x-api-key'];
  return typeof key === 'string' && key ? key.trim() : null;
}

/**
 * Authenticates the caller once at the edge. No credential: anonymous (subgraphs refuse protected fields with
 * UNAUTHENTICATED). A credential that does not verify: UNAUTHENTICATED for the whole request.
 */
export function createAuthPlugin(opts: AuthPluginOptions) {
  const verifyJwt = createTokenVerifier(opts);
  // A token's `exp`, for connections that outlive the request that authenticated them (sockets, SSE streams).
  const expiries = new WeakMap<Viewer, number>();
  return {
    name: 'auth',
    onAuthenticate(credential: string | null): Promise<Viewer | null> {
      return this.authenticate(credential);
    },
    async authenticate(credential: string | null): Promise<Viewer | null> {
      if (!credential) return null;
      if (credential.length > 8192) throw unauthenticated('Credential too long');
      const jwt = credential.split('.').length === 3;
      const viewer = jwt ? await verifyJwt(credential) : ((await opts.resolveApiKey?.(credential)) ?? null);
      if (!viewer) throw unauthenticated('Invalid or expired credentials');
      if (jwt) {
        const exp = expiryOf(credential);
        if (exp !== undefined) expiries.set(viewer, exp);
      }
      return viewer;
    },
    /** When a token's viewer stops being valid (ms since epoch); undefined for API keys and tokens without `exp`. */
    expiresAt: (viewer: Viewer): number | undefined => expiries.get(viewer),
  };
}

/** `exp` of a JWT whose signature was already verified, in ms. */
function expiryOf(jwt: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
