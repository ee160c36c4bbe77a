// OmniRoute gateway runtime: serves any Federation 2 supergraph. Plans with @apollo/query-planner, executes plans
// with our own executor (batched, deduplicated subgraph fetches), shapes responses straight from subgraph JSON.
// The public surface is documented in gateway/README-runtime.md.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import {
  GraphQLError, Kind, executeSync, getVariableValues,
  type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import type { PlanNode, QueryPlan, SubscriptionNode } from '@apollo/query-planner';
import type { QueryPlannerConfig } from '@apollo/query-planner';
import { loadSupergraph, percentOfLabel } from './supergraph.ts';
import { SlicingArgumentsError, type CostModel } from './cost.ts';
import type { AuthorizationInfo, Authorizer } from './authorization.ts';
import { SubgraphClient, type FetchTracing, type SubgraphClientOptions } from './subgraph-client.ts';
import { PlanExecutor, type PlanResult } from './plan-executor.ts';
import { OperationStore, RequestError, type DocumentLimits, type OperationStoreStats, type PreparedOperation } from './operation-store.ts';
import { ErrorCode, formatError as defaultFormatError, gqlError, toGraphQLError } from './errors.ts';
import { createHttpHandler } from './http-handler.ts';
import { createRouter, type Route } from '../router.ts';

export { ErrorCode, formatError, gqlError } from './errors.ts';
export type { AuthorizationInfo } from './authorization.ts';
export type { DocumentLimits, OperationStoreStats, PreparedOperation } from './operation-store.ts';
export { DEFAULT_DOCUMENT_LIMITS, documentLimitsOf, documentSizeError, parseFailure } from './operation-store.ts';

export interface IncomingRequestInfo {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  ip: string;
}

export interface GraphQLParams {
  query?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  extensions?: Record<string, unknown>;
  documentId?: string;
}

export interface ResolvedParams {
  query: string;
  operationName?: string;
  variables?: Record<string, unknown>;
}

export interface GatewayHooks<Ctx> {
  /** Once per HTTP request, before parsing. Throw a GraphQLError (extensions.code, optional extensions.http.status) to refuse. */
  context?(req: IncomingRequestInfo): Promise<Ctx> | Ctx;
  /** Rewrites/resolves the incoming params (persisted queries: extensions.persistedQuery, documentId). May throw GraphQLError. */
  resolveParams?(params: GraphQLParams, ctx: Ctx): Promise<ResolvedParams> | ResolvedParams;
  /** After parse+validate (cached per document): limits such as depth/alias/cost. Return GraphQLErrors to refuse. */
  checkDocument?(doc: DocumentNode, ctx: Ctx, info: { operation: OperationDefinitionNode; variables: Record<string, unknown> }): readonly GraphQLError[] | void;
  /** Per subgraph fetch: extra headers (e.g. a signed internal context). Called at most once per subgraph per request. */
  subgraphHeaders?(subgraphName: string, ctx: Ctx): Record<string, string> | undefined;
  /** Custom routes of listen()'s server by exact path (any method; `/prefix/*` for a prefix): /health, static files. */
  routes?: Record<string, Route>;
  /** Formats every error sent to clients. Default: masks unexpected errors as "Internal server error" (INTERNAL_SERVER_ERROR). */
  formatError?(err: GraphQLError, ctx: Ctx | undefined): GraphQLFormattedError;
  /**
   * With dedupInbound: extra key material telling apart callers whose identical requests must not share a
   * response (default: the Authorization and Cookie headers are part of the key).
   */
  dedupKey?(ctx: Ctx): string;
  /** Once the operation is planned (cached plans too), before it runs. */
  onExecutionPlan?(plan: QueryPlan, ctx: Ctx): void;
  /**
   * The shaped result of a query, a mutation or a subscription event, before it is serialised for the client:
   * may rewrite it (field authorization nulls denied fields here).
   */
  onResult?(result: ExecutionResult, ctx: Ctx): ExecutionResult;
  /**
   * After each GraphQL request over HTTP has been answered (metrics, releasing what the request held).
   * `operationName`/`kind` once the document was valid; `ctx` once the context hook succeeded.
   */
  onRequestEnd?(info: RequestEndInfo, ctx: Ctx | undefined): void;
  /**
   * What the caller holds for the supergraph's @authenticated / @requiresScopes / @policy (only asked when the
   * supergraph uses them). Without this hook every caller is anonymous: the fields they guard answer null with
   * UNAUTHORIZED_FIELD_OR_TYPE.
   */
  authorization?(ctx: Ctx): AuthorizationInfo | undefined;
  /**
   * Progressive @override: the custom (non-`percent(n)`) labels active for this request (as the router's
   * `apollo_override::labels_to_override`). `percent(n)` labels are drawn per request by the runtime.
   */
  overrideLabels?(ctx: Ctx): Iterable<string> | undefined;
  /** After each subgraph HTTP fetch (metrics); status 0 when the subgraph did not answer. */
  onSubgraphFetch?(info: { subgraph: string; status: number; durationMs: number }): void;
}

