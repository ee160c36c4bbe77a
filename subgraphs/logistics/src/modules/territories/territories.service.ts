import { authorize, pageWindow, toConnection, type ConnectionArgs, type Viewer } from '@omniroute/core';
import type { LogisticsDeps } from '../../lib/deps.ts';
import { territoryPolicies } from './territories.policies.ts';

/** Territories: the tenant's delivery zones. */
export class TerritoryService {
  constructor(private readonly deps: Pick<LogisticsDeps, 'prisma'>) {}

  async list(viewer: Viewer | null, args: ConnectionArgs) {
    const v = authorize(territoryPolicies['Query.territories'], viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.deps.prisma.territory.findMany({
      where: { tenantId: v.tenantId, ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }
}
