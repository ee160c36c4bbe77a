import type { PolicyTable } from '@omniroute/core';

/** Who sees the dashboard's delivery figures. */
export const kpiPolicies = {
  'Query.logisticsKpis': { roles: ['OPERATIONS', 'FINANCE', 'SALES_REP'], scopes: ['logistics:read'] },
} satisfies PolicyTable;
