import type { PolicyTable } from '@omniroute/core';

/** Who may see customers; riders reach a customer (and its phone) only through a shipment's order. */
export const customerPolicies = {
  'Query.customers': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'],
    scopes: ['customers:read'],
    rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' },
  },
  'Query.customer': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'],
    scopes: ['customers:read'],
    rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' },
  },
  'Customer.phone': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'RIDER', 'PARTNER'],
    scopes: ['customers:read'],
    note: 'personal data: keys that reach a customer through an order see its phone only with customers:read',
  },
  'Customer.position': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'RIDER', 'PARTNER'],
    scopes: ['customers:read'],
    note: 'where a shop takes deliveries: like the phone, keys see it only with customers:read',
  },
} satisfies PolicyTable;
