import { signContext, type Viewer } from '@omniroute/core';

export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
  /** The client's address (the socket's, or X-Forwarded-For's first behind a trusted proxy); identity throttles sign-ins by it. */
  clientIp?: string;
}

/** The only place that forwards anything upstream: the verified viewer, signed, plus the request id. */
export function upstreamHeaders(ctx: GatewayContext, secret: string): Record<string, string> {
  return { ...signContext({ requestId: ctx.requestId, viewer: ctx.viewer, iat: Date.now(), ...(ctx.clientIp ? { clientIp: ctx.clientIp } : {}) }, secret), 'x-request-id': ctx.requestId };
}
