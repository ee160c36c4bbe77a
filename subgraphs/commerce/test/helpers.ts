// What new commerce test files share: a seeded in-memory subgraph on a free port (testkit's startSeededSubgraph, the
// outbox relay polling every 50 ms), a client signed like the gateway for any viewer, and the demo plan's tenants.
import type { Role, Viewer } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { startSeededSubgraph } from '@omniroute/testkit';
import { create, type CommerceOptions } from '../src/server.ts';

export const [LAGOS, ACCRA] = demoPlan() as [ReturnType<typeof demoPlan>[number], ReturnType<typeof demoPlan>[number]];
/** The first user of a tenant of the demo plan with these roles. */
export const staff = (tenant: typeof LAGOS, roles: Role[]): Viewer => ({ tenantId: tenant.id, userId: tenant.users[0]!.id, roles, scopes: [] });
/** A retailer's user, bound to its customer. */
export const retailerOf = (tenant: typeof LAGOS, customerId: string, userId = 'usr_RETAIL_TEST'): Viewer => ({ tenantId: tenant.id, userId, roles: ['RETAILER'], scopes: [], customerId });

/** Starts a seeded commerce subgraph (outbox relay every 50 ms unless `opts` says otherwise); `stop` ends it all. */
export const startCommerce = (secret: string, opts: Partial<CommerceOptions> = {}) =>
  startSeededSubgraph('commerce', secret, (bus) => create({ secret, bus, relayIntervalMs: 50, ...opts }));
