import type { PolicyTable } from '@omniroute/core';

/** Who may call the users module's fields (docs/authorization.md is generated from these tables). */
export const userPolicies = {
  'Query.me': { access: 'anyone', note: 'null for anonymous callers and API keys' },
  'Mutation.login': { access: 'anyone', note: 'anonymous by design; rate limits apply at the gateway' },
} satisfies PolicyTable;
