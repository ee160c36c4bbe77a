import type { PolicyTable } from '@omniroute/core';

/** Who may take money against invoices. */
export const paymentPolicies = {
  'Mutation.recordPayment': {
    roles: ['FINANCE', 'PARTNER'],
    scopes: ['finance:write'],
    note: 'keys with finance:write (payment providers) pay any open invoice of the tenant',
  },
} satisfies PolicyTable;
