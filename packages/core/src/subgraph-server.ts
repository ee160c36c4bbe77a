import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { apolloHttpHandler, headerMapOf, sendJson } from './http.ts';
import { inProcessHandler, type InProcessHandler } from './in-process.ts';
import { leanExecutor } from './lean-executor.ts';
import { attachSubscriptionServer } from './subscriptions.ts';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { defaultFieldResolver, GraphQLError, GraphQLScalarType, Kind, parse, type DefinitionNode, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { verifyContext, type InternalContext } from './context.ts';
import { sharedResolvers } from './scalars.ts';
import { log } from './logger.ts';
import { enforcePolicies, mergePolicies, type PolicyTable } from './policy.ts';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { boundedLabel, createRegistry, metricsAccessFromEnv, metricsHandler, type MetricsAccess } from './metrics.ts';
import { trackHttpRequests } from './drain.ts';
import { traceHttpServer, traceInProcess } from './telemetry.ts';

const INTERNAL = Symbol('omniroute.internalContext');

const SHARED_SDL = readFileSync(new URL('./shared.graphql', import.meta.url), 'utf8');

/** All `.graphql` files under a subgraph's modules folder, in a stable order. */
export function sdlFilesIn(modulesDir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.graphql')) out.push(join(d, e.name));
    }
  };
  walk(modulesDir);
  return out;
}

/** Reads a subgraph's SDL files (paths or file URLs) and prepends the shared value types. */
export function loadTypeDefs(files: (string | URL)[]): DocumentNode {
  const doc = parse([SHARED_SDL, ...files.map((f) => readFileSync(f, 'utf8'))].join('\n'));
  // Each module may declare `type Query { … }` for its own fields: later declarations become extensions.
  const seen = new Set<string>();
  const definitions = doc.definitions.map((d) => {
    if (d.kind !== Kind.OBJECT_TYPE_DEFINITION) return d;
    if (!seen.has(d.name.value)) {
      seen.add(d.name.value);
      return d;
    }
    const { description: _d, ...rest } = d;
    return { ...rest, kind: Kind.OBJECT_TYPE_EXTENSION } as unknown as DefinitionNode;
  });
  return { ...doc, definitions };
}

/** Error codes clients may see as they are; every other error is masked to INTERNAL_SERVER_ERROR (gateway and subgraphs). */
export const EXPOSED_ERROR_CODES: ReadonlySet<string> = new Set([
  'UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'PERSISTED_QUERY_NOT_IN_LIST', 'PERSISTED_QUERY_ID_REQUIRED',
  'BAD_REQUEST', 'RATE_LIMITED', 'PAYLOAD_TOO_LARGE', 'SUBGRAPH_UNAVAILABLE', 'OPERATION_RESOLUTION_FAILURE', 'UNSUPPORTED_OPERATION',
  'QUERY_TOO_DEEP', 'QUERY_TOO_COMPLEX', 'TOO_MANY_ALIASES', 'TOO_MANY_ROOT_FIELDS', 'INTROSPECTION_DISABLED', 'METHOD_NOT_ALLOWED', 'UNSUPPORTED_MEDIA_TYPE',
  'TOO_MANY_SENSITIVE_FIELDS', 'QUERY_TOO_LARGE',
]);

/** Keeps expected errors, masks everything else (Prisma, SQL, bugs) to INTERNAL_SERVER_ERROR with no details. */
export function maskError(formatted: GraphQLFormattedError, original: unknown, service: string, requestId?: string): GraphQLFormattedError {
  const code = formatted.extensions?.code as string | undefined;
  if (code && EXPOSED_ERROR_CODES.has(code)) {
    const { stacktrace: _s, ...extensions } = formatted.extensions ?? {};
    return { ...formatted, extensions };
  }
  log.error('unexpected error', { service, requestId, error: String((original as Error)?.stack ?? original) });
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
}

/** Merges resolver maps type by type (modules each contribute fields to Query, Mutation and shared types). */
export function mergeResolvers(maps: object[]): Record<string, unknown> {
  const out: Record<string, any> = {};
  for (const m of maps) {
    for (const [type, fields] of Object.entries(m)) {
      if (fields && typeof fields === 'object' && !(fields instanceof GraphQLScalarType)) out[type] = { ...(out[type] ?? {}), ...fields };
      else out[type] = fields;
    }
  }
  return out;
}

