import { defineModule, type KitModule } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { KpiService } from './kpis.service.ts';
import { kpiPolicies } from './kpis.policies.ts';
import { kpiResolvers } from './resolvers/index.ts';

/** Finance KPIs of the dashboard. */
export const kpisModule: KitModule<{ kpis: KpiService }> = defineModule({
  name: 'kpis',
  resolvers: kpiResolvers,
  policies: kpiPolicies,
  services: (deps: FinanceDeps) => ({ kpis: new KpiService(deps.prisma) }),
});
