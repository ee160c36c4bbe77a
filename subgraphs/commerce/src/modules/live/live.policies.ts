import type { PolicyTable } from '@omniroute/core';

/** Who may follow orders and van variances live; a retailer's stream carries only its own customer's orders. */
export const livePolicies = {
  'Subscription.orderUpdated': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'],
    scopes: ['orders:read'],
    rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' },
  },
  'Subscription.vanVarianceRaised': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE'],
    scopes: ['inventory:read'],
    rules: { SALES_REP: 'OWN_VAN' },
    note: 'the same readers as vanReconciliations',
  },
} satisfies PolicyTable;
