import type { PolicyTable } from '@omniroute/core';

/** Who may call the catalog's fields (docs/authorization.md is generated from these tables). */
export const catalogPolicies = {
  'Query.products': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'], scopes: ['catalog:read'] },
  'Query.product': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'], scopes: ['catalog:read'] },
  'Mutation.setProductTemperatureRange': { roles: ['OPERATIONS'], scopes: ['catalog:write'] },
} satisfies PolicyTable;
