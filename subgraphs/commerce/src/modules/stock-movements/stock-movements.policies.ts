import type { PolicyTable } from '@omniroute/core';

// Warehouse work is OPERATIONS' (and an ERP's or WMS's key with inventory scopes); FINANCE reads the ledger and
// decides on count variances (write-offs), which the counter never approves alone.
const LEDGER_READERS = ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'] as const;
const PURCHASING_READERS = ['OPERATIONS', 'FINANCE', 'PARTNER'] as const;
const WAREHOUSE = ['OPERATIONS', 'PARTNER'] as const;
const APPROVERS = ['FINANCE'] as const;

/** Who may read and write the stock ledger, purchasing and cycle counts. */
export const stockMovementPolicies = {
  'Query.stockMovements': { roles: LEDGER_READERS, scopes: ['inventory:read'] },
  'Query.suppliers': { roles: PURCHASING_READERS, scopes: ['inventory:read'] },
  'Query.purchaseOrders': { roles: PURCHASING_READERS, scopes: ['inventory:read'] },
  'Query.purchaseOrder': { roles: PURCHASING_READERS, scopes: ['inventory:read'] },
  'Query.cycleCounts': { roles: PURCHASING_READERS, scopes: ['inventory:read'] },
  'Query.cycleCount': { roles: PURCHASING_READERS, scopes: ['inventory:read'] },
  'Mutation.createSupplier': { roles: WAREHOUSE, scopes: ['inventory:write'] },
  'Mutation.createPurchaseOrder': { roles: WAREHOUSE, scopes: ['inventory:write'] },
  'Mutation.receiveGoods': { roles: WAREHOUSE, scopes: ['inventory:write'] },
  'Mutation.adjustStock': { roles: WAREHOUSE, scopes: ['inventory:write'] },
  'Mutation.transferStock': { roles: WAREHOUSE, scopes: ['inventory:write'] },
  'Mutation.recordCycleCount': { roles: WAREHOUSE, scopes: ['inventory:write'] },
  'Mutation.approveCycleCount': { roles: APPROVERS, scopes: ['inventory:approve'], note: 'never by the user who counted (SELF_APPROVAL)' },
  'Mutation.rejectCycleCount': { roles: APPROVERS, scopes: ['inventory:approve'] },
} satisfies PolicyTable;
