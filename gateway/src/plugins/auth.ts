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
  return {
    async authenticate(credential: string | null): Promise<Viewer | null> {
      if (!credential) return null;
      if (credential.length > 8192) throw unauthenticated('Credential too long');
      const viewer = credential.split('.').length === 3 ? await verifyJwt(credential) : ((await opts.resolveApiKey?.(credential)) ?? null);
      if (!viewer) throw unauthenticated('Invalid or expired credentials');
      return viewer;
    },
  };
}
