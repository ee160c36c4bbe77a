import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { EXPOSED_ERROR_CODES, log, trackHttpRequests, type MetricsAccess, type TokenVerifierOptions } from '@omniroute/core';
import { createGatewayRuntime, type DocumentLimits, type GatewayHooks, type GatewayRuntime } from './runtime/index.ts';
import { createAuthPlugin, credentialOf, type AuthPluginOptions } from './plugins/auth.ts';
import { createHealthPlugin } from './plugins/health.ts';
import { createPaymentWebhookPlugin } from './plugins/payment-webhooks.ts';
import { createPartnerAccessPlugin, type PartnerAccessOptions } from './plugins/partner-access.ts';
import { supergraphForRuntime } from './plugins/field-auth.ts';
import { createClientErrorPlugin } from './plugins/client-errors.ts';
import { createMetricsPlugin } from './plugins/metrics.ts';
import { createGraphiqlPlugin } from './plugins/graphiql.ts';
import { gatewayCallHeaders, upstreamHeaders, type GatewayContext } from './upstream.ts';
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
  /** Largest GraphQL document (bytes, checked before parsing) and most tokens: QUERY_TOO_LARGE beyond. Default 64 KiB, 5,000. */
  documentLimits?: Partial<DocumentLimits>;
  /** Estimated bytes the operation caches may hold: parsed documents and query plans. Default 24 and 12 MiB. */
  cacheBytes?: { documents?: number; plans?: number };
  /** Partner access: Redis, manifests folder, limits, rate limits, role scopes (plugins/partner-access.ts). */
  partners?: Omit<PartnerAccessOptions, 'supergraphSdl' | 'secret' | 'schema' | 'identityUrl' | 'documentLimits'>;
  /** A subscriber whose unsent data exceeds this many bytes is disconnected (default 4 MiB). */
  maxSubscriberBufferBytes?: number;
  /** Who may read /metrics (default: METRICS_TOKEN and production mode from the environment). */
  metricsAccess?: MetricsAccess;
}


/**
 * Document limits and cache budgets from the environment (embedded and distributed mode alike):
 * GATEWAY_MAX_DOCUMENT_BYTES, GATEWAY_MAX_DOCUMENT_TOKENS, GATEWAY_OPERATION_CACHE_MB (two thirds for documents, one
 * third for plans). Unset: the defaults.
 */
