import type { PolicyTable } from '@omniroute/core';

const READERS = ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'] as const;

/** Who may see the zones and change the hierarchy and its assignments (docs/authorization.md is generated from these tables). */
export const territoryPolicies = {
  'Query.territories': { roles: READERS, scopes: ['logistics:read'] },
  'Query.territory': { roles: READERS, scopes: ['logistics:read'] },
  'Mutation.createTerritory': { roles: ['OPERATIONS'], scopes: ['logistics:write'] },
  'Mutation.assignCustomerTerritory': { roles: ['OPERATIONS'], scopes: ['logistics:write'] },
  'Mutation.assignSalesRepTerritories': { roles: ['OPERATIONS'], scopes: ['logistics:write'] },
} satisfies PolicyTable;
