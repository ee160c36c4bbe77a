import { createServer } from 'node:http';
import { Redis } from 'ioredis';
import { Gauge, type Registry } from 'prom-client';
import { consumerGroupLag, type GroupLag } from '@omniroute/events';
import type { AddressInfo } from 'node:net';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { EXPOSED_ERROR_CODES, log, runtimeTracing, traceHttpServer, trackHttpRequests, type MetricsAccess, type TokenVerifierOptions } from '@omniroute/core';
import { createGatewayRuntime, type GatewayRuntime, type GatewayRuntimeOptions } from './runtime/index.ts';
import { formatError as format } from './runtime/errors.ts';
import { createPipeline, runtimeHooks } from './pipeline.ts';
import { createRouter, type Route } from './router.ts';
import { createEdgePlugins, type PartnerAccessOptions } from './plugins/index.ts';
import { credentialOf, type AuthPluginOptions } from './plugins/auth.ts';
import { createHealthPlugin } from './plugins/health.ts';
import { createPaymentWebhookPlugin } from './plugins/payment-webhooks.ts';
import { supergraphForRuntime } from './plugins/field-auth.ts';
import { createClientErrorPlugin } from './plugins/client-errors.ts';
import { createMetricsPlugin } from './plugins/metrics.ts';
import { createGraphiqlPlugin } from './plugins/graphiql.ts';
import { gatewayCallHeaders, type GatewayContext } from './upstream.ts';
import { createSubscriptionEngine } from './subscriptions/federated.ts';
import { attachGraphqlWs } from './subscriptions/graphql-ws.ts';
import { handleSse, isSseRequest } from './subscriptions/sse.ts';
import { createSubscriptionPipeline } from './subscriptions/pipeline.ts';

export type { GatewayContext } from './upstream.ts';

