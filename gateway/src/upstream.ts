import { signContext, type Viewer } from '@omniroute/core';

export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
}

/** The only place that forwards anything upstream: the verified viewer, signed, plus the request id. */
export function upstreamHeaders(ctx: GatewayContext, secret: string): Record<string, string> {
  return { ...signContext({ requestId: ctx.requestId, viewer: ctx.viewer, iat: Date.now() }, secret), 'x-request-id': ctx.requestId };
}
