import { createHmac, timingSafeEqual } from 'node:crypto';
import { forbidden, unauthenticated } from './errors.ts';
import { resolveSecrets } from './secrets.ts';

export const ROLES = ['ADMIN', 'OPERATIONS', 'SALES_REP', 'FINANCE', 'RIDER', 'PARTNER', 'RETAILER'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling, as verified by the gateway. Subgraphs only ever see this through a signed header. */
export interface Viewer {
  tenantId: string;
  userId?: string;
  partnerId?: string;
  roles: Role[];
  scopes: string[];
  /** RETAILER users: the customer their account acts for (object rule OWN_CUSTOMER). */
  customerId?: string;
  /** RIDER users: the worker their account is (object rules OWN_WORKER, OWN_SHIPMENT, OWN_VEHICLE). */
  workerId?: string;
}

/**
 * What the gateway vouches for on one subgraph call. Add optional fields here (e.g. the client's address): the
 * signer and verifier carry every field of this type unchanged.
 */
export interface InternalContext {
  requestId: string;
  viewer: Viewer | null;
  /** 'gateway' on the gateway's own calls (API key lookups, readiness probes); absent on calls made for a client. */
  caller?: 'gateway';
  /** The client's address as the gateway saw it (identity throttles sign-ins per address). */
  clientIp?: string;
}

/** The signed claim set: the context plus what bounds its use. Only signInternalContext makes one. */
export interface InternalClaims extends InternalContext {
  /** The subgraph it was signed for; every other subgraph refuses it (a context captured at one cannot be replayed at another). */
  aud: string;
  /** Issued at and expiry, ms since epoch. */
  iat: number;
  exp: number;
}

export const CONTEXT_HEADER = 'x-omniroute-context';
export const SIGNATURE_HEADER = 'x-omniroute-signature';
/** Longest life of a signed context. A request's fetches to one subgraph share one signature, so it covers a slow plan. */
export const INTERNAL_CONTEXT_TTL_MS = 60_000;
/**
 * How far in the future an `iat` may lie. Hosts synced by NTP agree within milliseconds; one second forgives a
 * sloppy clock without letting anyone mint contexts that become valid later.
 */
export const INTERNAL_CONTEXT_CLOCK_SKEW_MS = 1_000;

/**
 * The HMAC secret shared by the gateway and the subgraphs (INTERNAL_SIGNING_SECRET; a random per-process secret in
 * embedded development mode). Throws ConfigError in production mode when it is missing or weak.
 */
export function signingSecret(): string {
  return resolveSecrets().internalSecret;
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export interface SignOptions {
  secret: string;
  /** The subgraph the call goes to (its name in the supergraph). */
  audience: string;
  now?: number;
  /** At most INTERNAL_CONTEXT_TTL_MS. */
  ttlMs?: number;
}

/** The one place internal contexts are signed: headers (or graphql-ws connectionParams) for a call to `audience`. */
export function signInternalContext(ctx: InternalContext, opts: SignOptions): Record<string, string> {
  const iat = opts.now ?? Date.now();
  const claims: InternalClaims = { ...ctx, aud: opts.audience, iat, exp: iat + Math.min(opts.ttlMs ?? INTERNAL_CONTEXT_TTL_MS, INTERNAL_CONTEXT_TTL_MS) };
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return { [CONTEXT_HEADER]: payload, [SIGNATURE_HEADER]: mac(payload, opts.secret) };
}

export interface VerifyOptions {
  secret: string;
  /** This subgraph's name: contexts signed for another subgraph are refused. */
  audience: string;
  now?: number;
}

/** Verifies the gateway's signature; throws UNAUTHENTICATED for anything unsigned, tampered, for another subgraph, expired or from the future. */
export function verifyContext(headers: { get(name: string): string | undefined | null }, opts: VerifyOptions): InternalClaims {
  const payload = headers.get(CONTEXT_HEADER);
  const sig = headers.get(SIGNATURE_HEADER);
  if (!payload || !sig) throw unauthenticated('Requests must come through the OmniRoute gateway');
  const expected = Buffer.from(mac(payload, opts.secret));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw unauthenticated('Invalid internal context signature');
  }
  let claims: InternalClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as InternalClaims;
  } catch {
    throw unauthenticated('Invalid internal context');
  }
  if (!claims || typeof claims !== 'object' || typeof claims.requestId !== 'string') throw unauthenticated('Invalid internal context');
  if (claims.aud !== opts.audience) throw unauthenticated('Internal context signed for another subgraph');
  const now = opts.now ?? Date.now();
  const { iat, exp } = claims;
  if (typeof iat !== 'number' || typeof exp !== 'number' || !(exp > iat) || exp - iat > INTERNAL_CONTEXT_TTL_MS) throw unauthenticated('Invalid internal context lifetime');
  if (iat > now + INTERNAL_CONTEXT_CLOCK_SKEW_MS) throw unauthenticated('Internal context issued in the future');
  if (now >= exp) throw unauthenticated('Stale internal context');
  return claims;
}

/** Returns the viewer or throws UNAUTHENTICATED. */
export function requireViewer(viewer: Viewer | null | undefined): Viewer {
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** Returns the viewer when it has one of the roles (ADMIN always passes), else throws FORBIDDEN. */
export function requireRole(viewer: Viewer | null | undefined, ...roles: Role[]): Viewer {
  const v = requireViewer(viewer);
  if (v.roles.includes('ADMIN') || v.roles.some((r) => roles.includes(r))) return v;
  throw forbidden(`Requires one of the roles: ${['ADMIN', ...roles].join(', ')}`);
}
