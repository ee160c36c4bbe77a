// The gateway's plugin pipeline, after Hive Gateway / envelop: a list of single-purpose plugins (csrf, auth,
// rate-limit, caps, persisted-queries, operation-limits, introspection, field-auth, metrics), each a set of hooks,
// run in list order at each stage of an operation. HTTP requests, graphql-ws subscribes and SSE streams go through
// the same stages (transport parity is a security property): a check written once here applies to all three.
//
//   request → authenticate → context → params → (parse) → parsed → validation → execution plan
//     → subgraph request (per fetch) → result (per response or subscription event); subscribe (caps)
//
// Per-operation state lives in WeakMaps keyed by the operation's context, never in module state.
import { randomUUID } from 'node:crypto';
import { Kind, parse, type DocumentNode, type ExecutionResult, type FragmentDefinitionNode, type GraphQLError, type OperationDefinitionNode } from 'graphql';
import type { QueryPlan } from '@apollo/query-planner';
import type { Viewer } from '@omniroute/core';
import { ByteBoundedCache } from './runtime/bounded-cache.ts';
import { ErrorCode, gqlError } from './runtime/errors.ts';
import { documentSizeError, parseFailure, type DocumentLimits, type GatewayHooks, type GraphQLParams, type IncomingRequestInfo, type RequestEndInfo, type ResolvedParams } from './runtime/index.ts';
import type { Route } from './router.ts';
import type { GatewayContext } from './upstream.ts';

/** 'in-process': the runtime's execute() called by code, with no transport that could null fields one by one. */
export type Transport = 'http' | 'ws' | 'sse' | 'in-process';
/** Frees what a hook holds (a slot) when the request, connection or subscription it was taken for ends. */
export type Release = () => void;

