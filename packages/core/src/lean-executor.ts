// A subgraph's GraphQL endpoint without Apollo Server's request pipeline (issue 17). Only the gateway calls a
// subgraph, with a handful of planned documents, a signed context and one JSON POST per fetch; per fetch Apollo
// Server hashed the query (sha256), negotiated content types, ran its plugin hooks and cloned the request context
// (≈5–7 % of the platform's CPU on OrderDetail, four fetches per operation). This does what those requests need, in
// Apollo Server 5's order and with its answers — a test sends the same requests to both and compares status and body
// (lean-executor.spec.ts):
//   1. the body: a JSON object with a non-empty string `query`, object `variables`/`extensions`, string
//      `operationName` (anything else is left to Apollo Server, which refuses it with its own messages);
//   2. the context, built from the headers (the signed-context check: UNAUTHENTICATED 401 before anything is parsed);
//   3. the document: parsed and validated once per query text (GRAPHQL_PARSE_FAILED / GRAPHQL_VALIDATION_FAILED 400),
//      kept in a bounded cache — only signed requests get this far, so only the gateway's documents fill it;
//   4. graphql-js `execute` on a copy of the context (as Apollo copies it per operation); a variable that does not
//      coerce is BAD_USER_INPUT 400, an unknown operation OPERATION_RESOLUTION_FAILURE 400;
//   5. every error through the same `formatError` (codes kept or masked), `extensions.http` turned into the status.
// Anything else (GET, other content types, batches, persisted queries, malformed bodies) is not a gateway request:
// both handlers leave those to Apollo Server, which answers them as before.
import { execute, getOperationAST, GraphQLError, Kind, parse, specifiedRules, validate, type DocumentNode, type ExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

/** Reads one header (lower-case name), as HeaderMap and the in-process header record both can. */
export interface HeaderSource { get(name: string): string | undefined | null }

export interface LeanExecutorOptions<Ctx extends object> {
  schema: GraphQLSchema;
  /** Builds the request's context from its headers; throws (e.g. UNAUTHENTICATED) to refuse the request. */
  context: (headers: HeaderSource) => Promise<Ctx>;
  /** Apollo's `formatError`: each formatted error (code filled in) with the error it came from. */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Called once per answered operation (a refused request too), as Apollo's `willSendResponse`. */
  observe?: (operationName: string | null, kind: string | null, ms: number) => void;
  /** Documents kept parsed and validated (default 500) and their total query text (default 8 MiB). */
  documentCache?: { entries?: number; bytes?: number };
  /**
   * 'jit' (default): each operation compiled once into a function by graphql-jit (the same resolvers, policies and
   * errors; lists of objects several times faster than graphql-js, which walks the selection for every value);
   * 'graphql-js': graphql-js `execute`. OMNIROUTE_SUBGRAPH_EXECUTOR=graphql-js switches a process back.
   */
  engine?: 'jit' | 'graphql-js';
}

export interface LeanResult {
  status: number;
  /** The JSON response, with Apollo's trailing newline (printed when first read). */
  readonly text: string;
  /**
   * The response as objects, when it is data without errors or extensions to a document that does not name
   * `__proto__` (such documents run on graphql-js and answer as text alone): what a caller in this
   * process takes instead of parsing `text` (in-process.ts). Plain JSON values — every leaf went through its scalar's
   * serialize — made for this response alone and not kept by the subgraph: the caller owns them, and reads `text`
   * no more once it has changed them.
   */
  readonly payload?: { data: Record<string, unknown> };
}

/** An answer of data only: printed only if a caller reads `text` (over HTTP; in process it takes `payload`). */
class DataAnswer implements LeanResult {
  readonly status = 200;
  private printed?: string;
  constructor(readonly payload: { data: Record<string, unknown> }) {}
  get text(): string {
    return (this.printed ??= JSON.stringify(this.payload) + '\n');
  }
}

/** Answers one parsed JSON body; undefined when it is not one well-formed operation (Apollo Server answers those). */
export type LeanExecutor = (body: unknown, headers: HeaderSource) => Promise<LeanResult> | undefined;

/** The one shape the gateway sends: a non-empty query, and variables, operation name and extensions well-formed if present. */
interface GatewayBody { query: string; variables?: Record<string, unknown> | null; operationName?: string | null; extensions?: Record<string, unknown> | null }

function isGatewayBody(body: unknown): body is GatewayBody {
  if (!isRecord(body) || typeof body.query !== 'string' || !body.query) return false;
  if (body.variables != null && !isRecord(body.variables)) return false;
  if (body.operationName != null && typeof body.operationName !== 'string') return false;
  if (body.extensions == null) return true;
  return isRecord(body.extensions) && body.extensions.persistedQuery === undefined; // APQ: Apollo's (it answers "not supported")
}

/** `namesProto`: the text names `__proto__` (graphql-jit fails such an alias; graphql-js runs it, answered as text). */
type Entry = { document: DocumentNode; namesProto: boolean; errors?: undefined; compiled?: Map<string, CompiledQuery> } | { document?: undefined; errors: GraphQLError[] };

const isRecord = (o: unknown): o is Record<string, unknown> => !!o && typeof o === 'object' && !Array.isArray(o) && !Buffer.isBuffer(o);

/** A GraphQLError carrying an Apollo error code (and an HTTP status, as `extensions.http`), from another error. */
function coded(error: GraphQLError, code: string, status?: number): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.nodes ? undefined : error.source,
    positions: error.nodes ? undefined : error.positions,
    originalError: error.originalError ?? error,
    extensions: { ...(status ? { http: { status } } : {}), ...error.extensions, code },
  });
}

