import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { signContext, type Viewer } from '@omniroute/core';

export interface GatewayContext {
  requestId: string;
  viewer: Viewer | null;
}

/** The only place that forwards anything upstream: the verified viewer, signed, plus the request id. */
export function upstreamHeaders(ctx: GatewayContext, secret: string): Record<string, string> {
  return { ...signContext({ requestId: ctx.requestId, viewer: ctx.viewer, iat: Date.now() }, secret), 'x-request-id': ctx.requestId };
}

export class SignedDataSource extends RemoteGraphQLDataSource<GatewayContext & Record<string, unknown>> {
  constructor(url: string, private readonly secret: string) {
    super({ url });
  }
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext & Record<string, unknown>>) {
    if (!('requestId' in context)) return; // health checks and schema loading carry no caller
    for (const [k, v] of Object.entries(upstreamHeaders(context as GatewayContext, this.secret))) request.http?.headers.set(k, v);
  }
}
