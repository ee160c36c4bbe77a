import type { PolicyTable } from '@omniroute/core';

/** Who sees payouts: finance and operations staff (riders see their withdrawals in workforce's earnings ledger). */
const READERS = { roles: ['FINANCE', 'OPERATIONS'], scopes: ['finance:read'] } as const;

export const payoutPolicies = {
  'Query.payout': READERS,
  'Query.payouts': READERS,
  'Worker.payouts': READERS,
} satisfies PolicyTable;
