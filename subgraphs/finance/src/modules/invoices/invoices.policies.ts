import type { PolicyTable } from '@omniroute/core';

const STAFF = ['OPERATIONS', 'SALES_REP', 'FINANCE'] as const;

/** Who may see invoices. Retailers reach an invoice only through their own orders (`Order.invoice`), never the list. */
export const invoicePolicies = {
  'Query.invoices': { roles: [...STAFF, 'PARTNER'], scopes: ['finance:read'] },
  'Query.invoice': { roles: [...STAFF, 'PARTNER'], scopes: ['finance:read'] },
  'Order.invoice': { roles: [...STAFF, 'RETAILER', 'PARTNER'], scopes: ['finance:read'], rules: { RETAILER: 'OWN_CUSTOMER' } },
} satisfies PolicyTable;
