import type { PolicyTable } from '@omniroute/core';

/** Who may plan a depot's day and send it on the road (dispatchers), and read the plans. */
export const routingPolicies = {
  'Query.routePlan': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['logistics:read'] },
  'Query.routePlans': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['logistics:read'] },
  'Mutation.planRoutes': { roles: ['OPERATIONS'], scopes: ['logistics:write'] },
  'Mutation.dispatchRoutePlan': { roles: ['OPERATIONS'], scopes: ['logistics:write'] },
} satisfies PolicyTable;
