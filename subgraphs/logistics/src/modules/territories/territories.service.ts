import { pageWindow, requireViewer, toConnection, type ConnectionArgs, type Viewer } from '@omniroute/core';
import type { LogisticsDeps } from '../../lib/deps.ts';

/** Territories: the tenant's delivery zones. */
export class TerritoryService {
  constructor(private readonly deps: Pick<LogisticsDeps, 'prisma'>) {}

  async list(viewer: Viewer | null, args: ConnectionArgs) {
    const v = requireViewer(viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.deps.prisma.territory.findMany({
      where: { tenantId: v.tenantId, ...(afterId ? { id: { gt: afterId } } : {}) },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }
}
