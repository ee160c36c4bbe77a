import type { DemoTenant } from '@omniroute/demo';
import type { PrismaClient } from '../../generated/prisma/client.ts';

/**
 * Collections' contact book from the demo plan: every customer's name, phone and territory. Idempotent and run on
 * every start (also over databases seeded before collections existed); customer events will keep it current once
 * commerce publishes customer changes.
 */
export async function seedCollectionContacts(prisma: PrismaClient, plan: DemoTenant[]): Promise<void> {
  for (const t of plan) {
    await prisma.collectionContact.createMany({
      data: t.customers.map((c) => ({ tenantId: t.id, customerId: c.id, name: c.name, phone: c.phone, territoryId: c.territoryId })),
      skipDuplicates: true,
    });
  }
}
