import type { PolicyTable } from '@omniroute/core';

/** Who may see the delivery zones (docs/authorization.md is generated from these tables). */
export const territoryPolicies = {
  'Query.territories': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['logistics:read'] },
} satisfies PolicyTable;
