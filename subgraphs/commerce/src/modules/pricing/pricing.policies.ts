import type { PolicyTable } from '@omniroute/core';

/**
 * Who may call the pricing fields: a quote shows a customer's contract prices, so retailers quote only their own
 * and sales reps only the customers of their territories (as for `customer`, others look unknown: null).
 */
export const pricingPolicies = {
  'Query.priceQuote': {
    roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'RETAILER', 'PARTNER'],
    scopes: ['catalog:read'],
    rules: { RETAILER: 'OWN_CUSTOMER', SALES_REP: 'OWN_TERRITORY' },
  },
} satisfies PolicyTable;
