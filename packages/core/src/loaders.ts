import DataLoader from 'dataloader';

/**
 * A per-request loader of rows by key: one batched query for all keys asked in a tick, results mapped back
 * in key order (null for missing). Create it in the context factory, never at module level.
 */
export function loaderBy<Row, K extends string = string>(
  fetch: (keys: readonly K[]) => Promise<Row[]>,
  keyOf: (row: Row) => K,
): DataLoader<K, Row | null> {
  return new DataLoader<K, Row | null>(async (keys) => {
    const rows = await fetch(keys);
    const byKey = new Map(rows.map((r) => [keyOf(r), r]));
    return keys.map((k) => byKey.get(k) ?? null);
  });
}

/** Like loaderBy, for one-to-many relations: every key gets the (possibly empty) list of its rows. */
export function groupLoaderBy<Row, K extends string = string>(
  fetch: (keys: readonly K[]) => Promise<Row[]>,
  keyOf: (row: Row) => K,
): DataLoader<K, Row[]> {
  return new DataLoader<K, Row[]>(async (keys) => {
    const rows = await fetch(keys);
    const groups = new Map<K, Row[]>(keys.map((k) => [k, []]));
    for (const r of rows) groups.get(keyOf(r))?.push(r);
    return keys.map((k) => groups.get(k) ?? []);
  });
}
