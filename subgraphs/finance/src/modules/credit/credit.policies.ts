import type { PolicyTable } from '@omniroute/core';

/** Who may see and set credit (docs/authorization.md is generated from these tables). */
export const creditPolicies = {
  'Mutation.setCreditLimit': { roles: ['FINANCE'], scopes: ['finance:write'] },
  'Customer.creditLine': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'],
    scopes: ['finance:read'],
    rules: { RETAILER: 'OWN_CUSTOMER' },
  },
} satisfies PolicyTable;
