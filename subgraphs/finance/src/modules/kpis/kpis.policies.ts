import type { PolicyTable } from '@omniroute/core';

/** Who sees the dashboard's collection figures. */
export const kpiPolicies = {
  'Query.financeKpis': { roles: ['OPERATIONS', 'FINANCE', 'SALES_REP'], scopes: ['finance:read'] },
} satisfies PolicyTable;
