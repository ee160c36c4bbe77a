import type { PolicyTable } from '@omniroute/core';

/** Who may see the task marketplace and act on it; a rider sees and bids as themself only. */
export const taskPolicies = {
  'Query.tasks': { roles: ['OPERATIONS', 'FINANCE', 'RIDER'], scopes: ['workforce:read'], rules: { RIDER: 'OWN_WORKER' } },
  'Query.task': { roles: ['OPERATIONS', 'FINANCE', 'RIDER'], scopes: ['workforce:read'], rules: { RIDER: 'OWN_WORKER' } },
  'Mutation.placeBid': { roles: ['OPERATIONS', 'RIDER'], scopes: ['workforce:write'], rules: { RIDER: 'OWN_WORKER' } },
  'Mutation.awardTask': { roles: ['OPERATIONS'], scopes: ['workforce:write'] },
  'Mutation.completeTask': { roles: ['OPERATIONS'], scopes: ['workforce:write'] },
} satisfies PolicyTable;
