import type { PolicyTable } from '@omniroute/core';

/** Who may pay out a worker's balance. */
export const earningsPolicies = {
  'Mutation.requestWithdrawal': { roles: ['FINANCE', 'RIDER'], scopes: ['workforce:write'], rules: { RIDER: 'OWN_WORKER' } },
} satisfies PolicyTable;
