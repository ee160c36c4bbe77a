import type { PolicyTable } from '@omniroute/core';

/** Who sees the dashboard's order figures (docs/authorization.md is generated from these tables). */
export const kpiPolicies = {
  'Query.commerceKpis': { roles: ['OPERATIONS', 'FINANCE', 'SALES_REP'], scopes: ['orders:read'] },
} satisfies PolicyTable;
