import type { PolicyTable } from '@omniroute/core';

/** Collections staff: finance runs them; operations and sales reps (collectors in the field) read worklists and record promises. */
const READERS = { roles: ['FINANCE', 'OPERATIONS', 'SALES_REP'], scopes: ['finance:read'] } as const;

export const collectionsPolicies = {
  'Query.collectionsAging': READERS,
  'Query.collectionsWorklist': READERS,
  'Query.collectionsToday': READERS,
  'Query.promisesToPay': READERS,
  'Query.collectionNotifications': { roles: ['FINANCE'], scopes: ['finance:read'] },
  'Mutation.recordPromiseToPay': { roles: ['FINANCE', 'PARTNER'], scopes: ['finance:write'] },
  'Mutation.runCollections': { roles: ['FINANCE'], scopes: ['finance:write'] },
} satisfies PolicyTable;