/** The runtime's request and cache options (introspection, inbound dedup, body and document limits, cache budgets). */
export interface GatewayOptions extends Pick<GatewayRuntimeOptions<GatewayContext>, 'introspection' | 'dedupInbound' | 'maxBodyBytes' | 'documentLimits' | 'cacheBytes' | 'inProcessSubgraph'> {
  supergraphSdl: string;
  /** HMAC secret for the signed internal context (shared with the subgraphs). */
  secret: string;
  /** Token verification: identity's HS256 secret and/or an OIDC issuer's JWKS; API key lookup. Omit to run without auth. */
  auth?: TokenVerifierOptions & Pick<AuthPluginOptions, 'resolveApiKey'>;
  /** Rewrites subgraph URLs (tests and embedded mode run subgraphs on other ports). */
  subgraphUrl?: (name: string, url: string) => string;
  /** Extra routes such as the dashboard's static files; a key ending in `/*` matches a prefix. */
  routes?: Record<string, Route>;
  /** Partner access: Redis, manifests folder, limits, rate limits and caps, role scopes (plugins/index.ts). */
  partners?: PartnerAccessOptions;
  /** A subscriber whose unsent data exceeds this many bytes is disconnected (default 4 MiB). */
  maxSubscriberBufferBytes?: number;
  /**
   * The Redis event bus whose consumer-group lag /metrics reports (omniroute_event_consumer_lag and
   * …_pending{group,topic}; a cluster-wide view read at scrape time). Unset: not reported.
   */
  eventBus?: { redisUrl: string; prefix: string };
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
export function formatGatewayError(err: unknown, ctx: GatewayContext | undefined): GraphQLFormattedError {
  const requestId = ctx?.requestId;
  // Subgraphs already masked their unexpected errors (INTERNAL_SERVER_ERROR, not logged again): keep their request id.
  return format(err, {
    exposed: EXPOSED_ERROR_CODES,
    requestId,
    onMasked: (e) => log.error('unexpected gateway error', { requestId, error: String(e.originalError?.stack ?? e.stack ?? e.message) }),
  });
}

/** The OmniRoute gateway: authenticates at the edge, signs the caller's context for every subgraph fetch, executes plans. */
export function createGateway(opts: GatewayOptions) {
  const metrics = createMetricsPlugin({ access: opts.metricsAccess });
  const graphiql = createGraphiqlPlugin();
  // every error a client receives, on every transport, goes through here once
  const formatError = (e: unknown, ctx: GatewayContext | undefined): GraphQLFormattedError => {
    const f = formatGatewayError(e, ctx);
    metrics.countError(f.extensions?.code);
    return f;
  };
  const edge = createEdgePlugins({
    ...opts.partners,
    supergraphSdl: opts.supergraphSdl,
    secret: opts.secret,
    auth: opts.auth,
    documentLimits: opts.documentLimits,
    schema: () => runtime.schema,
    subgraphUrl: (name) => runtime.subgraphs.get(name),
    metrics,
  });
  const pipeline = createPipeline({ plugins: edge.plugins, documentLimits: edge.documentLimits, clientIp: edge.clientIp, credentialOf });
  const hooks = runtimeHooks(pipeline, { formatError: formatError as (e: GraphQLError, ctx: GatewayContext | undefined) => GraphQLFormattedError });
  const runtime: GatewayRuntime<GatewayContext> = createGatewayRuntime({
    supergraphSdl: supergraphForRuntime(opts.supergraphSdl), // @authenticated/@requiresScopes: enforced by plugins/field-auth.ts
    authorizationDirectives: 'ignore', // … so not by the runtime too
    hooks,
    subgraphUrlOverride: opts.subgraphUrl,
    introspection: opts.introspection ?? true,
    dedupInbound: opts.dedupInbound,
    maxBodyBytes: opts.maxBodyBytes,
    documentLimits: opts.documentLimits,
    cacheBytes: opts.cacheBytes,
    tracing: runtimeTracing('gateway'), // undefined unless startTelemetry() found OTEL_* configuration
    inProcessSubgraph: opts.inProcessSubgraph,
  });
  const subscriptions = createSubscriptionEngine({
    runtime,
    upstreamParams: (subgraph, ctx) => pipeline.subgraphHeaders(subgraph, ctx),
    // two keys of one partner app carry the same viewer; their subscribers still do not share results
    callerOf: (ctx) => edge.principalOf(ctx.viewer)?.keyId,
  });
  const streams = createSubscriptionPipeline({
    engine: subscriptions,
    pipeline,
    apiKeys: edge.apiKeys,
    requireViewer: !!opts.auth,
    expiresAt: edge.auth?.expiresAt,
    recheckMs: opts.partners?.apiKeyCacheTtlMs,
  });
  const graphql: Route = (req, res) => {
    if (isSseRequest(req)) return handleSse(req, res, { pipeline: streams, formatError, maxBufferedBytes: opts.maxSubscriberBufferBytes });
    if (graphiql.wantsPage(req)) return graphiql.page(req, res);
    runtime.graphqlHandler(req, res);
  };
  const server = createServer(traceHttpServer('gateway', createRouter({
    ...createHealthPlugin({ subgraphUrls: () => Object.fromEntries(runtime.subgraphs), probeHeaders: (name) => gatewayCallHeaders(opts.secret, name) }).routes,
    ...createPaymentWebhookPlugin({ financeUrl: () => runtime.subgraphs.get('finance'), secret: opts.secret }).routes,
    ...pipeline.routes(),
    ...graphiql.routes,
    ...opts.routes,
    '/graphql': graphql,
    '/': (_req, res) => void res.writeHead(302, { location: '/graphql' }).end(),
  }, (_req, res) => void res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'not found', graphql: '/graphql' })),
  (path, e) => log.error('route failed', { path, error: String(e) }))));
  server.keepAliveTimeout = 65_000;
  const requests = trackHttpRequests(server, { stream: isSseRequest });
  server.on('clientError', createClientErrorPlugin().onClientError);
  const ws = attachGraphqlWs({ server, pipeline: streams, formatError, maxBufferedBytes: opts.maxSubscriberBufferBytes });

  const eventLag = opts.eventBus ? eventLagGauges(metrics.registry, opts.eventBus) : null;
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
    pipeline,
    subscriptions,
    apiKeys: edge.apiKeys,
    sockets: () => ws.sockets(),
    async listen(port: number, host = '0.0.0.0'): Promise<number> {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      await pipeline.ready();
      return (server.address() as AddressInfo).port;
    },
    /**
     * Stops accepting, ends subscriptions, lets requests in flight finish (at most `drainTimeoutMs`, default 10 s;
     * they still need the upstream pool and partner limits, closed after), then closes.
     */
    async close(drainTimeoutMs?: number) {
      await ws.close();
      streams.close();
      await subscriptions.close();
      await requests.drain(drainTimeoutMs);
      await runtime.close();
      await pipeline.close();
      await eventLag?.close();
    },
  };
}

/** Consumer-group lag of the event bus as gauges, read from Redis at scrape time (one lazy connection). */
function eventLagGauges(registry: Registry, bus: { redisUrl: string; prefix: string }) {
  let redis: Redis | null = null;
  let last: Promise<GroupLag[]> | null = null;
  // both gauges of one scrape share one reading
  const read = () => (last ??= (async () => {
    redis ??= new Redis(bus.redisUrl, { lazyConnect: true, enableOfflineQueue: true, maxRetriesPerRequest: 1 });
    try { return await consumerGroupLag(redis, bus.prefix); } finally { setTimeout(() => { last = null; }, 1000).unref(); }
  })());
  const labelNames = ['group', 'topic'] as const;
  new Gauge({
    name: 'omniroute_event_consumer_lag', help: 'Events of a topic not yet delivered to a consumer group (Redis XINFO GROUPS lag)', labelNames, registers: [registry],
    async collect() {
      this.reset();
      try { for (const g of await read()) if (g.lag !== null) this.set({ group: g.group, topic: g.topic }, g.lag); } catch (e) { log.warn('metrics: event lag not read', { error: String(e) }); }
    },
  });
  new Gauge({
    name: 'omniroute_event_consumer_pending', help: 'Events delivered to a consumer group and not yet acknowledged', labelNames, registers: [registry],
    async collect() {
      this.reset();
      try { for (const g of await read()) this.set({ group: g.group, topic: g.topic }, g.pending); } catch { /* reported by the lag gauge */ }
    },
  });
  return { close: async () => { await redis?.quit().catch(() => redis?.disconnect()); } };
}
export { createPaymentWebhookPlugin } from './plugins/payment-webhooks.ts';
