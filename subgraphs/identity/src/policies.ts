import { mergePolicies } from '@omniroute/core';
import { apiKeyPolicies } from './modules/api-keys/api-keys.policies.ts';
import { partnerAppPolicies } from './modules/partner-apps/partner-apps.policies.ts';
import { tenantPolicies } from './modules/tenants/tenants.policies.ts';
import { userPolicies } from './modules/users/users.policies.ts';

/** Every policy of the identity subgraph (one table per module, beside its SDL). */
export const POLICIES = mergePolicies([tenantPolicies, userPolicies, partnerAppPolicies, apiKeyPolicies]);