export function documentOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): Pick<GatewayOptions, 'documentLimits' | 'cacheBytes'> {
  const int = (name: string): number | undefined => {
    const v = env[name];
    if (v === undefined || v === '') return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${v}"`);
    return n;
  };
  const mb = int('GATEWAY_OPERATION_CACHE_MB');
  return {
    documentLimits: { maxBytes: int('GATEWAY_MAX_DOCUMENT_BYTES'), maxTokens: int('GATEWAY_MAX_DOCUMENT_TOKENS') },
    cacheBytes: mb === undefined ? undefined : { documents: Math.round((mb * 2 / 3) * 1024 * 1024), plans: Math.round((mb / 3) * 1024 * 1024) },
  };
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
  const metrics = createMetricsPlugin({ access: opts.metricsAccess });
  const graphiql = createGraphiqlPlugin();
  // every error a client receives, on every transport, goes through here once
  const formatError = (e: GraphQLError, ctx: GatewayContext | undefined): GraphQLFormattedError => {
    const f = formatGatewayError(e, ctx);
    metrics.countError(f.extensions?.code);
    return f;
  };
  const formatAnyCounted = (e: unknown, ctx: GatewayContext | undefined): GraphQLFormattedError => {
    const f = formatAny(e, ctx);
    metrics.countError(f.extensions?.code);
    return f;
  };
  // API keys, CSRF, rate limits, persisted queries/safelists, operation limits, field authorization.
  const partners = createPartnerAccessPlugin({
    ...opts.partners,
    metrics,
    supergraphSdl: opts.supergraphSdl,
    secret: opts.secret,
    documentLimits: opts.documentLimits,
    schema: () => runtime.schema,
    identityUrl: () => runtime.subgraphs.get('identity'),
  });
  const auth = opts.auth ? createAuthPlugin({ ...opts.auth, resolveApiKey: opts.auth.resolveApiKey ?? partners.resolveApiKey }) : null;
  const contextOf = async (headers: Record<string, unknown>, clientIp?: string): Promise<GatewayContext> => {
    const given = headers['x-request-id'];
    const requestId = (typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) && given) || randomUUID();
    const viewer = auth ? await auth.authenticate(credentialOf(headers)) : null;
    return clientIp ? { requestId, viewer, clientIp } : { requestId, viewer };
  };
  const hooks: GatewayHooks<GatewayContext> = {
    context: (req) => partners.context(req, () => contextOf(req.headers, partners.clientIp(req))),
    resolveParams: (params, ctx) => partners.resolveParams(params, ctx),
    checkDocument: (doc, ctx, info) => partners.checkDocument(doc, ctx, info),
    subgraphHeaders: (name, ctx) => upstreamHeaders(ctx, opts.secret, name),
    formatError,
    onRequestEnd: (info) => metrics.observeRequest(info),
    onSubgraphFetch: (info) => metrics.observeFetch(info),
  };
  const runtime: GatewayRuntime<GatewayContext> = createGatewayRuntime({
    supergraphSdl: supergraphForRuntime(opts.supergraphSdl), // @authenticated/@requiresScopes: enforced by plugins/field-auth.ts
    hooks,
    subgraphUrlOverride: opts.subgraphUrl,
    introspection: opts.introspection ?? true,
    dedupInbound: opts.dedupInbound,
    maxBodyBytes: opts.maxBodyBytes,
    documentLimits: opts.documentLimits,
    cacheBytes: opts.cacheBytes,
  });
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>> = {
    ...createHealthPlugin({ subgraphUrls: () => Object.fromEntries(runtime.subgraphs), probeHeaders: (name) => gatewayCallHeaders(opts.secret, name) }).routes,
    ...createPaymentWebhookPlugin({ financeUrl: () => runtime.subgraphs.get('finance'), secret: opts.secret }).routes,
    ...partners.routes,
    ...metrics.routes,
    ...graphiql.routes,
    ...opts.routes,
  };
  const subscriptions = createSubscriptionEngine({
    runtime,
    upstreamParams: (subgraph, ctx) => upstreamHeaders(ctx, opts.secret, subgraph),
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
      if (isSseRequest(req)) return void handleSse(req, res, { pipeline, formatError: formatAnyCounted, maxBufferedBytes: opts.maxSubscriberBufferBytes });
      if (graphiql.wantsPage(req)) return void graphiql.page(req, res).catch((e) => { log.error('graphiql page failed', { error: String(e) }); if (!res.headersSent) res.writeHead(500).end(); });
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
  const ws = attachGraphqlWs({ server, pipeline, formatError: formatAnyCounted, maxBufferedBytes: opts.maxSubscriberBufferBytes });

  metrics.gauge('websockets', 'Open graphql-ws client sockets', () => ws.sockets());
  metrics.gauge('subscription_upstreams', 'Subgraph subscription streams open (shared by subscribers of the same operation and identity)', () => subscriptions.stats().upstreams);
  metrics.gauge('subscription_groups', 'Distinct subscriptions being served (operation, variables, caller identity)', () => subscriptions.stats().groups);
  metrics.total('subscription_events_total', 'Events received from subgraph subscription streams', () => subscriptions.stats().eventsIn);
  metrics.total('subscription_results_total', 'Subscription results sent to subscribers', () => subscriptions.stats().resultsOut);

  return {
    server,
    runtime,
    metrics,
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
export { createPaymentWebhookPlugin } from './plugins/payment-webhooks.ts';
