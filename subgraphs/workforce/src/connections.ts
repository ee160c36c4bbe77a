import type { Connection } from '@omniroute/core';

const encode = (key: string) => Buffer.from(`c:${key}`).toString('base64url');

/**
 * A Relay connection over `first + 1` rows for lists not ordered by id alone (the marketplace, most exclusive
 * first): `keyOf` gives the composite keyset cursor. Id-ordered lists use core's toConnection.
 */
export function keysetConnection<T>(rows: T[], first: number, hasPrevious: boolean, keyOf: (row: T) => string): Connection<T> {
  const edges = rows.slice(0, first).map((node) => ({ cursor: encode(keyOf(node)), node }));
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
