import type { PolicyTable } from '@omniroute/core';

// A van is worked by ops staff and by its operator (the sales rep driving it), who touches only their own van.
const VAN_WORK = { roles: ['OPERATIONS', 'SALES_REP'], scopes: ['inventory:write'], rules: { SALES_REP: 'OWN_VAN' } } as const;
const VAN_READ = { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE'], scopes: ['inventory:read'], rules: { SALES_REP: 'OWN_VAN' } } as const;

/** Who may load, return, take back into and reconcile vans, and read their reconciliations. */
export const vanStockPolicies = {
  'Query.vanReconciliations': VAN_READ,
  'Query.vanReconciliation': VAN_READ,
  'Mutation.loadVan': VAN_WORK,
  'Mutation.returnVanStock': VAN_WORK,
  'Mutation.recordCustomerReturn': { ...VAN_WORK, note: 'a sales rep takes returns back onto their own van only' },
  'Mutation.reconcileVan': VAN_WORK,
  // what a variance is worth at list price: nothing the reader of the reconciliation cannot already work out from the
  // catalog, but money, so written down (the van rule is applied where the reconciliation is reached)
  'VanReconciliation.varianceValue': { roles: VAN_READ.roles, scopes: VAN_READ.scopes, note: 'list price × variance; reached only through a reconciliation the caller may read' },
  'VanReconciliationLine.varianceValue': { roles: VAN_READ.roles, scopes: VAN_READ.scopes, note: 'list price × variance; reached only through a reconciliation the caller may read' },
} satisfies PolicyTable;
