import { randomUUID } from 'node:crypto';
import { signInternalContext, type InternalContext, type Viewer } from '@omniroute/core';
import type { GatewayPlugin } from './pipeline.ts';

export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
  /** The client's address (the socket's, or X-Forwarded-For's first behind a trusted proxy); identity throttles sign-ins by it. */
  clientIp?: string;
}

/**
 * The gateway's one signing helper: the typed claim set (core's InternalContext) signed for the one subgraph it
 * goes to, plus the request id. Everything the gateway forwards upstream goes through here.
 */
export function signedHeaders(claims: InternalContext, secret: string, subgraph: string): Record<string, string> {
  return { ...signInternalContext(claims, { secret, audience: subgraph }), 'x-request-id': claims.requestId };
}

/** The claims of a call made for a client: its verified viewer and address, nothing the client sent. */
export function upstreamHeaders(ctx: GatewayContext, secret: string, subgraph: string): Record<string, string> {
  return signedHeaders({ requestId: ctx.requestId, viewer: ctx.viewer, ...(ctx.clientIp ? { clientIp: ctx.clientIp } : {}) }, secret, subgraph);
}

/** Headers of the gateway's own calls (API key lookups, readiness probes): no viewer, `caller: 'gateway'`. */
export function gatewayCallHeaders(secret: string, subgraph: string, requestId: string = randomUUID()): Record<string, string> {
  return signedHeaders({ requestId, viewer: null, caller: 'gateway' }, secret, subgraph);
}

/** Signs every subgraph fetch with the operation's context (HMAC, after Hive's hmac-upstream-signature). */
export function createUpstreamSignaturePlugin(opts: { secret: string }): GatewayPlugin {
  return { name: 'upstream-signature', onSubgraphRequest: (e) => upstreamHeaders(e.ctx, opts.secret, e.subgraph) };
}
