import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { EXPOSED_ERROR_CODES, log, trackHttpRequests, type TokenVerifierOptions } from '@omniroute/core';
import { createGatewayRuntime, type GatewayHooks, type GatewayRuntime } from './runtime/index.ts';
import { createAuthPlugin, credentialOf, type AuthPluginOptions } from './plugins/auth.ts';
import { createHealthPlugin } from './plugins/health.ts';
import { createPartnerAccessPlugin, type PartnerAccessOptions } from './plugins/partner-access.ts';
import { supergraphForRuntime } from './plugins/field-auth.ts';
import { createClientErrorPlugin } from './plugins/client-errors.ts';
import { explorerPage } from './plugins/explorer.ts';
import { upstreamHeaders, type GatewayContext } from './upstream.ts';
import { createSubscriptionEngine } from './subscriptions/federated.ts';
import { attachGraphqlWs } from './subscriptions/graphql-ws.ts';
import { handleSse, isSseRequest } from './subscriptions/sse.ts';
import { createSubscriptionPipeline } from './subscriptions/pipeline.ts';

export type { GatewayContext } from './upstream.ts';

export interface GatewayOptions {
  supergraphSdl: string;
  /** HMAC secret for the signed internal context (shared with the subgraphs). */
  secret: string;
  /** Token verification: identity's HS256 secret and/or an OIDC issuer's JWKS; API key lookup. Omit to run without auth. */
  auth?: TokenVerifierOptions & Pick<AuthPluginOptions, 'resolveApiKey'>;
  /** Rewrites subgraph URLs (tests and embedded mode run subgraphs on other ports). */
  subgraphUrl?: (name: string, url: string) => string;
  /** Extra routes such as the dashboard's static files; a key ending in `/*` matches a prefix. */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
  introspection?: boolean;
  /** Answer identical concurrent queries of the same caller once. */
  dedupInbound?: boolean;
  /** Largest request body accepted, bytes (PAYLOAD_TOO_LARGE beyond). Default 1 MiB. */
  maxBodyBytes?: number;
  /** Partner access: Redis, manifests folder, limits, rate limits, role scopes (plugins/partner-access.ts). */
  partners?: Omit<PartnerAccessOptions, 'supergraphSdl' | 'secret' | 'schema' | 'identityUrl'>;
  /** A subscriber whose unsent data exceeds this many bytes is disconnected (default 4 MiB). */
  maxSubscriberBufferBytes?: number;
}


