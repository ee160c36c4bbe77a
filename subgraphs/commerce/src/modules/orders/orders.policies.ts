import type { PolicyTable } from '@omniroute/core';

const READERS = ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'] as const;
const ORDERING = ['OPERATIONS', 'SALES_REP', 'RETAILER', 'PARTNER'] as const;

/**
 * Who may see, place and cancel orders. A retailer acts for its own customer, a sales rep for the customers of their
 * territories; a key cancels only its app's orders.
 */
export const orderPolicies = {
  'Query.orders': { roles: READERS, scopes: ['orders:read'], rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' } },
  'Query.order': { roles: READERS, scopes: ['orders:read'], rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' } },
  'Mutation.placeOrder': {
    roles: ORDERING,
    scopes: ['orders:write'],
    rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' },
    note: 'keys with orders:write order for any customer of the tenant (marketplaces, ERPs act for many)',
  },
  'Mutation.cancelOrder': { roles: ORDERING, scopes: ['orders:write'], rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY', PARTNER: 'OWN_APP_ORDERS' } },
} satisfies PolicyTable;
