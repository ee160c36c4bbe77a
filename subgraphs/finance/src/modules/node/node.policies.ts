import type { PolicyTable } from '@omniroute/core';

/** `node(id)` answers with what the service of the id's type lets the caller see (a ledger entry: FINANCE only). */
export const nodePolicies = {
  'Query.node': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['finance:read'] },
} satisfies PolicyTable;
