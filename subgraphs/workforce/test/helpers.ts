// What the workforce test files share: a seeded in-memory subgraph on a free port (the event bus in process, the
// outbox relay polling every ten minutes so a test sees what a kick sends), a client signed like the gateway, and
// the demo plan's viewers.
import type { Viewer } from '@omniroute/core';
import { startSeededSubgraph } from '@omniroute/testkit';
import { create } from '../src/server.ts';

export const LAGOS = 'tnt_LAGOS';
export const dispatch: Viewer = { tenantId: LAGOS, userId: 'usr_LAGOS000004', roles: ['OPERATIONS'], scopes: [] };
/** The rider signed in as this worker's user. */
export const rider = (w: { tenantId: string; userId: string | null }): Viewer => ({ tenantId: w.tenantId, userId: w.userId!, roles: ['RIDER'], scopes: [] });

/** Starts a seeded workforce subgraph (outbox relay every ten minutes); `stop` ends the server, the database and the bus. */
export const startWorkforce = (secret: string) => startSeededSubgraph('workforce', secret, (bus) => create({ secret, bus, relayIntervalMs: 600_000 }));
