import type { PolicyTable } from '@omniroute/core';

/** Who may call the partner apps module's fields: managing partner access is the tenant ADMIN's alone. */
export const partnerAppPolicies = {
  'Query.partnerApps': { roles: [] },
  'Query.partnerApp': { roles: [] },
  'Query._gatewayPersistedOperations': { access: 'gateway', note: 'the gateway loading a safelist; not in the public API' },
  'Mutation.createPartnerApp': { roles: [] },
  'Mutation.updatePartnerApp': { roles: [] },
  'Mutation.registerPersistedQueries': { roles: [] },
} satisfies PolicyTable;
