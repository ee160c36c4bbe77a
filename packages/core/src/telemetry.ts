// OpenTelemetry tracing for every OmniRoute process, configured by the standard OTEL_* variables and off by
// default: until startTelemetry() finds an exporter configured, nothing here loads the SDK (only this module is
// imported) and the wrappers below return what they are given.
//
// On: spans are exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_PROTOCOL / _TRACES_PROTOCOL `http/protobuf`, the
// default, or `http/json`; `grpc` is not supported) to OTEL_EXPORTER_OTLP_ENDPOINT (or _TRACES_ENDPOINT), headers
// from OTEL_EXPORTER_OTLP_HEADERS, batching from OTEL_BSP_*, sampling from OTEL_TRACES_SAMPLER(_ARG), resource
// attributes from OTEL_RESOURCE_ATTRIBUTES. W3C `traceparent` is extracted from incoming requests
// (traceHttpServer) and injected into outgoing ones (the gateway's subgraph fetches). Prisma's spans (operations,
// `db_query` with the SQL text) come from @prisma/instrumentation. Redis commands (rate limits, login throttle, APQ)
// are CLIENT spans made from ioredis 6's own diagnostics channels (`ioredis:command`,
// `ioredis:batch`): @opentelemetry/instrumentation-ioredis cannot serve here, its release for our SDK (0.69, on
// instrumentation 0.221) supports ioredis < 6, and it hooks `require`, which our ESM imports of ioredis never pass.
// Only commands issued inside a traced request get a span: the consumers' blocking XREADGROUP loops and the outbox
// relay's XADDs run outside any request and would otherwise export a one-span trace every few hundred milliseconds.
//
// Several services may share a process (the embedded stack): each gets its own service.name (OTEL_SERVICE_NAME
// prefixes them: `<OTEL_SERVICE_NAME>-commerce`; unset: `omniroute-commerce`), and a span started by a library
// (Prisma) belongs to the service whose request is running.
import diagnostics from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';

type Api = typeof import('@opentelemetry/api');

interface State {
  api: Api;
  providers: Map<string, TracerProvider & { forceFlush(): Promise<void>; shutdown(): Promise<void> }>;
  providerFor(service: string): TracerProvider;
  shutdown(): Promise<void>;
  flush(): Promise<void>;
}

let state: State | null = null;
let starting: Promise<boolean> | null = null;

