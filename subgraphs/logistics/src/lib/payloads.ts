import type DataLoader from 'dataloader';
import { toPayload, type Result } from '@omniroute/core';

/**
 * A mutation's payload, with the row it changed put into this request's loader first: the payload's fields (and
 * whatever else the request reads after it) see the row as written, not one the loader read before the change.
 */
export function primedPayload<K extends string, T extends { id: string }>(key: K, r: Result<T>, loader: DataLoader<string, T | null>) {
  if (r.ok) loader.clear(r.value.id).prime(r.value.id, r.value);
  return toPayload(key, r);
}

/**
 * `resolve` of a subscription whose source yields the event payloads themselves: passed through as they are (the
 * generated types expect a payload wrapped in the field's name instead).
 */
export const passThrough = (payload: unknown) => payload as never;
