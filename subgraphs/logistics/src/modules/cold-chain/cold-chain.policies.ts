import type { PolicyTable } from '@omniroute/core';

/** Who may read cold-chain alerts and acknowledge them. */
export const coldChainPolicies = {
  'Query.coldChainAlerts': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['logistics:read'] },
  'Mutation.acknowledgeColdChainAlert': { roles: ['OPERATIONS'], scopes: ['logistics:write'] },
} satisfies PolicyTable;
