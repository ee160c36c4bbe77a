import type { PolicyTable } from '@omniroute/core';

/** Who may read the tenant's books. */
export const ledgerPolicies = {
  'Query.ledgerBalance': { roles: ['FINANCE'], scopes: ['finance:read'] },
  'Query.ledgerEntries': { roles: ['FINANCE'], scopes: ['finance:read'] },
  'Query.trialBalance': { roles: ['FINANCE'], scopes: ['finance:read'] },
  'Query.ledgerStatement': { roles: ['FINANCE'], scopes: ['finance:read'] },
} satisfies PolicyTable;
