import type { PolicyTable } from '@omniroute/core';

/** Who may call the pricing fields: a quote shows a customer's contract prices, so retailers quote only their own. */
export const pricingPolicies = {
  'Query.priceQuote': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'],
    scopes: ['catalog:read'],
    rules: { RETAILER: 'OWN_CUSTOMER' },
  },
} satisfies PolicyTable;
