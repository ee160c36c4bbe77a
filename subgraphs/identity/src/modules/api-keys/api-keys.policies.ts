import type { PolicyTable } from '@omniroute/core';

/** Who may call the API keys module's fields: issuing and revoking keys is the tenant ADMIN's alone. */
export const apiKeyPolicies = {
  'Query.apiKeys': { roles: [] },
  'Query._gatewayApiKey': { access: 'gateway', note: 'the gateway resolving a key; not in the public API' },
  'Mutation.createApiKey': { roles: [] },
  'Mutation.revokeApiKey': { roles: [] },
  'Mutation._gatewayRecordApiKeyUse': { access: 'gateway', note: 'the gateway reporting key use; not in the public API' },
} satisfies PolicyTable;
