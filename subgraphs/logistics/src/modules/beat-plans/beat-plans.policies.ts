import type { PolicyTable } from '@omniroute/core';

/** Who may plan beats, visit customers and read strike rates: a sales rep only their own (OWN_VISITS). */
export const beatPlanPolicies = {
  'Query.beatPlan': { roles: ['OPERATIONS', 'SALES_REP'], scopes: ['logistics:read'], rules: { SALES_REP: 'OWN_VISITS' } },
  'Query.strikeRates': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE'], scopes: ['logistics:read'], rules: { SALES_REP: 'OWN_VISITS' } },
  'Mutation.planBeat': { roles: ['OPERATIONS', 'SALES_REP'], scopes: ['visits:write'], rules: { SALES_REP: 'OWN_VISITS' } },
  'Mutation.checkInVisit': { roles: ['SALES_REP'], scopes: ['visits:write'], rules: { SALES_REP: 'OWN_VISITS' }, note: 'the rep checks in as themselves, at a customer of their territories' },
  'Mutation.checkOutVisit': { roles: ['SALES_REP'], scopes: ['visits:write'], rules: { SALES_REP: 'OWN_VISITS' } },
} satisfies PolicyTable;