export interface RequestEvent { transport: Transport; info: IncomingRequestInfo; ip: string }
/** One operation: an HTTP request, one graphql-ws subscribe, one SSE stream, or a re-check of an open subscription. */
export interface OperationEvent {
  ctx: GatewayContext;
  transport: Transport;
  ip: string;
  /** An open subscription checked again after its partner app changed: nothing is charged or held. */
  recheck: boolean;
}
export interface DocumentEvent extends OperationEvent {
  operation: OperationDefinitionNode;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

type Maybe<T> = T | void | Promise<T | void>;

/** A gateway plugin: a name and any of the hooks. Throw a GraphQLError (extensions.code, http.status) to refuse. */
export interface GatewayPlugin {
  readonly name: string;
  /** An HTTP request, a WebSocket or an SSE stream arrives, before authentication. Return a release for what it holds until it ends. */
  onRequest?(e: RequestEvent): Maybe<Release>;
  /** The caller's credential (bearer token or API key) to a viewer; the first plugin answering (null = anonymous) wins. */
  onAuthenticate?(credential: string | null): Maybe<Viewer | null>;
  /** An operation starts with its caller known (budgets, in-flight slots). Return a release for the end of the operation. */
  onContext?(e: OperationEvent): Maybe<Release>;
  /** GraphQL params to a query (persisted queries); the first plugin returning params wins. */
  onParams?(e: OperationEvent & { params: GraphQLParams }): Maybe<ResolvedParams>;
  /** The document parsed, before graphql validation: cheap checks that keep expensive documents out of it. */
  onParsed?(e: DocumentEvent): void | Promise<void>;
  /** After validation (cached per document): refusals as errors; the first plugin refusing ends the stage. */
  onValidate?(e: DocumentEvent): readonly GraphQLError[] | void;
  onExecutionPlan?(e: OperationEvent & { plan: QueryPlan }): void;
  /** Headers of one subgraph fetch made for the operation (signed internal context). */
  onSubgraphRequest?(e: { ctx: GatewayContext; subgraph: string }): Record<string, string> | void;
  /** The shaped result (an HTTP response, one subscription event): may rewrite it. */
  onResult?(e: { ctx: GatewayContext; result: ExecutionResult }): ExecutionResult | void;
  /** A subscription is about to stream (caps on subscriptions held open). Return its release. */
  onSubscribe?(e: OperationEvent): Maybe<Release>;
  /** An HTTP GraphQL request was answered. */
  onRequestEnd?(info: RequestEndInfo): void;
  onSubgraphResponse?(info: { subgraph: string; status: number; durationMs: number }): void;
  routes?: Record<string, Route>;
  ready?(): Promise<void>;
  close?(): void | Promise<void>;
}

export interface PipelineOptions {
  plugins: GatewayPlugin[];
  documentLimits: DocumentLimits;
  /** The client address of a request (the socket's, or X-Forwarded-For's behind trusted proxies). */
  clientIp(info: IncomingRequestInfo): string;
  /** Reads the credential of a request or connection_init payload. */
  credentialOf(headers: Record<string, unknown>): string | null;
}

interface OperationState { transport: Transport; ip: string; recheck: boolean; releases: Release[] }

const hooksOf = <K extends keyof GatewayPlugin>(plugins: GatewayPlugin[], k: K) =>
  plugins.filter((p) => p[k]).map((p) => (p[k] as (...a: unknown[]) => unknown).bind(p) as NonNullable<GatewayPlugin[K]>);

const releaseAll = (releases: Release[]) => {
  for (const r of releases.splice(0).reverse()) r();
};

/** Runs hooks that may each hold something; all of it is released together, or at once when one of them refuses. */
async function holdAll<E>(hooks: ((e: E) => Maybe<Release>)[], e: E): Promise<Release> {
  const releases: Release[] = [];
  try {
    for (const h of hooks) {
      const r = await h(e);
      if (r) releases.push(r);
    }
  } catch (err) {
    releaseAll(releases);
    throw err;
  }
  return () => releaseAll(releases);
}

export function createPipeline(opts: PipelineOptions) {
  const { plugins } = opts;
  const on = {
    request: hooksOf(plugins, 'onRequest'),
    authenticate: hooksOf(plugins, 'onAuthenticate'),
    context: hooksOf(plugins, 'onContext'),
    params: hooksOf(plugins, 'onParams'),
    parsed: hooksOf(plugins, 'onParsed'),
    validate: hooksOf(plugins, 'onValidate'),
    plan: hooksOf(plugins, 'onExecutionPlan'),
    subgraph: hooksOf(plugins, 'onSubgraphRequest'),
    result: hooksOf(plugins, 'onResult'),
    subscribe: hooksOf(plugins, 'onSubscribe'),
    end: hooksOf(plugins, 'onRequestEnd'),
    fetched: hooksOf(plugins, 'onSubgraphResponse'),
  };
  const operations = new WeakMap<GatewayContext, OperationState>();
  const { parseCached, fragmentsOf } = createDocumentCache(opts.documentLimits);
  const limits = opts.documentLimits;

  const eventOf = (ctx: GatewayContext): OperationEvent | null => {
    const s = operations.get(ctx);
    return s ? { ctx, transport: s.transport, ip: s.ip, recheck: s.recheck } : null;
  };

  const pipeline = {
    plugins,
    clientIp: opts.clientIp,

    /** A request or connection arrives: the onRequest hooks. Returns the release of all they hold; throws their refusal. */
    async open(transport: Transport, info: IncomingRequestInfo): Promise<{ ip: string; release: Release }> {
      const ip = opts.clientIp(info);
      return { ip, release: await holdAll(on.request, { transport, info, ip }) };
    },

    /** The viewer of a request's or connection's credentials; throws UNAUTHENTICATED for bad ones. */
    async authenticate(headers: Record<string, unknown>): Promise<Viewer | null> {
      const credential = opts.credentialOf(headers);
      for (const h of on.authenticate) {
        const v = await h(credential);
        if (v !== undefined) return v;
      }
      return null;
    },

    /** An operation starts (onContext hooks); `end(ctx)` releases what they hold. */
    async begin(ctx: GatewayContext, transport: Transport, ip: string, recheck = false): Promise<void> {
      const state: OperationState = { transport, ip, recheck, releases: [] };
      operations.set(ctx, state);
      state.releases.push(await holdAll(on.context, { ctx, transport, ip, recheck }));
    },
    end(ctx: GatewayContext | undefined): void {
      const s = ctx && operations.get(ctx);
      if (s) releaseAll(s.releases);
    },
    /** Holds `release` until the operation ends. */
    hold(ctx: GatewayContext, release: Release): void {
      const s = operations.get(ctx);
      if (s) s.releases.push(release);
      else release();
    },

    /** Params to a query (onParams), size-checked and parsed, then the onParsed checks. Throws the first refusal. */
    async params(ctx: GatewayContext, params: GraphQLParams): Promise<ResolvedParams> {
      // Before anything parses or hashes it (safelist comparison, APQ, the limit checks).
      const tooLarge = typeof params.query === 'string' ? documentSizeError(params.query, limits.maxBytes) : null;
      if (tooLarge) throw tooLarge;
      const e = eventOf(ctx) ?? { ctx, transport: 'in-process' as const, ip: '', recheck: false };
      let resolved: ResolvedParams | undefined;
      for (const h of on.params) {
        const r = await h({ ...e, params });
        if (r) { resolved = r; break; }
      }
      if (!resolved) {
        if (typeof params.query !== 'string' || params.query === '') throw gqlError('GraphQL operations must contain a non-empty `query`.', ErrorCode.BAD_REQUEST, { http: { status: 400 } });
        resolved = params as ResolvedParams;
      }
      const doc = parseCached(resolved.query);
      const name = resolved.operationName;
      const operation = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION && (name ? d.name?.value === name : true));
      if (operation) {
        const de = { ...e, operation, fragments: fragmentsOf(doc), variables: resolved.variables ?? {} };
        for (const h of on.parsed) await h(de);
      }
      return resolved;
    },

    /** The onValidate hooks; in-process executions (no transport) run them as HTTP would, minus what needs a transport. */
    validate(doc: DocumentNode, ctx: GatewayContext, info: { operation: OperationDefinitionNode; variables: Record<string, unknown> }): readonly GraphQLError[] {
      const e = eventOf(ctx);
      const de = { ...(e ?? { ctx, transport: 'in-process' as const, ip: '', recheck: false }), operation: info.operation, fragments: fragmentsOf(doc), variables: info.variables };
      for (const h of on.validate) {
        const errors = h(de);
        if (errors?.length) return errors;
      }
      return [];
    },

    /** Caps on subscriptions held open (onSubscribe); returns the release. */
    subscribe: (ctx: GatewayContext): Promise<Release> => holdAll(on.subscribe, eventOf(ctx)!),

    subgraphHeaders(subgraph: string, ctx: GatewayContext): Record<string, string> {
      let out: Record<string, string> = {};
      for (const h of on.subgraph) {
        const headers = h({ ctx, subgraph });
        if (headers) out = { ...out, ...headers };
      }
      return out;
    },

    /** Once planned: the onExecutionPlan hooks. */
    planned(plan: QueryPlan, ctx: GatewayContext): void {
      const e = eventOf(ctx);
      if (e) for (const h of on.plan) h({ ...e, plan });
    },
    /** The result step: the onResult hooks, each on the previous one's output. */
    result(result: ExecutionResult, ctx: GatewayContext): ExecutionResult {
      let r = result;
      for (const h of on.result) r = h({ ctx, result: r }) ?? r;
      return r;
    },
    /** An HTTP request was answered: what its operation held is released, then the onRequestEnd hooks. */
    ended(info: RequestEndInfo, ctx: GatewayContext | undefined): void {
      pipeline.end(ctx);
      for (const h of on.end) h(info);
    },
    fetched(info: { subgraph: string; status: number; durationMs: number }): void {
      for (const h of on.fetched) h(info);
    },
    has: (hook: 'plan' | 'result' | 'fetched') => on[hook].length > 0,

    routes: (): Record<string, Route> => Object.assign({}, ...plugins.map((p) => p.routes ?? {})),
    ready: () => Promise.all(plugins.map((p) => p.ready?.())).then(() => undefined),
    async close() {
      for (const p of [...plugins].reverse()) await p.close?.();
    },
  };
  return pipeline;
}