export interface SubgraphOptions<Ctx extends object> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: object | object[];
  /** Builds the per-request, read-only context from the verified internal context. */
  createContext: (internal: InternalContext) => Ctx | Promise<Ctx>;
  /** HMAC secret shared with the gateway. */
  secret: string;
  /**
   * Who may resolve what (packages/core policy.ts), usually one table per module: every Query, Mutation and
   * Subscription field needs a policy or the subgraph refuses to build.
   */
  policies: PolicyTable | PolicyTable[];
  /** Who may read GET /metrics on the subgraph's port. Default: METRICS_TOKEN and production mode from the environment. */
  metricsAccess?: MetricsAccess;
  /** More values for /metrics, read when scraped (e.g. the outbox backlog); each becomes `omniroute_subgraph_<name>{subgraph}`. */
  gauges?: { name: string; help: string; read(): number | Promise<number> }[];
  /**
   * Plain HTTP endpoints beside /graphql, by path prefix (a key ending in `/*`) or exact path — e.g. finance's
   * payment webhooks, which the gateway forwards. Like GraphQL requests, they must carry the gateway's signed
   * context (anything else gets 401 before the handler runs).
   */
  routes?: Record<string, SubgraphRoute>;
  /**
   * Every Mutation field's resolver runs between `await enter()` and the returned function's call, after its policy
   * check: the write gate of @omniroute/events (write-gate.ts: while events are behind, writes take turns).
   */
  writeGate?: { enter(): Promise<() => void> };
  /**
   * The subgraph's reconcilers (`Reconciler.stats()` of @omniroute/events), read when scraped: each becomes
   * `omniroute_reconciler_*{subgraph, reconciler}` (runs, found, repaired, failures, stuck, last run).
   */
  reconcilers?: () => ReconcilerMetrics[];
  /** How the gateway's requests are executed (lean-executor.ts): graphql-jit (default) or graphql-js. */
  executor?: 'jit' | 'graphql-js';
}

/** What /metrics exports of one reconciler (the shape of @omniroute/events' ReconcilerStats). */
export interface ReconcilerMetrics {
  name: string;
  runs: number;
  stuck: number;
  foundTotal: number;
  repairedTotal: number;
  failures: number;
  lastRunAt: string | null;
}

export type SubgraphRoute = (req: IncomingMessage, res: ServerResponse, internal: InternalContext) => Promise<void>;

function routeFor(routes: Record<string, SubgraphRoute> | undefined, url: string | undefined): SubgraphRoute | undefined {
  if (!routes) return undefined;
  const path = (url ?? '/').split('?')[0]!;
  return routes[path] ?? Object.entries(routes).find(([p]) => p.endsWith('/*') && path.startsWith(p.slice(0, -1)))?.[1];
}

export interface RunningSubgraph {
  name: string;
  url: string;
  port: number;
  schema: GraphQLSchema;
  httpServer: Server;
  /** The same GraphQL endpoint without HTTP, for a gateway in this process (in-process.ts); signed headers still required. */
  execute: InProcessHandler;
  /** The same request answered by Apollo Server's pipeline alone: the reference the lean path is tested against. */
  executeWithApollo: InProcessHandler;
  stop(drainTimeoutMs?: number): Promise<void>;
}

