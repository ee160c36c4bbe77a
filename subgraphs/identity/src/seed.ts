import { hashPassword } from '@omniroute/core';
import { DEMO_PASSWORD, type DemoTenant } from '@omniroute/demo';
import type { PrismaClient, Role } from './generated/prisma/client.ts';

/** Writes the demo tenants and their users; idempotent (skips tenants that exist). */
export async function seedIdentity(prisma: PrismaClient, plan: DemoTenant[]): Promise<void> {
  // Every demo user has the same public password, so one hash (one salt) serves them all: a hash per user would
  // cost ~0.5 s each at N=2^17 (~50 users per tenant) and protect nothing, the password being in the README.
  // Computed only when a tenant is missing, so restarting over existing data does not pay for it.
  let passwordHash: Promise<string> | undefined;
  for (const t of plan) {
    if (await prisma.tenant.findUnique({ where: { id: t.id } })) continue;
    passwordHash ??= hashPassword(DEMO_PASSWORD);
    const hash = await passwordHash;
    await prisma.$transaction([
      prisma.tenant.create({ data: { id: t.id, tenantId: t.id, slug: t.slug, name: t.name, defaultCurrency: t.currency, country: t.country, timeZone: t.timeZone } }),
      prisma.user.createMany({
        data: t.users.map((u) => ({
          id: u.id, tenantId: t.id, email: u.email, name: u.name, passwordHash: hash, roles: u.roles as Role[],
          customerId: u.customerId ?? null, workerId: u.workerId ?? null,
        })),
      }),
    ]);
  }
}