export type Pipeline = ReturnType<typeof createPipeline>;

/**
 * The runtime's hooks for HTTP requests: a request is opened, authenticated and begun as one operation
 * (`requestId` from a valid x-request-id or new), then the stages of the pipeline.
 */
export function runtimeHooks(pipeline: Pipeline, extra: Pick<GatewayHooks<GatewayContext>, 'formatError'>): GatewayHooks<GatewayContext> {
  return {
    ...extra,
    context: async (info) => {
      const { ip, release } = await pipeline.open('http', info);
      try {
        const viewer = await pipeline.authenticate(info.headers);
        const ctx: GatewayContext = { requestId: requestIdOf(info.headers), viewer, clientIp: ip };
        await pipeline.begin(ctx, 'http', ip);
        pipeline.hold(ctx, release);
        return ctx;
      } catch (e) {
        release();
        throw e;
      }
    },
    resolveParams: (params, ctx) => pipeline.params(ctx, params),
    checkDocument: (doc, ctx, info) => pipeline.validate(doc, ctx, info),
    onExecutionPlan: pipeline.has('plan') ? pipeline.planned : undefined,
    subgraphHeaders: (name, ctx) => pipeline.subgraphHeaders(name, ctx),
    onResult: pipeline.has('result') ? pipeline.result : undefined,
    onRequestEnd: pipeline.ended,
    onSubgraphFetch: pipeline.has('fetched') ? pipeline.fetched : undefined,
  };
}