/** Builds an Apollo subgraph; `listen` serves it over HTTP. Requests without the gateway's signature are refused. */
export function createSubgraph<Ctx extends object>(opts: SubgraphOptions<Ctx>) {
  const schema = buildSubgraphSchema({
    typeDefs: opts.typeDefs,
    resolvers: mergeResolvers([sharedResolvers, ...(Array.isArray(opts.resolvers) ? opts.resolvers : [opts.resolvers])]) as never,
  });
  // The verified internal context rides along under a symbol (Apollo Server copies the context object per
  // operation, and a copy keeps own symbol properties): policies with `access: 'gateway'` need to know whether the
  // gateway signed the call as its own (the claim is inside the HMAC-signed payload).
  const createContext = async (internal: InternalContext): Promise<Ctx> => {
    const context = await opts.createContext(internal);
    return Object.freeze(Object.assign(Object.create(Object.getPrototypeOf(context) as object | null) as object, context, { [INTERNAL]: internal })) as Ctx;
  };
  const gate = opts.writeGate;
  if (gate) {
    // wrapped before the policies, so the policy check (below, outermost) refuses first and nobody waits for a refusal
    for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
      const resolve = field.resolve ?? defaultFieldResolver;
      field.resolve = async (source, args, context, info) => {
        const done = await gate.enter();
        try {
          return await resolve(source, args, context, info);
        } finally {
          done();
        }
      };
    }
  }
  enforcePolicies(schema, mergePolicies(Array.isArray(opts.policies) ? opts.policies : [opts.policies]), {
    subgraph: opts.name,
    internalCallerOf: (context) => {
      const internal = context && typeof context === 'object' ? (context as { [INTERNAL]?: InternalContext })[INTERNAL] : undefined;
      return internal?.caller === 'gateway' ? 'gateway' : null;
    },
  });
  const metrics = subgraphMetrics(opts.name, opts.gauges, opts.reconcilers);
  const formatError = (f: GraphQLFormattedError, e: unknown) => metrics.counted(maskError(f, (e as GraphQLError)?.originalError ?? e, opts.name));
  // Apollo Server answers what the gateway never sends (GET, batches, persisted queries, malformed bodies); the
  // gateway's requests take the lean path (lean-executor.ts), over HTTP and in process alike.
  const apollo = new ApolloServer<Ctx & { requestId?: string }>({
    schema,
    includeStacktraceInErrorResponses: false,
    // No cache hints anywhere in the graph: Apollo's default cache-control plugin only wrapped every resolver in a
    // per-field hook (≈3% of a subgraph's CPU on OrderDetail, issue 17); without it no plugin instruments fields.
    plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginCacheControlDisabled(), metrics.plugin],
    csrfPrevention: false, // only the gateway talks to subgraphs, and only with a signed context
    formatError,
  });
  const serveMetrics = metricsHandler(metrics.registry, opts.metricsAccess ?? metricsAccessFromEnv());

  const contextOf = async (headers: { get(name: string): string | undefined | null }) => {
    const internal = verifyContext(headers, { secret: opts.secret, audience: opts.name });
    return (await createContext(internal)) as Ctx & { requestId?: string };
  };
  const lean = leanExecutor({ schema, context: contextOf, formatError, observe: metrics.observe, engine: opts.executor });
  const handle = apolloHttpHandler(apollo, contextOf, { lean });
  const execute = traceInProcess(opts.name, inProcessHandler(apollo, contextOf, lean));
  const executeWithApollo = inProcessHandler(apollo, contextOf);

  return {
    name: opts.name,
    schema,
    apollo,
    async listen(port = 0, host = '127.0.0.1'): Promise<RunningSubgraph> {
      await apollo.start();
      // /metrics is not GraphQL: it is served before (and without) the signed-context check, behind its own token
      const httpServer = createServer(traceHttpServer(opts.name, (req, res) => {
        if ((req.url ?? '').split('?')[0] === '/metrics') return void serveMetrics(req, res);
        const route = routeFor(opts.routes, req.url);
        if (!route) return void handle(req, res);
        let internal: InternalContext;
        try {
          internal = verifyContext(headerMapOf(req), { secret: opts.secret, audience: opts.name });
        } catch {
          return sendJson(res, 401, { error: 'Requests must come through the OmniRoute gateway' });
        }
        route(req, res, internal).catch((error) => {
          log.error('subgraph route failed', { service: opts.name, path: req.url?.split('?')[0], error: String((error as Error)?.stack ?? error) });
          if (!res.headersSent) sendJson(res, 500, { error: 'Internal server error' });
          else res.end();
        });
      }));
      httpServer.keepAliveTimeout = 65_000;
      const requests = trackHttpRequests(httpServer);
      // Subgraph-owned Subscription fields are served over graphql-ws on the same port (the gateway federates them).
      const ws = schema.getSubscriptionType()
        ? attachSubscriptionServer({ httpServer, schema, secret: opts.secret, createContext, name: opts.name })
        : null;
      metrics.sockets = () => ws?.connections() ?? 0;
      await new Promise<void>((resolve) => httpServer.listen(port, host, resolve));
      const actual = (httpServer.address() as AddressInfo).port;
      return {
        name: opts.name,
        url: `http://${host}:${actual}/graphql`,
        port: actual,
        schema,
        httpServer,
        execute,
        executeWithApollo,
        /** Stops accepting, finishes the requests in flight (at most `drainTimeoutMs`, default 10 s), then closes. */
        async stop(drainTimeoutMs?: number) {
          await ws?.close();
          await requests.drain(drainTimeoutMs);
          await apollo.stop();
        },
      };
    },
  };
}

