import type { PolicyTable } from '@omniroute/core';

/** Who may call the tenants module's fields. */
export const tenantPolicies = {
  'Query.tenant': { access: 'signedIn', note: "the caller's own tenant (name, currency, country)" },
} satisfies PolicyTable;