export interface RequestEndInfo {
  operationName?: string;
  kind?: 'query' | 'mutation' | 'subscription';
  status: number;
  durationMs: number;
}

export interface GatewayRuntimeOptions<Ctx> {
  supergraphSdl: string;
  hooks?: GatewayHooks<Ctx>;
  /** Answer identical concurrent queries (same document, variables, operation, caller) with one execution. */
  dedupInbound?: boolean;
  subgraphUrlOverride?: (name: string, url: string) => string;
  /** Schema introspection (__schema/__type). Default true. */
  introspection?: boolean;
  /** Max request body, bytes. Default 1 MiB. */
  maxBodyBytes?: number;
  /** Size (bytes, before parsing) and token limits of GraphQL documents: QUERY_TOO_LARGE beyond. Default 64 KiB, 5,000. */
  documentLimits?: Partial<DocumentLimits>;
  /** Estimated bytes of cached documents (parsed, validated, prepared) and of cached query plans. Default 24 and 12 MiB. */
  cacheBytes?: { documents?: number; plans?: number };
  /** GraphQL endpoint path. Default /graphql. */
  path?: string;
  /** Per subgraph fetch timeout, ms. Default 30 s. */
  subgraphTimeoutMs?: number;
  /** Sockets per subgraph origin. Default 128. */
  subgraphConnections?: number;
  /** Subgraphs served by this process, by URL: fetched without HTTP (subgraph-client.ts). Default: none. */
  inProcessSubgraph?: SubgraphClientOptions['inProcess'];
  queryPlannerConfig?: QueryPlannerConfig;
  /**
   * The supergraph's @authenticated / @requiresScopes / @policy: `enforce` (default; hooks.authorization says what
   * the caller holds) or `ignore` when the embedding server enforces them itself (the OmniRoute gateway's
   * field-auth plugin does, with its role → scope table).
   */
  authorizationDirectives?: 'enforce' | 'ignore';
  /**
   * Demand control: operations whose estimated cost (the supergraph's @cost / @listSize, runtime/cost.ts) is over
   * `maxCost` are refused before planning (COST_ESTIMATED_TOO_EXPENSIVE, HTTP 400). `listSize`: the size of lists
   * without @listSize (default 10). Off by default.
   */
  demandControl?: { maxCost: number; listSize?: number };
  /**
   * OpenTelemetry (`runtimeTracing(service)` of @omniroute/core): each operation's execution and each subgraph
   * fetch in a span, `traceparent` sent to subgraphs. Unset: no tracing, no cost.
   */
  tracing?: RuntimeTracingHooks;
  /** Source of the per-request draw of `percent(n)` override labels, in [0, 1). Default Math.random. */
  random?: () => number;
}

export interface RuntimeTracingHooks extends FetchTracing {
  operation<T>(name: string | undefined, kind: string, run: () => Promise<T>): Promise<T>;
}

export interface ExecuteArgs<Ctx> {
  query: string | DocumentNode;
  variables?: Record<string, unknown>;
  operationName?: string;
  ctx: Ctx;
}

