import type { RequestScope } from '../../context.ts';
import { requireViewer } from '@omniroute/core';
import type { PrismaClient, Tenant } from '../../generated/prisma/client.ts';

/** Tenants: the caller's own organisation. */
export class TenantService {
  constructor(private readonly prisma: PrismaClient) {}

  current({ viewer }: RequestScope): Promise<Tenant | null> {
    const v = requireViewer(viewer);
    return this.prisma.tenant.findFirst({ where: { id: v.tenantId, tenantId: v.tenantId } });
  }
}
