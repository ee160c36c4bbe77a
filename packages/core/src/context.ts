import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { forbidden, unauthenticated } from './errors.ts';

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

/** The internal context the gateway forwards to every subgraph fetch. */
export interface InternalContext {
  requestId: string;
  viewer: Viewer | null;
  /** issued-at, ms since epoch; stale signatures are refused to limit replay */
  iat: number;
}

export const CONTEXT_HEADER = 'x-omniroute-context';
export const SIGNATURE_HEADER = 'x-omniroute-signature';
const MAX_AGE_MS = 5 * 60_000;

/**
 * The HMAC secret shared by the gateway and the subgraphs. Distributed deployments set
 * INTERNAL_SIGNING_SECRET; embedded mode (one process) may use a random per-process secret.
 */
export function signingSecret(): string {
  const s = process.env.INTERNAL_SIGNING_SECRET;
  if (s) return s;
  globalProcessSecret ??= randomBytes(32).toString('hex');
  return globalProcessSecret;
}
let globalProcessSecret: string | undefined;

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}

export function signContext(ctx: InternalContext, secret: string): Record<string, string> {
  const payload = Buffer.from(JSON.stringify(ctx)).toString('base64url');
  return { [CONTEXT_HEADER]: payload, [SIGNATURE_HEADER]: mac(payload, secret) };
}

/** Verifies the gateway's signature; throws UNAUTHENTICATED for anything unsigned, tampered or stale. */
export function verifyContext(
  headers: { get(name: string): string | undefined | null },
  secret: string,
  now = Date.now(),
): InternalContext {
  const payload = headers.get(CONTEXT_HEADER);
  const sig = headers.get(SIGNATURE_HEADER);
  if (!payload || !sig) throw unauthenticated('Requests must come through the OmniRoute gateway');
  const expected = Buffer.from(mac(payload, secret));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw unauthenticated('Invalid internal context signature');
  }
  const ctx = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as InternalContext;
  if (typeof ctx.iat !== 'number' || Math.abs(now - ctx.iat) > MAX_AGE_MS) throw unauthenticated('Stale internal context');
  return ctx;
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

export function hasScope(viewer: Viewer, scope: string): boolean {
  return viewer.scopes.includes('*') || viewer.scopes.includes(scope);
}