/** A planned, validated operation with coerced variables, ready to run. */
export interface ReadyOperation {
  prepared: PreparedOperation;
  variables: Record<string, unknown>;
  /**
   * The plan for this request: `prepared.plan`, or the plan for the progressive @override labels drawn for it,
   * or for the operation without the fields authorization removed.
   */
  plan: QueryPlan;
  /** Errors known before execution (fields removed by authorization), reported with the result. */
  errors?: GraphQLError[];
}

export interface GatewayRuntime<Ctx> {
  /** In-process execution of queries and mutations (subscriptions: see prepareSubscription/executeSubscriptionEvent). */
  execute(args: ExecuteArgs<Ctx>): Promise<ExecutionResult>;
  /** node:http handler: GraphQL over HTTP on `path`, hooks.routes, 404 for the rest (what listen() serves). */
  handler: (req: IncomingMessage, res: ServerResponse) => void;
  /** GraphQL over HTTP alone, for a server with a router of its own (the gateway's). */
  graphqlHandler: (req: IncomingMessage, res: ServerResponse) => void;
  /** Serves `handler` on a server of its own (the bare runtime: CLI, tests). */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
  /** The API schema (what clients see). */
  schema: GraphQLSchema;
  /** Query plan of an operation (cached). */
  planFor(doc: string | DocumentNode, operationName?: string): QueryPlan;
  /**
   * Parses, validates, runs checkDocument and coerces variables (no execution). Returns errors as a result when
   * the request is invalid. For subscriptions, `prepared.plan.node` is a SubscriptionNode: run its `primary`
   * fetch with your transport, then executeSubscriptionEvent for each event.
   */
  prepare(args: ExecuteArgs<Ctx>): { ready: ReadyOperation } | { result: ExecutionResult };
  /**
   * Completes one subscription event: runs the plan's `rest` (entity fetches of the other subgraphs) on
   * `rootData` (the primary fetch's `data`, e.g. `{ orderUpdated: {...} }`) and shapes the client response.
   */
  executeSubscriptionEvent(ready: ReadyOperation, rootData: Record<string, unknown>, ctx: Ctx): Promise<ExecutionResult>;
  /** Lower level: runs any plan node against a root data object (not mutated); returns the completed tree. */
  executePlanNode(node: PlanNode | SubscriptionNode | undefined, rootData: Record<string, unknown>, opts: { variables: Record<string, unknown>; ctx: Ctx }): Promise<{ data: Record<string, unknown>; errors: GraphQLError[] }>;
  /** Subgraph names and URLs (after overrides). */
  subgraphs: ReadonlyMap<string, string>;
  /** Counters: subgraph HTTP requests actually sent; what the operation caches hold. */
  stats(): { subgraphRequests: number; operations: OperationStoreStats };
  /** The document limits in force. */
  documentLimits: DocumentLimits;
}