/** Whether the environment asks for trace export (OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, an OTLP endpoint). */
export function telemetryConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').toLowerCase() === 'true') return false;
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (exporters.length) return exporters.some((e) => e === 'otlp' || e === 'console');
  return !!(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Whether tracing is running in this process. */
export function telemetryActive(): boolean {
  return state !== null;
}

/**
 * Starts tracing when the environment configures it (see the top of this file); resolves to whether it runs.
 * Call once, early, in each process (the stack, the gateway and subgraph processes do); later calls are no-ops.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  if (state) return Promise.resolve(true);
  if (!telemetryConfigured(env)) return Promise.resolve(false);
  return (starting ??= load(env).then(() => true, (err) => { starting = null; throw err; }));
}

async function load(env: NodeJS.ProcessEnv): Promise<void> {
  const [api, base, resources, hooks, core, prisma] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@prisma/instrumentation'),
  ]);
  const exporters = (env.OTEL_TRACES_EXPORTER ?? 'otlp').split(',').map((s) => s.trim());
  const processors: import('@opentelemetry/sdk-trace-base').SpanProcessor[] = [];
  const otlp: { forceFlush(): Promise<void> }[] = [];
  if (exporters.includes('otlp')) {
    const protocol = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
    let exporter;
    if (protocol === 'http/json') exporter = new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    else if (protocol === 'http/protobuf') exporter = new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
    else throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported (http/protobuf or http/json)`);
    processors.push(new base.BatchSpanProcessor(exporter));
    otlp.push(exporter);
  }
  if (exporters.includes('console')) processors.push(new base.SimpleSpanProcessor(new base.ConsoleSpanExporter()));
  const envResource = resources.detectResources({ detectors: [resources.envDetector] });
  const prefix = env.OTEL_SERVICE_NAME;
  const providers: State['providers'] = new Map();
  const providerFor = (service: string) => {
    let p = providers.get(service);
    if (!p) {
      const name = service === '' ? (prefix ?? 'omniroute') : `${prefix ?? 'omniroute'}-${service}`;
      p = new base.BasicTracerProvider({
        resource: envResource.merge(resources.resourceFromAttributes({ 'service.name': name, 'service.namespace': 'omniroute' })),
        spanProcessors: processors,
      });
      providers.set(service, p);
    }
    return p;
  };
  const contextKey = api.createContextKey('omniroute.service');
  // The global provider: a library's span (Prisma) goes to the provider of the service whose request is running.
  const routing: TracerProvider = {
    getTracer(name, version, options) {
      const tracerOf = (ctx: Context) => providerFor((ctx.getValue(contextKey) as string | undefined) ?? '').getTracer(name, version, options);
      return {
        startSpan: (spanName, opts, ctx = api.context.active()) => tracerOf(ctx).startSpan(spanName, opts, ctx),
        startActiveSpan: ((spanName: string, ...rest: unknown[]) => {
          const fn = rest.pop() as (span: Span) => unknown;
          const opts = (rest[0] ?? {}) as Parameters<Tracer['startSpan']>[1];
          const ctx = (rest[1] as Context | undefined) ?? api.context.active();
          const span = tracerOf(ctx).startSpan(spanName, opts, ctx);
          return api.context.with(api.trace.setSpan(ctx, span), fn, undefined, span);
        }) as Tracer['startActiveSpan'],
      };
    },
  };
  api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
  api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  api.trace.setGlobalTracerProvider(routing);
  const instrumentation = new prisma.PrismaInstrumentation();
  instrumentation.setTracerProvider(routing);
  instrumentation.enable();
  const untraceRedis = traceRedisChannels(api);
  SERVICE_CONTEXT_KEY = contextKey;
  state = {
    api, providers, providerFor,
    flush: async () => {
      await Promise.all([...providers.values()].map((p) => p.forceFlush()));
      // The batch processor's forceFlush sends what is still buffered but does not wait for a batch its timer
      // already handed to the exporter; the exporter's own forceFlush waits for every send in flight.
      await Promise.all(otlp.map((e) => e.forceFlush()));
    },
    shutdown: async () => {
      instrumentation.disable();
      untraceRedis();
      await Promise.all([...providers.values()].map((p) => p.shutdown()));
    },
  };
}

let SERVICE_CONTEXT_KEY: symbol | null = null;

/** What ioredis publishes on `ioredis:command` / `ioredis:batch` (built/tracing.js; args already sanitized). */
interface RedisTraceContext {
  command?: string;
  args?: string[];
  batchMode?: string;
  batchSize?: number;
  database?: number;
  serverAddress?: string;
  serverPort?: number;
  error?: unknown;
}

/**
 * Subscribes to ioredis's tracing channels: each command or MULTI batch inside a traced request becomes a CLIENT
 * span of the service whose request is running (the global routing provider). `start` is published synchronously in
 * the caller's async context, so the active span there is the parent. Returns the unsubscribe.
 */
function traceRedisChannels(api: Api): () => void {
  const spans = new WeakMap<object, Span>();
  const tracer = api.trace.getTracer('omniroute-redis');
  const start = (name: (m: RedisTraceContext) => string) => (message: unknown) => {
    const m = message as RedisTraceContext;
    const parent = api.context.active();
    if (!api.trace.getSpan(parent)?.isRecording()) return;
    const attributes: Record<string, string | number> = {
      'db.system.name': 'redis',
      'db.namespace': String(m.database ?? 0),
      'server.address': m.serverAddress ?? '',
    };
    if (m.serverPort !== undefined) attributes['server.port'] = m.serverPort;
    if (m.command) {
      attributes['db.operation.name'] = m.command.toUpperCase();
      // EVAL's script text is its first argument: long and the same every time; the keys and arguments tell more
      const args = /^eval/i.test(m.command) ? (m.args ?? []).slice(1) : (m.args ?? []);
      attributes['db.query.text'] = [m.command.toUpperCase(), ...args].join(' ').slice(0, 1024);
    } else {
      attributes['db.operation.name'] = m.batchMode ?? 'MULTI';
      attributes['db.operation.batch.size'] = m.batchSize ?? 0;
    }
    spans.set(m, tracer.startSpan(name(m), { kind: api.SpanKind.CLIENT, attributes }, parent));
  };
  const finish = (message: unknown) => {
    const span = spans.get(message as object);
    if (!span) return;
    spans.delete(message as object);
    const error = (message as RedisTraceContext).error;
    if (error !== undefined) {
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    }
    span.end();
  };
  // A synchronous throw publishes `end` with the error set (no asyncEnd follows); a promise settles with asyncEnd.
  const endIfThrown = (message: unknown) => { if ((message as RedisTraceContext).error !== undefined) finish(message); };
  const handlers = [
    ['ioredis:command', { start: start((m) => m.command!.toUpperCase()), end: endIfThrown, asyncStart: () => {}, asyncEnd: finish, error: () => {} }],
    ['ioredis:batch', { start: start((m) => m.batchMode ?? 'MULTI'), end: endIfThrown, asyncStart: () => {}, asyncEnd: finish, error: () => {} }],
  ] as const;
  for (const [name, h] of handlers) diagnostics.tracingChannel(name).subscribe(h);
  return () => { for (const [name, h] of handlers) diagnostics.tracingChannel(name).unsubscribe(h); };
}

/** Exports the spans ended so far (tests; before a process exits). */
export async function flushTelemetry(): Promise<void> {
  await state?.flush();
}

/** Flushes and stops tracing (the process is ending). */
export async function shutdownTelemetry(): Promise<void> {
  const s = state;
  state = null;
  starting = null;
  if (!s) return;
  await s.shutdown();
  s.api.trace.disable();
  s.api.context.disable();
  s.api.propagation.disable();
}

/** A tracer whose spans belong to `service`; undefined while tracing is off. */
export function tracerFor(service: string): Tracer | undefined {
  return state?.providerFor(service).getTracer('omniroute');
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Wraps a node:http request handler in a SERVER span of `service` (parent: the request's `traceparent`), ended
 * when the response is; the handler runs in its context. Tracing off: returns the handler itself.
 */
export function traceHttpServer(service: string, handler: Handler): Handler {
  const s = state;
  if (!s) return handler;
  const { api } = s;
  const tracer = s.providerFor(service).getTracer('omniroute');
  return (req, res) => {
    const parent = api.propagation.extract(api.ROOT_CONTEXT, req.headers);
    const path = (req.url ?? '/').split('?')[0]!;
    const span = tracer.startSpan(`${req.method} ${path}`, {
      kind: api.SpanKind.SERVER,
      attributes: { 'http.request.method': req.method ?? '', 'url.path': path, 'omniroute.service': service },
    }, parent);
    const end = () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
      span.end();
    };
    res.once('finish', end);
    res.once('close', () => { if (!res.writableFinished) end(); });
    api.context.with(api.trace.setSpan(parent, span).setValue(SERVICE_CONTEXT_KEY!, service), handler, undefined, req, res);
  };
}

/** Tracing for the gateway runtime (its `tracing` option): undefined while tracing is off. */
export interface RuntimeTracing {
  /** Runs one GraphQL operation's execution in a span. */
  operation<T>(name: string | undefined, kind: string, run: () => Promise<T>): Promise<T>;
  /** Runs one subgraph HTTP fetch in a CLIENT span; `headers` receives `traceparent`. */
  subgraphFetch<T>(subgraph: string, headers: Record<string, string>, run: () => Promise<T & { status: number }>): Promise<T & { status: number }>;
}

export function runtimeTracing(service: string): RuntimeTracing | undefined {
  const s = state;
  if (!s) return undefined;
  const { api } = s;
  const tracer = s.providerFor(service).getTracer('omniroute');
  const inService = (ctx: Context) => ctx.setValue(SERVICE_CONTEXT_KEY!, service);
  return {
    operation(name, kind, run) {
      return tracer.startActiveSpan(`graphql.${kind}${name ? ' ' + name : ''}`, { attributes: { 'graphql.operation.name': name ?? '', 'graphql.operation.type': kind } }, inService(api.context.active()), async (span) => {
        try {
          return await run();
        } catch (err) {
          span.setStatus({ code: api.SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      });
    },
    subgraphFetch(subgraph, headers, run) {
      return tracer.startActiveSpan(`subgraph ${subgraph}`, { kind: api.SpanKind.CLIENT, attributes: { 'omniroute.subgraph': subgraph } }, inService(api.context.active()), async (span) => {
        api.propagation.inject(api.context.active(), headers);
        return endWithStatus(api, span, run);
      });
    },
  };
}

/**
 * A subgraph's in-process handler (the single-process transport: no HTTP) in a SERVER span of `service`, parent
 * from the `traceparent` the gateway put in its headers. Tracing off when called: the handler runs as it is.
 */
export function traceInProcess<T extends { status: number }>(service: string, handler: (body: string, headers: Record<string, string>) => Promise<T>) {
  return (body: string, headers: Record<string, string>): Promise<T> => {
    const s = state;
    if (!s) return handler(body, headers);
    const { api } = s;
    const parent = api.propagation.extract(api.ROOT_CONTEXT, headers);
    const span = s.providerFor(service).getTracer('omniroute').startSpan('POST /graphql', {
      kind: api.SpanKind.SERVER,
      attributes: { 'http.request.method': 'POST', 'url.path': '/graphql', 'omniroute.service': service, 'omniroute.transport': 'in-process' },
    }, parent);
    return api.context.with(api.trace.setSpan(parent, span).setValue(SERVICE_CONTEXT_KEY!, service), () => endWithStatus(api, span, () => handler(body, headers)));
  };
}

/** Runs an HTTP exchange in `span`: records its status (ERROR on 5xx or a throw) and ends the span either way. */
async function endWithStatus<T extends { status: number }>(api: Api, span: Span, run: () => Promise<T>): Promise<T> {
  try {
    const r = await run();
    span.setAttribute('http.response.status_code', r.status);
    if (r.status >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
    return r;
  } catch (err) {
    span.setStatus({ code: api.SpanStatusCode.ERROR });
    throw err;
  } finally {
    span.end();
  }
}

/**
 * A raw SQL runner (packages/db's fast path for hot reads, beside Prisma) whose statements are `db_query` CLIENT
 * spans with their text, as Prisma's are. Tracing off when called: the runner runs as it is.
 */
export function traceSqlRunner<F extends (text: string, params?: readonly unknown[]) => Promise<unknown>>(run: F, system: string): F {
  return ((text: string, params?: readonly unknown[]) => {
    const s = state;
    if (!s) return run(text, params);
    const { api } = s;
    return api.trace.getTracer('omniroute-sql').startActiveSpan('db_query', { kind: api.SpanKind.CLIENT, attributes: { 'db.query.text': text, 'db.system.name': system } }, async (span) => {
      try {
        return await run(text, params);
      } catch (err) {
        span.setStatus({ code: api.SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    });
  }) as F;
}