/** A subgraph's Prometheus metrics: request durations by operation, errors by code, graphql-ws sockets, the process. */
function subgraphMetrics(subgraph: string, gauges: NonNullable<SubgraphOptions<object>['gauges']> = [], reconcilers?: () => ReconcilerMetrics[]) {
  const registry = createRegistry();
  const operation = boundedLabel(); // operation names come from clients (through the gateway's plans)
  const duration = new Histogram({
    name: 'omniroute_subgraph_request_duration_seconds',
    help: 'GraphQL requests served by this subgraph, by operation name and kind',
    labelNames: ['subgraph', 'operation', 'kind'] as const,
    registers: [registry],
  });
  const series = new Map<string, ReturnType<typeof duration.labels>>();
  const errors = new Counter({
    name: 'omniroute_subgraph_errors_total',
    help: 'Errors in responses of this subgraph, by code (unexpected ones are INTERNAL_SERVER_ERROR)',
    labelNames: ['subgraph', 'code'] as const,
    registers: [registry],
  });
  const state = {
    registry,
    sockets: (): number => 0,
    observe(operationName: string | null, kind: string | null, ms: number): void {
      const name = operation(operationName ?? 'anonymous');
      const k = kind ?? 'none';
      // one child per label set (bounded by `operation`): prom-client hashes the labels on every observe otherwise
      const key = `${name}\u0000${k}`;
      let child = series.get(key);
      if (!child) series.set(key, (child = duration.labels({ subgraph, operation: name, kind: k })));
      child.observe(ms / 1000);
    },
    plugin: {
      async requestDidStart() {
        const t0 = performance.now();
        return {
          async willSendResponse(rc: { operationName?: string | null; operation?: { operation: string } | null }) {
            state.observe(rc.operationName ?? null, rc.operation?.operation ?? null, performance.now() - t0);
          },
        };
      },
    },
    counted(f: GraphQLFormattedError): GraphQLFormattedError {
      errors.inc({ subgraph, code: String(f.extensions?.code ?? 'UNKNOWN') });
      return f;
    },
  };
  new Gauge({
    name: 'omniroute_subgraph_websockets',
    help: 'Open graphql-ws connections (the gateway subscribes over them)',
    labelNames: ['subgraph'] as const,
    registers: [registry],
    collect() {
      this.set({ subgraph }, state.sockets());
    },
  });
  if (reconcilers) reconcilerMetrics(registry, subgraph, reconcilers);
  for (const g of gauges) {
    new Gauge({
      name: `omniroute_subgraph_${g.name}`,
      help: g.help,
      labelNames: ['subgraph'] as const,
      registers: [registry],
      async collect() {
        try {
          this.set({ subgraph }, await g.read());
        } catch (e) {
          // a failed reading leaves the series out of this scrape rather than failing /metrics as a whole
          this.reset();
          log.warn('metrics: gauge not read', { subgraph, gauge: g.name, error: String(e) });
        }
      },
    });
  }
  return state;
}

/**
 * Reconciler stats as Prometheus series, read at scrape time from the jobs themselves (they keep the counts, so a
 * counter here is set to their total rather than incremented).
 */
function reconcilerMetrics(registry: Registry, subgraph: string, read: () => ReconcilerMetrics[]): void {
  const labelNames = ['subgraph', 'reconciler'] as const;
  const series: [name: string, help: string, kind: 'counter' | 'gauge', value: (s: ReconcilerMetrics) => number | null][] = [
    ['omniroute_reconciler_runs_total', 'Runs of the reconciler', 'counter', (s) => s.runs],
    ['omniroute_reconciler_found_total', 'Stuck items found over all runs', 'counter', (s) => s.foundTotal],
    ['omniroute_reconciler_repaired_total', 'Stuck items the runs repaired (re-sent or settled)', 'counter', (s) => s.repairedTotal],
    ['omniroute_reconciler_failures_total', 'Runs that failed (retried at the next period)', 'counter', (s) => s.failures],
    ['omniroute_reconciler_stuck', 'Stuck items found by the last run (zero when the flow is healthy)', 'gauge', (s) => s.stuck],
    ['omniroute_reconciler_last_run_timestamp_seconds', 'When the last run finished (Unix time)', 'gauge', (s) => (s.lastRunAt ? Date.parse(s.lastRunAt) / 1000 : null)],
  ];
  for (const [name, help, kind, value] of series) {
    const collect = function (this: Counter<'subgraph' | 'reconciler'> | Gauge<'subgraph' | 'reconciler'>) {
      this.reset();
      for (const s of read()) {
        const v = value(s);
        if (v === null) continue;
        if (this instanceof Counter) this.inc({ subgraph, reconciler: s.name }, v);
        else this.set({ subgraph, reconciler: s.name }, v);
      }
    };
    if (kind === 'counter') new Counter({ name, help, labelNames, registers: [registry], collect });
    else new Gauge({ name, help, labelNames, registers: [registry], collect });
  }
}
