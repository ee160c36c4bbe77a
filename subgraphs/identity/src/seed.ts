import { hashPassword } from '@omniroute/core';
import { DEMO_PASSWORD, type DemoTenant } from '@omniroute/demo';
import type { PrismaClient, Role } from './generated/prisma/client.ts';

/** Writes the demo tenants and their users; idempotent (skips tenants that exist). */
export async function seedIdentity(prisma: PrismaClient, plan: DemoTenant[]): Promise<void> {
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  for (const t of plan) {
    if (await prisma.tenant.findUnique({ where: { id: t.id } })) continue;
    await prisma.$transaction([
      prisma.tenant.create({ data: { id: t.id, tenantId: t.id, slug: t.slug, name: t.name, defaultCurrency: t.currency, country: t.country } }),
      prisma.user.createMany({
        data: t.users.map((u) => ({
          id: u.id, tenantId: t.id, email: u.email, name: u.name, passwordHash, roles: u.roles as Role[],
          customerId: u.customerId ?? null, workerId: u.workerId ?? null,
        })),
      }),
    ]);
  }
}
