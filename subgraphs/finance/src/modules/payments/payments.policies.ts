import type { PolicyTable } from '@omniroute/core';

/** Who may take money against invoices. */
export const paymentPolicies = {
  'Mutation.recordPayment': {
    roles: ['FINANCE', 'PARTNER'],
    scopes: ['finance:write'],
    note: 'keys with finance:write (payment providers) pay any open invoice of the tenant',
  },
  'Mutation.initiatePayment': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:write'] },
  'Mutation.configurePaymentProvider': { roles: [], note: "the tenant's rail credentials" },
  'Query.payment': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['finance:read'] },
  'Query.paymentProviders': { roles: ['FINANCE'], scopes: ['finance:read'] },
  'Subscription.paymentUpdated': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['finance:read'] },
} satisfies PolicyTable;