/** graphql-js' messages for a variable whose value does not coerce (as Apollo Server recognises them). */
function isBadUserInput(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const v = `Variable "$${node.variable.name.value}" `;
  return ['has invalid value', 'got invalid value ', 'of required type ', 'of non-null type '].some((s) => error.message.startsWith(v + s));
}

export function leanExecutor<Ctx extends object>(opts: LeanExecutorOptions<Ctx>): LeanExecutor {
  const maxEntries = opts.documentCache?.entries ?? 500;
  const jit = (opts.engine ?? (process.env.OMNIROUTE_SUBGRAPH_EXECUTOR === 'graphql-js' ? 'graphql-js' : 'jit')) === 'jit';
  const maxBytes = opts.documentCache?.bytes ?? 8 * 1024 * 1024;
  const documents = new Map<string, Entry>(); // insertion order: the oldest goes first when full
  let cachedBytes = 0;

  const documentFor = (query: string): Entry => {
    const hit = documents.get(query);
    if (hit) return hit;
    let entry: Entry;
    try {
      const document = parse(query);
      const invalid = validate(opts.schema, document, specifiedRules);
      entry = invalid.length ? { errors: invalid.map((e) => coded(e, 'GRAPHQL_VALIDATION_FAILED', 400)) } : { document, namesProto: query.includes('__proto__') };
    } catch (e) {
      const error = e instanceof GraphQLError ? e : new GraphQLError(String((e as Error)?.message ?? e));
      return { errors: [coded(error, 'GRAPHQL_PARSE_FAILED', 400)] }; // not cached: only documents that parse are
    }
    if (query.length <= maxBytes) {
      documents.set(query, entry);
      cachedBytes += query.length;
      for (const [q] of documents) {
        if (documents.size <= maxEntries && cachedBytes <= maxBytes) break;
        documents.delete(q);
        cachedBytes -= q.length;
      }
    }
    return entry;
  };

  /** The operation compiled once per document and name; undefined (graphql-js runs it) should graphql-jit refuse it. */
  const compiledFor = (entry: Entry & { document: DocumentNode }, operationName: string | undefined): CompiledQuery | undefined => {
    const key = operationName ?? '';
    const hit = entry.compiled?.get(key);
    if (hit) return hit;
    const compiled = compileQuery(opts.schema, entry.document, operationName);
    if (!isCompiledQuery(compiled)) return undefined;
    (entry.compiled ??= new Map()).set(key, compiled);
    return compiled;
  };

  /** Apollo's normalizeAndFormatErrors: code defaults to INTERNAL_SERVER_ERROR, `extensions.http` becomes the status. */
  const format = (errors: readonly GraphQLError[]): { formatted: GraphQLFormattedError[]; status?: number } => {
    let status: number | undefined;
    const formatted = errors.map((error) => {
      const { http, ...rest } = (error.extensions ?? {}) as { http?: { status?: unknown } } & Record<string, unknown>;
      const extensions: Record<string, unknown> = { ...rest, code: rest.code ?? 'INTERNAL_SERVER_ERROR' };
      if (http && typeof http === 'object' && typeof http.status === 'number') status = http.status;
      else if (http !== undefined) extensions.http = http;
      try {
        return opts.formatError({ ...error.toJSON(), extensions }, error);
      } catch {
        return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
      }
    });
    return { formatted, status };
  };

  const refuse = (errors: GraphQLError[], fallbackStatus: number): LeanResult => {
    const { formatted, status } = format(errors);
    return { status: status ?? fallbackStatus, text: JSON.stringify({ errors: formatted }) + '\n' };
  };

  const run = async (body: GatewayBody, headers: HeaderSource): Promise<LeanResult> => {
    let context: Ctx;
    try {
      context = await opts.context(headers);
    } catch (e) {
      const error = e instanceof GraphQLError ? e : new GraphQLError(`Context creation failed: ${String((e as Error)?.message ?? e)}`, { originalError: e as Error });
      return refuse([error], 500);
    }
    const t0 = performance.now();
    let operationName: string | null = null;
    let kind: string | null = null;
    try {
      const entry = documentFor(body.query);
      if (entry.errors) return refuse(entry.errors, 500);
      const requested = body.operationName ?? undefined;
      const operation = getOperationAST(entry.document, requested);
      operationName = operation?.name?.value ?? null;
      kind = operation?.operation ?? null;
      const copy = Object.assign(Object.create(Object.getPrototypeOf(context) as object | null) as object, context) as Ctx;
      let result: ExecutionResult;
      try {
        // graphql-jit fails a field aliased `__proto__` (its results are object literals): graphql-js answers those
        const compiled = jit && operation && !entry.namesProto ? compiledFor(entry, requested) : undefined;
        const graphqlJs = () => execute({ schema: opts.schema, document: entry.document, contextValue: copy, variableValues: body.variables ?? undefined, operationName: requested });
        result = compiled ? await compiled.query(undefined, copy, body.variables ?? {}) : await graphqlJs();
        // No data and no error at a path: the variables did not coerce, so no resolver ran (a resolver's error has a
        // path). graphql-js words those errors as Apollo's BAD_USER_INPUT recognises them: ask it for them.
        if (compiled && result.data === undefined && result.errors?.every((e) => !e.path)) result = await graphqlJs();
      } catch (e) {
        return refuse([e instanceof GraphQLError ? e : new GraphQLError(String((e as Error)?.message ?? e), { originalError: e as Error })], 500);
      }
      if (!operation) {
        const first = result.errors?.[0] ?? new GraphQLError('Unexpected error: no operation resolved and no errors');
        return refuse([coded(first, 'OPERATION_RESOLUTION_FAILURE', 400)], 500);
      }
      if (!result.errors?.length) {
        if (result.data && result.extensions === undefined && !entry.namesProto) return new DataAnswer({ data: result.data as Record<string, unknown> });
        return { status: 200, text: JSON.stringify(result) + '\n' };
      }
      const errors = result.errors.map((e) => (isBadUserInput(e) && e.extensions?.code == null ? coded(e, 'BAD_USER_INPUT') : e));
      const { formatted, status } = format(errors);
      // errors first, as graphql-js orders them (graphql-jit puts data first)
      return { status: status ?? (result.data === undefined ? 400 : 200), text: JSON.stringify({ errors: formatted, data: result.data }) + '\n' };
    } finally {
      opts.observe?.(operationName, kind, performance.now() - t0);
    }
  };

  return (body, headers) => (isGatewayBody(body) ? run(body, headers) : undefined);
}
