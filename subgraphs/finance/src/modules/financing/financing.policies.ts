import type { PolicyTable } from '@omniroute/core';

/** Who sees what financing a customer's score earns: finance, and the sales reps and operations who sell with it. */
export const financingPolicies = {
  'Query.financingOffers': { roles: ['FINANCE', 'SALES_REP', 'OPERATIONS'], scopes: ['finance:read'] },
} satisfies PolicyTable;
