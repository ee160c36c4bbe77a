// What the workforce test files share: a seeded in-memory subgraph on a free port (the event bus in process, the
// outbox relay polling every ten minutes so a test sees what a kick sends), a client signed like the gateway, and
// the demo plan's viewers.
import type { Viewer } from '@omniroute/core';
import { createEventBus } from '@omniroute/events';
import { callSubgraph } from '@omniroute/testkit';
import { create } from '../src/server.ts';

export const LAGOS = 'tnt_LAGOS';
export const dispatch: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000004', roles: ['OPERATIONS'], scopes: [] };
/** The rider signed in as this worker's user. */
export const rider = (w: { tenantId: string; userId: string | null }): Viewer => ({ tenantId: w.tenantId, userId: w.userId!, roles: ['RIDER'], scopes: [] });

/** Starts a seeded workforce subgraph; `stop` ends the server, the database and the bus. */
export async function startWorkforce(secret: string) {
  const bus = createEventBus();
  const sg = await create({ secret, bus, relayIntervalMs: 600_000 });
  await sg.seed();
  const running = await sg.listen(0);
  const call = (viewer: Viewer, query: string, variables: Record<string, unknown> = {}) => callSubgraph({ url: running.url, name: 'workforce' }, secret, viewer, query, variables);
  const stop = async () => {
    await running.stop();
    await sg.close();
    await bus.close();
  };
  return { sg, bus, url: running.url, call, stop };
}
