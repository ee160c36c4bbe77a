import type { PolicyTable } from '@omniroute/core';

const READERS = ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'] as const;
const ORDERING = ['OPERATIONS', 'SALES_REP', 'RETAILER', 'PARTNER'] as const;

/** Who may see, place and cancel orders. A retailer acts for its own customer; a key cancels only its app's orders. */
export const orderPolicies = {
  'Query.orders': { roles: READERS, scopes: ['orders:read'], rules: { RETAILER: 'OWN_CUSTOMER' } },
  'Query.order': { roles: READERS, scopes: ['orders:read'], rules: { RETAILER: 'OWN_CUSTOMER' } },
  'Mutation.placeOrder': {
    roles: ORDERING,
    scopes: ['orders:write'],
    rules: { RETAILER: 'OWN_CUSTOMER' },
    note: 'keys with orders:write order for any customer of the tenant (marketplaces, ERPs act for many)',
  },
  'Mutation.cancelOrder': { roles: ORDERING, scopes: ['orders:write'], rules: { RETAILER: 'OWN_CUSTOMER', PARTNER: 'OWN_APP_ORDERS' } },
} satisfies PolicyTable;
