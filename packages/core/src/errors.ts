import { GraphQLError } from 'graphql';
import type { UserErrorCode } from './error-codes.ts';

/** Stable error codes clients can rely on (`extensions.code`). */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export function unauthenticated(message = 'Authentication required'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
}
export function forbidden(message = 'Not allowed'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.FORBIDDEN } });
}
export function badUserInput(message: string, field?: string[]): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(field ? { field } : {}) } });
}
export function notFound(message = 'Not found'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.NOT_FOUND } });
}

/** A business failure returned in a mutation payload, never thrown. */
export interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}
export function userError(code: UserErrorCode, message: string, field?: string[]): UserError {
  return { code, message, field: field ?? null };
}

/** Result of a service operation: expected failures are values, only the unexpected throws (STYLE rule 4). */
export type Result<T> = { ok: true; value: T } | { ok: false; errors: UserError[] };
export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = <T = never>(code: UserErrorCode, message: string, field?: string[]): Result<T> => ({
  ok: false,
  errors: [userError(code, message, field)],
});

/** Maps a service Result to a mutation payload `{ [key]: value | null, userErrors }`. */
export function toPayload<K extends string, T>(key: K, r: Result<T>): { [P in K]: T | null } & { userErrors: UserError[] } {
  return (r.ok ? { [key]: r.value, userErrors: [] } : { [key]: null, userErrors: r.errors }) as never;
}

/**
 * Thrown inside a transaction to roll it back with business failures (e.g. a check that needs the locked rows);
 * the service catches it (`e instanceof Refused`) and returns `{ ok: false, errors: e.errors }`.
 */
export class Refused extends Error {
  constructor(readonly errors: UserError[]) {
    super('refused');
  }
}
