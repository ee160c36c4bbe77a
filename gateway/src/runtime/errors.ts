// Error codes and the default masking of errors before they reach clients.
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
} as const;

/** A GraphQLError whose message is safe to show to clients (created by the runtime or a hook, not by a bug). */
export function gqlError(message: string, code: string, extra?: { path?: readonly (string | number)[]; http?: { status: number } }): GraphQLError {
  const extensions: Record<string, unknown> = { code };
  if (extra?.http) extensions.http = extra.http;
  return new GraphQLError(message, { path: extra?.path, extensions });
}

/** Wraps anything thrown into a GraphQLError; non-GraphQL errors keep their cause in originalError for masking. */
export function toGraphQLError(err: unknown): GraphQLError {
  if (err instanceof GraphQLError) return err;
  // graphql-js parses and validates recursively: a document nested thousands deep overflows the stack
  if (err instanceof RangeError && /call stack/i.test(err.message)) {
    return new GraphQLError('Document is nested too deeply', { extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } } });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return new GraphQLError(e.message, { originalError: e });
}

/**
 * Default formatting: errors raised by the runtime, hooks (as GraphQLError) or subgraphs keep their message and
 * extensions; anything else (a bug, a thrown Error) becomes "Internal server error". Never a stack trace.
 */
export function defaultFormatError(err: GraphQLError): GraphQLFormattedError {
  const unexpected = err.originalError != null && !(err.originalError instanceof GraphQLError) && !(err.originalError as { expose?: boolean }).expose;
  if (unexpected) {
    const out: GraphQLFormattedError = { message: 'Internal server error', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
    if (err.path) (out as { path?: readonly (string | number)[] }).path = err.path;
    return out;
  }
  const f = err.toJSON();
  if (f.extensions) {
    const { http: _http, exception: _exception, stacktrace: _stack, ...rest } = f.extensions as Record<string, unknown>;
    if (!('code' in rest)) rest.code = ErrorCode.INTERNAL_SERVER_ERROR;
    return { ...f, extensions: rest };
  }
  return { ...f, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
}

/** HTTP status carried by an error (extensions.http.status), if any. */
export function httpStatusOf(err: GraphQLError): number | undefined {
  const s = (err.extensions?.http as { status?: unknown } | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}
