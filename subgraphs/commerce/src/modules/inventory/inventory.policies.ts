import type { PolicyTable } from '@omniroute/core';

/** Who may call the inventory's fields. */
export const inventoryPolicies = {
  'Query.locations': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'], scopes: ['catalog:read'] },
  'Query.availableToPromise': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'], scopes: ['catalog:read'] },
} satisfies PolicyTable;
