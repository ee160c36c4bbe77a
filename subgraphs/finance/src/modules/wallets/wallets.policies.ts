import type { PolicyTable } from '@omniroute/core';

/** The readers of invoices see wallets too. */
const READERS = { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['finance:read'] } as const;

/** Who may see wallets and move money in and out of them. */
export const walletPolicies = {
  'Query.wallet': READERS,
  'Customer.wallet': READERS,
  'Worker.wallet': READERS,
  'Mutation.topUpWallet': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:write'] },
  'Mutation.payInvoiceFromWallet': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:write'] },
  'Mutation.refundToWallet': { roles: ['FINANCE'], scopes: ['finance:write'] },
} satisfies PolicyTable;
