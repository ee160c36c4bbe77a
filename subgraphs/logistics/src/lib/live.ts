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

/**
 * Loads through a request loader bypassing its cache. A subscription's context (and its loaders) lives as long as
 * the subscription, so each event must read current rows, not those cached for an earlier event.
 */
export function fresh<V>(loader: { clear(key: string): unknown; load(key: string): Promise<V> }, key: string): Promise<V> {
  loader.clear(key);
  return loader.load(key);
}
