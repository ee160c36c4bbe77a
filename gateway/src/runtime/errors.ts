// The gateway's one error table and formatter: every code a client can receive, the error every refusal is built
// with (gqlError), and the formatting every transport sends (formatError).
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export const ErrorCode = {
  PARSE_FAILED: 'GRAPHQL_PARSE_FAILED',
  VALIDATION_FAILED: 'GRAPHQL_VALIDATION_FAILED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  BAD_REQUEST: 'BAD_REQUEST',
  OPERATION_RESOLUTION_FAILURE: 'OPERATION_RESOLUTION_FAILURE',
  SUBGRAPH_UNAVAILABLE: 'SUBGRAPH_UNAVAILABLE',
  SUBGRAPH_INVALID_RESPONSE: 'SUBGRAPH_INVALID_RESPONSE',
  DOWNSTREAM_SERVICE_ERROR: 'DOWNSTREAM_SERVICE_ERROR',
  INVALID_GRAPHQL: 'INVALID_GRAPHQL',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  QUERY_TOO_LARGE: 'QUERY_TOO_LARGE',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  UNSUPPORTED_OPERATION: 'UNSUPPORTED_OPERATION',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  /** A field denied by the supergraph's @authenticated / @requiresScopes / @policy (runtime/authorization.ts). */
  UNAUTHORIZED_FIELD_OR_TYPE: 'UNAUTHORIZED_FIELD_OR_TYPE',
  /** Demand control: the operation's estimated cost (@cost / @listSize) is over `demandControl.maxCost`. */
  COST_ESTIMATED_TOO_EXPENSIVE: 'COST_ESTIMATED_TOO_EXPENSIVE',
  /** Demand control: a list field with @listSize(requireOneSlicingArgument) got none or several of its slicing arguments. */
  COST_INVALID_SLICING_ARGUMENTS: 'COST_INVALID_SLICING_ARGUMENTS',
  // the edge (gateway/src/plugins)
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  RATE_LIMITED: 'RATE_LIMITED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_IN_LIST: 'PERSISTED_QUERY_NOT_IN_LIST',
  PERSISTED_QUERY_ID_REQUIRED: 'PERSISTED_QUERY_ID_REQUIRED',
  QUERY_TOO_DEEP: 'QUERY_TOO_DEEP',
  QUERY_TOO_COMPLEX: 'QUERY_TOO_COMPLEX',
  TOO_MANY_ALIASES: 'TOO_MANY_ALIASES',
  TOO_MANY_ROOT_FIELDS: 'TOO_MANY_ROOT_FIELDS',
  TOO_MANY_SENSITIVE_FIELDS: 'TOO_MANY_SENSITIVE_FIELDS',
  INTROSPECTION_DISABLED: 'INTROSPECTION_DISABLED',
} as const;

/** What an error may carry for the HTTP transports: a status, and headers such as Retry-After. */
export interface HttpExtension { status: number; headers?: Record<string, string> }

/** A GraphQLError whose message is safe to show to clients (created by the runtime or a plugin, not by a bug). */
export function gqlError(message: string, code: string, extra?: { path?: readonly (string | number)[]; http?: HttpExtension; [extension: string]: unknown }): GraphQLError {
  const { path, ...rest } = extra ?? {};
  return new GraphQLError(message, { path, extensions: { code, ...rest } });
}

/** Wraps anything thrown into a GraphQLError; non-GraphQL errors keep their cause in originalError for masking. */
export function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError) return err;
  // graphql-js parses and validates recursively: a document nested thousands deep overflows the stack
  if (err instanceof RangeError && /call stack/i.test(err.message)) return gqlError('Document is nested too deeply', ErrorCode.PARSE_FAILED, { http: { status: 400 } });
  const e = err instanceof Error ? err : new Error(String(err));
  return new GraphQLError(e.message, { originalError: e });
}

export interface FormatOptions {
  /**
   * Codes clients may see as they are; everything else is masked to INTERNAL_SERVER_ERROR. Default: any error
   * that is not an unexpected exception keeps its message and code (the bare runtime's behaviour).
   */
  exposed?: ReadonlySet<string>;
  /** Carried by masked errors so support can find the log line. */
  requestId?: string;
  /** Told about every masked error (logging). */
  onMasked?(err: GraphQLError): void;
}

/**
 * Formats an error (a GraphQLError, or a plain `{ message, path, extensions }` from a subgraph) for a client: the
 * code and safe extensions kept, internals (stack, `http`, exception) dropped, unexpected errors masked as
 * "Internal server error". Never a stack trace.
 */
export function formatError(e: unknown, opts: FormatOptions = {}): GraphQLFormattedError {
  const err = e instanceof GraphQLError ? e : plainError(e);
  const f = err.toJSON();
  const code = f.extensions?.code as string | undefined;
  const unexpected = err.originalError != null && !(err.originalError instanceof GraphQLError) && !(err.originalError as { expose?: boolean }).expose;
  const keep = opts.exposed ? !!code && opts.exposed.has(code) : !unexpected;
  if (keep) {
    const { http: _h, exception: _e, stacktrace: _s, ...extensions } = (f.extensions ?? {}) as Record<string, unknown>;
    if (!('code' in extensions)) extensions.code = ErrorCode.INTERNAL_SERVER_ERROR;
    return { ...f, extensions };
  }
  if (code !== ErrorCode.INTERNAL_SERVER_ERROR) opts.onMasked?.(err);
  return {
    message: 'Internal server error',
    ...(f.path ? { path: f.path } : {}),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, ...(opts.requestId ? { requestId: opts.requestId } : {}) },
  };
}

function plainError(e: unknown): GraphQLError {
  const o = (e ?? {}) as { message?: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> };
  return new GraphQLError(o.message ?? String(e), { path: o.path, extensions: o.extensions });
}

/** HTTP status carried by an error (extensions.http.status), if any. */
export function httpStatusOf(err: GraphQLError): number | undefined {
  const s = (err.extensions?.http as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** HTTP headers carried by errors (extensions.http.headers, e.g. Retry-After), merged. */
export function httpHeadersOf(errors: readonly GraphQLError[]): Record<string, string> | undefined {
  let out: Record<string, string> | undefined;
  for (const e of errors) {
    const h = (e.extensions?.http as Partial<HttpExtension> | undefined)?.headers;
    if (h) out = { ...out, ...h };
  }
  return out;
}