/** Keeps errors with a known code; masks the rest as INTERNAL_SERVER_ERROR carrying the request id (which the log has too). */
export function formatGatewayError(err: GraphQLError, ctx: GatewayContext | undefined): GraphQLFormattedError {
  const f = err.toJSON();
  const code = f.extensions?.code as string | undefined;
  if (code && EXPOSED_ERROR_CODES.has(code)) {
    const { stacktrace: _s, exception: _e, http: _h, ...extensions } = (f.extensions ?? {}) as Record<string, unknown>;
    return { ...f, extensions };
  }
  // Subgraphs already masked their unexpected errors: keep their request id; mask anything else here.
  const requestId = ctx?.requestId;
  if (code !== 'INTERNAL_SERVER_ERROR') log.error('unexpected gateway error', { requestId, error: String(err.originalError?.stack ?? err.stack ?? err.message) });
  return { message: 'Internal server error', ...(f.path ? { path: f.path } : {}), extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
}

/** Formats anything (GraphQLError or a plain `{ message, extensions }`) like formatGatewayError. */
function formatAny(e: unknown, ctx: GatewayContext | undefined): GraphQLFormattedError {
  if (e instanceof GraphQLError) return formatGatewayError(e, ctx);
  const o = (e ?? {}) as { message?: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> };
  return formatGatewayError(new GraphQLError(o.message ?? String(e), { path: o.path, extensions: o.extensions }), ctx);
}

/** The OmniRoute gateway: authenticates at the edge, signs the caller's context for every subgraph fetch, executes plans. */
export function createGateway(opts: GatewayOptions) {
  // API keys, CSRF, rate limits, persisted queries/safelists, operation limits, field authorization.
  const partners = createPartnerAccessPlugin({
    ...opts.partners,
    supergraphSdl: opts.supergraphSdl,
    secret: opts.secret,
    schema: () => runtime.schema,
    identityUrl: () => runtime.subgraphs.get('identity'),
  });
  const auth = opts.auth ? createAuthPlugin({ ...opts.auth, resolveApiKey: opts.auth.resolveApiKey ?? partners.resolveApiKey }) : null;
  const contextOf = async (headers: Record<string, unknown>): Promise<GatewayContext> => {
    const given = headers['x-request-id'];
    const requestId = (typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) && given) || randomUUID();
    const viewer = auth ? await auth.authenticate(credentialOf(headers)) : null;
    return { requestId, viewer };
  };
  const hooks: GatewayHooks<GatewayContext> = {
    context: (req) => partners.context(req, () => contextOf(req.headers)),
    resolveParams: (params, ctx) => partners.resolveParams(params, ctx),
    checkDocument: (doc, ctx, info) => partners.checkDocument(doc, ctx, info),
    subgraphHeaders: (_name, ctx) => upstreamHeaders(ctx, opts.secret),
    formatError: formatGatewayError,
  };
  const runtime: GatewayRuntime<GatewayContext> = createGatewayRuntime({
    supergraphSdl: supergraphForRuntime(opts.supergraphSdl), // @authenticated/@requiresScopes: enforced by plugins/field-auth.ts
    hooks,
    subgraphUrlOverride: opts.subgraphUrl,
    introspection: opts.introspection ?? true,
    dedupInbound: opts.dedupInbound,
    maxBodyBytes: opts.maxBodyBytes,
  });
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    ...createHealthPlugin(() => Object.fromEntries(runtime.subgraphs)).routes,
    ...partners.routes,
    ...opts.routes,
  };
  const subscriptions = createSubscriptionEngine({
    runtime,
    upstreamParams: (ctx) => upstreamHeaders(ctx, opts.secret),
    // two keys of one partner app carry the same viewer; their subscribers still do not share results
    callerOf: (ctx) => partners.principalOf(ctx.viewer)?.keyId,
  });
  const pipeline = createSubscriptionPipeline({
    engine: subscriptions,
    partners,
    context: contextOf,
    requireViewer: !!auth,
    expiresAt: auth?.expiresAt,
    recheckMs: opts.partners?.apiKeyCacheTtlMs,
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/graphql') {
      if (isSseRequest(req)) return void handleSse(req, res, { pipeline, formatError: formatAny, maxBufferedBytes: opts.maxSubscriberBufferBytes });
      if (req.method === 'GET' && !req.url!.includes('?') && (req.headers.accept ?? '').includes('text/html')) return explorerPage(res);
      partners.attach(req, res);
      return runtime.handler(req, res);
    }
    const route = routes[path] ?? Object.entries(routes).find(([p]) => p.endsWith('/*') && path.startsWith(p.slice(0, -1)))?.[1];
    if (route) {
      return void Promise.resolve(route(req, res)).catch((e) => {
        log.error('route failed', { path, error: String(e) });
        if (!res.headersSent) res.writeHead(500).end();
      });
    }
    if (path === '/') return void res.writeHead(302, { location: '/graphql' }).end();
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', graphql: '/graphql' }));
  });
  server.keepAliveTimeout = 65_000;
  const requests = trackHttpRequests(server, { stream: isSseRequest });
  server.on('clientError', createClientErrorPlugin().onClientError);
  const ws = attachGraphqlWs({ server, pipeline, formatError: formatAny, maxBufferedBytes: opts.maxSubscriberBufferBytes });

  return {
    server,
    runtime,
    hooks,
    subscriptions,
    partners,
    sockets: () => ws.sockets(),
    async listen(port: number, host = '0.0.0.0'): Promise<number> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      await partners.ready();
      return (server.address() as AddressInfo).port;
    },
    /**
     * Stops accepting, ends subscriptions, lets requests in flight finish (at most `drainTimeoutMs`, default 10 s;
     * they still need the upstream pool and partner limits, closed after), then closes.
     */
    async close(drainTimeoutMs?: number) {
      await ws.close();
      pipeline.close();
      await subscriptions.close();
      await requests.drain(drainTimeoutMs);
      await runtime.close();
      await partners.close();
    },
  };
}
