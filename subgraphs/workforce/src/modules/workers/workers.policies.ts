import type { PolicyTable } from '@omniroute/core';

/** What staff and the worker themself may see; anyone who reaches a worker (a shipment's rider) sees name and level. */
const PRIVATE = { roles: ['OPERATIONS', 'FINANCE', 'RIDER'], scopes: ['workforce:read'], rules: { RIDER: 'OWN_WORKER' } } as const;

/** Who may see workers and rate them. */
export const workerPolicies = {
  'Query.workers': { roles: ['OPERATIONS', 'FINANCE'], scopes: ['workforce:read'] },
  'Query.worker': PRIVATE,
  'Mutation.rateWorker': { roles: ['OPERATIONS'], scopes: ['workforce:write'] },
  'Worker.phone': PRIVATE,
  'Worker.earnings': PRIVATE,
  'Worker.balance': PRIVATE,
  'Worker.tasks': PRIVATE,
  'Worker.earningsLedger': PRIVATE,
} satisfies PolicyTable;