export function createGatewayRuntime<Ctx = unknown>(opts: GatewayRuntimeOptions<Ctx>): GatewayRuntime<Ctx> {
  const hooks = opts.hooks ?? {};
  const sg = loadSupergraph(opts.supergraphSdl, opts.queryPlannerConfig);
  const urls = new Map<string, string>();
  for (const [name, url] of sg.subgraphs) urls.set(name, opts.subgraphUrlOverride ? opts.subgraphUrlOverride(name, url) : url);
  const subgraphOf = new Map([...urls].map(([name, url]) => [url, name]));
  const client = new SubgraphClient({
    timeoutMs: opts.subgraphTimeoutMs,
    connections: opts.subgraphConnections,
    inProcess: opts.inProcessSubgraph,
    onResponse: hooks.onSubgraphFetch && ((url, status, durationMs) => hooks.onSubgraphFetch!({ subgraph: subgraphOf.get(url) ?? url, status, durationMs })),
    tracing: opts.tracing,
    nameOf: (url) => subgraphOf.get(url) ?? url,
  });
  const tracing = opts.tracing;
  const executor = new PlanExecutor({ client, types: sg.types, urls });
  const store = new OperationStore({
    apiSchema: sg.apiSchema, apiSchemaInternal: sg.apiSchemaInternal, planner: sg.planner, requiresArgs: sg.requiresArgs, introspection: opts.introspection !== false,
    limits: opts.documentLimits, documentCacheBytes: opts.cacheBytes?.documents, planCacheBytes: opts.cacheBytes?.plans,
  });
  const overridesFor = overrideDraw(sg.overrideLabels, opts.random ?? Math.random, hooks);
  const authorizer = opts.authorizationDirectives === 'ignore' ? null : sg.authorizer;
  const authorizedOperation = authorizer && authorizedOperations(authorizer, store, hooks);
  const formatError = (e: GraphQLError, ctx: Ctx | undefined) => (hooks.formatError ? hooks.formatError(e, ctx) : defaultFormatError(e));

  const shaped = (result: ExecutionResult, ctx: Ctx) => (hooks.onResult ? hooks.onResult(result, ctx) : result);
  const headersFor = (ctx: Ctx) => (hooks.subgraphHeaders ? (name: string) => hooks.subgraphHeaders!(name, ctx) : undefined);

  function prepare(args: ExecuteArgs<Ctx>): { ready: ReadyOperation } | { result: ExecutionResult; requestError?: RequestError } {
    let p: PreparedOperation | RequestError;
    try {
      p = store.prepare(args.query, args.operationName);
    } catch (err) {
      return { result: { errors: [toGraphQLError(err)] } };
    }
    if (p instanceof RequestError) return { result: { errors: p.errors }, requestError: p };
    const variables = coerceVariables(sg.apiSchema, p, args.variables);
    if (variables instanceof RequestError) return { result: { errors: variables.errors }, requestError: variables };
    if (hooks.checkDocument) {
      const errs = checkDocument(hooks.checkDocument, p, args.ctx, variables);
      if (errs && errs.length) return { result: { errors: errs }, requestError: new RequestError(errs, 'validation') };
    }
    if (opts.demandControl) {
      const err = costError(sg.cost, p, variables, opts.demandControl);
      if (err) return { result: { errors: [err] }, requestError: new RequestError([err], 'validation') };
    }
    let plan: QueryPlan;
    let denied: GraphQLError[] | undefined;
    try {
      let planned = p;
      if (authorizedOperation) {
        const f = authorizedOperation(p, args.ctx);
        if (f) {
          denied = f.errors;
          planned = f.prepared ?? EMPTY;
        }
      }
      // only now: planning a crafted document is the expensive step limits protect
      plan = planned === EMPTY ? EMPTY_PLAN : store.plan(planned, overridesFor(args.ctx));
      hooks.onExecutionPlan?.(plan, args.ctx);
    } catch (err) {
      return { result: { errors: [toGraphQLError(err)] } };
    }
    return { ready: { prepared: p, variables, plan, errors: denied } };
  }

  async function run(ready: ReadyOperation, ctx: Ctx, rawVariables?: Record<string, unknown>): Promise<ExecutionResult> {
    const p = ready.prepared;
    if (p.kind === 'subscription') {
      return { errors: [gqlError('Subscriptions are served over WebSocket (graphql-ws), not over this transport', ErrorCode.UNSUPPORTED_OPERATION, { http: { status: 405 } })] };
    }
    const shaper = store.shaper(p, ready.variables);
    let r: PlanResult;
    try {
      const input = { variables: ready.variables, headersFor: headersFor(ctx) };
      r = await (tracing ? tracing.operation(p.operationName, p.kind, () => executor.run(ready.plan, input)) : executor.run(ready.plan, input));
    } catch (err) {
      return { errors: [toGraphQLError(err)] };
    }
    const errors = ready.errors ? [...ready.errors, ...r.errors] : r.errors;
    const introspection = shaper.introspectionFields.length ? introspect(sg.apiSchema, ready, rawVariables, shaper.introspectionFields) : undefined;
    const out = shaper.shape(r.data, errors, r.overlay, introspection);
    return shaped(errors.length ? { errors, data: out } : { data: out }, ctx);
  }

  async function execute(args: ExecuteArgs<Ctx>): Promise<ExecutionResult> {
    const r = prepare(args);
    if ('result' in r) return r.result;
    return run(r.ready, args.ctx, args.variables);
  }

  async function executeSubscriptionEvent(ready: ReadyOperation, rootData: Record<string, unknown>, ctx: Ctx): Promise<ExecutionResult> {
    const p = ready.prepared;
    if (ready.plan.node?.kind !== 'Subscription') {
      return { errors: [gqlError('executeSubscriptionEvent needs a subscription operation', ErrorCode.UNSUPPORTED_OPERATION)] };
    }
    const shaper = store.shaper(p, ready.variables);
    let r: PlanResult;
    try {
      r = await executor.runRest(ready.plan.node, rootData, { variables: ready.variables, headersFor: headersFor(ctx) });
    } catch (err) {
      return { errors: [toGraphQLError(err)] };
    }
    const errors = r.errors;
    const out = shaper.shape(r.data, errors, r.overlay);
    return shaped(errors.length ? { errors, data: out } : { data: out }, ctx);
  }

  const path = opts.path ?? '/graphql';
  const graphqlHandler = createHttpHandler<Ctx>({
    hooks, maxBodyBytes: opts.maxBodyBytes ?? 1024 * 1024, maxDocumentBytes: store.limits.maxBytes, dedupInbound: !!opts.dedupInbound,
    prepare, run, formatError,
  });
  const handler = createRouter({ ...hooks.routes, [path]: graphqlHandler }, (_req, res) => void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found'));
  let server: http.Server | null = null;

  return {
    execute,
    handler,
    graphqlHandler,
    schema: sg.apiSchema,
    subgraphs: urls,
    planFor(doc, operationName) {
      const p = store.prepare(doc, operationName);
      if (p instanceof RequestError) throw p.errors[0];
      return store.plan(p);
    },
    prepare(args) {
      const r = prepare(args);
      return 'ready' in r ? { ready: r.ready } : { result: r.result };
    },
    executeSubscriptionEvent,
    async executePlanNode(node, rootData, o) {
      const r = await executor.runRest(node, rootData as Record<string, any>, { variables: o.variables, headersFor: headersFor(o.ctx) });
      return { data: r.overlay.materialize(r.data) as Record<string, unknown>, errors: r.errors };
    },
    listen(port, host = '127.0.0.1') {
      return listenOn((server ??= http.createServer(handler)), port, host);
    },
    async close() {
      await closeServer(server);
      await client.close();
    },
    stats: () => ({ subgraphRequests: client.sent, operations: store.stats() }),
    documentLimits: store.limits,
  };
}

/** Progressive @override: `percent(n)` labels drawn per request, custom labels from the hook; undefined without labels. */
function overrideDraw<Ctx>(overrideLabels: string[], random: () => number, hooks: GatewayHooks<Ctx>) {
  const percentLabels = overrideLabels.flatMap((l) => { const pct = percentOfLabel(l); return pct === null ? [] : [[l, pct] as const]; });
  const customLabels = new Set(overrideLabels.filter((l) => percentOfLabel(l) === null));
  return overrideLabels.length === 0 ? () => undefined : (ctx: Ctx) => {
    const labels = new Set<string>();
    for (const [label, pct] of percentLabels) if (random() * 100 < pct) labels.add(label);
    if (customLabels.size && hooks.overrideLabels) for (const l of hooks.overrideLabels(ctx) ?? []) if (customLabels.has(l)) labels.add(l);
    return { key: [...labels].sort().join('\u0000'), labels };
  };
}

/** Stands for an operation of which authorization removed every field: planned as the empty plan. */
const EMPTY = {} as PreparedOperation;
const EMPTY_PLAN: QueryPlan = { kind: 'QueryPlan', node: undefined };

/**
 * Authorization directives: the operation without the fields this caller may not see, per operation and set of
 * denied fields (filtered documents are prepared and planned once per such set). null: nothing is denied.
 */
function authorizedOperations<Ctx>(authorizer: Authorizer, store: OperationStore, hooks: GatewayHooks<Ctx>) {
  const filtered = new WeakMap<PreparedOperation, Map<string, { prepared: PreparedOperation | null; errors: GraphQLError[] }>>();
  return (p: PreparedOperation, ctx: Ctx): { prepared: PreparedOperation | null; errors: GraphQLError[] } | null => {
    const f = authorizer.filter(p.operation, p.fragments, hooks.authorization?.(ctx));
    if (!f) return null;
    let byKey = filtered.get(p);
    if (!byKey) { byKey = new Map(); filtered.set(p, byKey); }
    let hit = byKey.get(f.key);
    if (!hit) {
      const prepared = f.document ? store.prepare(f.document, p.operationName) : null;
      if (prepared instanceof RequestError) throw prepared.errors[0];
      hit = { prepared, errors: f.errors };
      if (byKey.size < 16) byKey.set(f.key, hit);
    }
    return hit;
  };
}

/** hooks.checkDocument's verdict; what it throws becomes the error. */
function checkDocument<Ctx>(check: NonNullable<GatewayHooks<Ctx>['checkDocument']>, p: PreparedOperation, ctx: Ctx, variables: Record<string, unknown>): readonly GraphQLError[] | void {
  try {
    return check(p.document, ctx, { operation: p.operation, variables });
  } catch (err) {
    return [toGraphQLError(err)];
  }
}

/**
 * Demand control: COST_ESTIMATED_TOO_EXPENSIVE when the operation's estimated cost is over the limit,
 * COST_INVALID_SLICING_ARGUMENTS when a field that requires one slicing argument has none or several.
 */
function costError(cost: CostModel, p: PreparedOperation, variables: Record<string, unknown>, limit: { maxCost: number; listSize?: number }): GraphQLError | null {
  let estimate: number;
  try {
    estimate = cost.estimate(p.operation, p.fragments, variables, limit.listSize ?? 10);
  } catch (e) {
    if (!(e instanceof SlicingArgumentsError)) throw e;
    return gqlError(e.message, ErrorCode.COST_INVALID_SLICING_ARGUMENTS, { field: e.coordinate, found: e.found, http: { status: 400 } });
  }
  if (estimate > limit.maxCost) {
    return gqlError(`The operation's estimated cost (${estimate}) is over the limit of ${limit.maxCost}`, ErrorCode.COST_ESTIMATED_TOO_EXPENSIVE, { cost: estimate, maxCost: limit.maxCost, http: { status: 400 } });
  }
  return null;
}

/** Listens on `port` (0: any free one); resolves with the port. */
function listenOn(s: http.Server, port: number, host: string): Promise<number> {
  s.keepAliveTimeout = 65_000;
  s.headersTimeout = 66_000;
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      const a = s.address();
      resolve(typeof a === 'object' && a ? a.port : port);
    });
  });
}

