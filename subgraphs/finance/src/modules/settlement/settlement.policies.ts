import type { PolicyTable } from '@omniroute/core';

/** Reconciliation is finance's. */
export const settlementPolicies = {
  'Query.settlementReports': { roles: ['FINANCE'], scopes: ['finance:read'] },
  'Query.settlementReport': { roles: ['FINANCE'], scopes: ['finance:read'] },
  'Mutation.importSettlementReport': { roles: ['FINANCE'], scopes: ['finance:write'] },
  'Mutation.reconcileSettlements': { roles: ['FINANCE'], scopes: ['finance:write'] },
} satisfies PolicyTable;
