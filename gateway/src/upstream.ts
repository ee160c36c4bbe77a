import { randomUUID } from 'node:crypto';
import { signInternalContext, type Viewer } from '@omniroute/core';

export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
  /** The client's address (the socket's, or X-Forwarded-For's first behind a trusted proxy); identity throttles sign-ins by it. */
  clientIp?: string;
}

/** The only place that forwards anything upstream: the verified viewer, signed for the one subgraph it goes to, plus the request id. */
export function upstreamHeaders(ctx: GatewayContext, secret: string, subgraph: string): Record<string, string> {
  return { ...signInternalContext({ requestId: ctx.requestId, viewer: ctx.viewer, ...(ctx.clientIp ? { clientIp: ctx.clientIp } : {}) }, { secret, audience: subgraph }), 'x-request-id': ctx.requestId };
}

/** Headers of the gateway's own calls (API key lookups, readiness probes): no viewer, `caller: 'gateway'`. */
export function gatewayCallHeaders(secret: string, subgraph: string, requestId: string = randomUUID()): Record<string, string> {
  return { ...signInternalContext({ requestId, viewer: null, caller: 'gateway' }, { secret, audience: subgraph }), 'x-request-id': requestId };
}
