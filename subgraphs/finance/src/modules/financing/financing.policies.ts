import type { PolicyTable } from '@omniroute/core';

const READERS = { roles: ['FINANCE', 'SALES_REP', 'OPERATIONS'], scopes: ['finance:read'] } as const;

/**
 * Who sees what financing a customer's score earns and the agreements made (finance, and the sales reps and
 * operations who sell with it); who commits the tenant to a financier and records repayments (finance).
 */
export const financingPolicies = {
  'Query.financingOffers': READERS,
  'Query.financingAgreement': READERS,
  'Query.financingAgreements': READERS,
  'Mutation.acceptFinancingOffer': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:write'], note: 'money-moving: the financier pays the invoice' },
  'Mutation.recordInstalmentPayment': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:write'] },
  'Mutation.runFinancingCycle': { roles: ['FINANCE'], scopes: ['finance:write'] },
} satisfies PolicyTable;