/**
 * Parsed documents for the checks before the runtime validates (onParsed), by text; small ones only, never
 * failures. A document that does not parse is refused here with the runtime's error: parsing it again there
 * would double what a stream of hostile documents costs.
 */
function createDocumentCache(limits: DocumentLimits) {
  const fragmentMaps = new WeakMap<DocumentNode, Record<string, FragmentDefinitionNode>>();
  const parsed = new ByteBoundedCache<string, DocumentNode>(4 * 1024 * 1024, 300);

  function parseCached(query: string): DocumentNode {
    let doc = parsed.get(query);
    if (doc === undefined) {
      try {
        doc = parse(query, { noLocation: true, maxTokens: limits.maxTokens });
      } catch (err) {
        throw parseFailure(query, err, limits.maxTokens);
      }
      // ~150 bytes per token without locations (measured); the text at two bytes per character
      const tokens = (doc as { tokenCount?: number }).tokenCount ?? query.length;
      if (query.length <= 4096) parsed.set(query, doc, 2 * query.length + 160 * tokens);
    }
    return doc;
  }

  function fragmentsOf(doc: DocumentNode) {
    let f = fragmentMaps.get(doc);
    if (!f) {
      f = Object.create(null) as Record<string, FragmentDefinitionNode>;
      for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) f[d.name.value] = d;
      fragmentMaps.set(doc, f);
    }
    return f;
  }

  return { parseCached, fragmentsOf };
}

export function requestIdOf(headers: Record<string, unknown>): string {
  const given = headers['x-request-id'];
  return (typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) && given) || randomUUID();
}

/**
 * The client IP of a request: the socket's, or behind `hops` trusted reverse proxies the X-Forwarded-For entry the
 * outermost one appended (the n-th from the right): entries left of it are whatever the client sent, and taking one
 * of those would let a caller pick its own address for rate limits and sign-in throttling.
 */
export function clientIpOf(info: IncomingRequestInfo, hops: number): string {
  if (hops > 0) {
    const xff = info.headers['x-forwarded-for'];
    const entries = (Array.isArray(xff) ? xff.join(',') : xff ?? '').split(',').map((e) => e.trim()).filter(Boolean);
    const client = entries[Math.max(0, entries.length - hops)];
    if (client) return client;
  }
  return info.ip;
}
