import type { PolicyTable } from '@omniroute/core';

/** Who may follow orders live; a retailer's stream carries only its own customer's orders. */
export const livePolicies = {
  'Subscription.orderUpdated': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'],
    scopes: ['orders:read'],
    rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' },
  },
} satisfies PolicyTable;
