import type DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import { pushIterator } from '@omniroute/core';
import type { EventBus } from '@omniroute/events';

/**
 * A subscription source: the bus's broadcast events of one type for one tenant, filtered before they are
 * buffered. Ends (unlistens) when the subscriber goes away.
 */
export function liveEvents<P>(bus: EventBus | null, type: string, tenantId: string, keep: (payload: P) => boolean): AsyncIterableIterator<P> {
  if (!bus) throw new GraphQLError('Live updates are not available on this server', { extensions: { code: 'SERVICE_UNAVAILABLE' } });
  return pushIterator<P>((push) =>
    bus.listen(
      (e) => {
        const payload = e.payload as P;
        if (e.tenantId === tenantId && keep(payload)) push(payload);
      },
      { types: [type] },
    ),
  );
}

/** A row as it travels in an event: dates as ISO strings (what JSON makes of them on Redis), everything else as is. */
export type WireRow<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export function toWire<T extends object>(row: T): WireRow<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = v instanceof Date ? v.toISOString() : v;
  return out as WireRow<T>;
}

/** The row back from its wire form: the named date fields become Dates again. */
export function fromWire<T extends object>(row: WireRow<T>, dates: readonly (keyof T & string)[]): T {
  const out: Record<string, unknown> = { ...row };
  for (const k of dates) if (typeof out[k] === 'string') out[k] = new Date(out[k] as string);
  return out as T;
}

/**
 * The row an event carries (as it was when the event happened), primed into this event's loader so nested fields
 * reuse it; without one (an event from a publisher that sent none), the loader reads it.
 */
export function carried<T extends object>(loader: DataLoader<string, T | null>, key: string, row: WireRow<T> | null | undefined, dates: readonly (keyof T & string)[]): Promise<T | null> {
  if (!row) return loader.load(key);
  const value = fromWire(row, dates);
  loader.prime(key, value);
  return Promise.resolve(value);
}
