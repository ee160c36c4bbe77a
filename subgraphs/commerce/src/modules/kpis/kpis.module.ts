import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { KpiService } from './kpis.service.ts';
import { kpiPolicies } from './kpis.policies.ts';
import { kpiResolvers } from './resolvers/index.ts';

/** Sales KPIs of the dashboard. */
export const kpisModule: KitModule<{ kpis: KpiService }> = defineModule({
  name: 'kpis',
  resolvers: kpiResolvers,
  policies: kpiPolicies,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ kpis: new KpiService(deps.prisma) }),
});