/** Stops listen()'s server, if it listens: idle keep-alive sockets now, the others once answered. */
function closeServer(server: http.Server | null): Promise<void> {
  return new Promise<void>((resolve) => {
    if (!server?.listening) return resolve();
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/** The introspection fields of an operation, answered by graphql-js on the API schema. */
function introspect(schema: GraphQLSchema, ready: ReadyOperation, rawVariables: Record<string, unknown> | undefined, fields: readonly import('graphql').FieldNode[]): Record<string, unknown> | undefined {
  const p = ready.prepared;
  const doc: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [{ ...p.operation, operation: 'query' as never, selectionSet: { kind: Kind.SELECTION_SET, selections: fields } }, ...Object.values(p.fragments)],
  };
  const r = executeSync({ schema, document: doc, variableValues: rawVariables ?? ready.variables, rootValue: {} });
  return (r.data ?? undefined) as Record<string, unknown> | undefined;
}

/** The operation's variables coerced to their types, or BAD_USER_INPUT errors. */
function coerceVariables(schema: GraphQLSchema, p: PreparedOperation, raw: Record<string, unknown> | undefined): Record<string, unknown> | RequestError {
  if (!p.hasVariableDefinitions) return {};
  const coerced = getVariableValues(schema, p.operation.variableDefinitions!, raw ?? {}, { maxErrors: 25 });
  if (!coerced.errors) return coerced.coerced;
  const errors = coerced.errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { code: ErrorCode.BAD_USER_INPUT } }));
  return new RequestError(errors, 'validation');
}
