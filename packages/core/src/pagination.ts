import { badUserInput } from './errors.ts';

export interface ConnectionArgs {
  first?: number | null;
  after?: string | null;
}
export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  totalCount?: number;
}

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

const encode = (id: string) => Buffer.from(`c:${id}`).toString('base64url');
export function decodeCursor(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!raw.startsWith('c:') || raw.length > 200) throw badUserInput('Invalid cursor', ['after']);
  return raw.slice(2);
}

/** Validated page window: `take` is one more than requested to learn hasNextPage without a count. */
export function pageWindow(args: ConnectionArgs): { first: number; afterId: string | null } {
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    throw badUserInput(`first must be between 0 and ${MAX_PAGE}`, ['first']);
  }
  return { first, afterId: args.after ? decodeCursor(args.after) : null };
}

/** Builds a Relay connection from `first + 1` rows fetched by keyset (`id` after the cursor). */
export function toConnection<T extends { id: string }>(rows: T[], first: number, afterId: string | null): Connection<T> {
  const page = rows.slice(0, first);
  const edges = page.map((node) => ({ cursor: encode(node.id), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: afterId !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

const encodeKey = (key: string) => Buffer.from(`c:${key}`).toString('base64url');

/**
 * A Relay connection over `first + 1` rows for lists not ordered by id alone (the marketplace, most exclusive
 * first): `keyOf` gives the composite keyset cursor. Id-ordered lists use core's toConnection.
 */
export function keysetConnection<T>(rows: T[], first: number, hasPrevious: boolean, keyOf: (row: T) => string): Connection<T> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: encodeKey(keyOf(node)), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage: rows.length > first,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}

export const emptyConnection = <T>(): Connection<T> => ({
  edges: [],
  pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
});

/**
 * One page of an id-ordered list (the keyset after the cursor): `fetch` gets `take` (first + 1) and `after`, the
 * `where` clause to spread into its query (`{ id: { gt: afterId } }`, or nothing on the first page).
 */
export async function pageById<T extends { id: string }>(
  args: ConnectionArgs,
  fetch: (page: { take: number; after: { id?: { gt: string } } }) => Promise<T[]>,
): Promise<Connection<T>> {
  const { first, afterId } = pageWindow(args);
  const rows = await fetch({ take: first + 1, after: afterId ? { id: { gt: afterId } } : {} });
  return toConnection(rows, first, afterId);
}
