import type { DemoTenant } from '@omniroute/demo';
import type { Prisma } from '../../generated/prisma/client.ts';

/**
 * Collections' contact book from the demo plan: every customer's name, phone and territory, written with the rest of
 * the tenant's finance seed (seed.ts); customer events will keep it current once commerce publishes customer changes.
 */
export function collectionContacts(t: DemoTenant): Prisma.CollectionContactCreateManyInput[] {
  return t.customers.map((c) => ({ tenantId: t.id, customerId: c.id, name: c.name, phone: c.phone, territoryId: c.territoryId }));
}
