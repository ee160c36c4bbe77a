import { mergePolicies } from '@omniroute/core';
import { earningsPolicies } from './modules/earnings/earnings.policies.ts';
import { guildPolicies } from './modules/guild/guild.policies.ts';
import { taskPolicies } from './modules/tasks/tasks.policies.ts';
import { workerPolicies } from './modules/workers/workers.policies.ts';

/** Every policy of the workforce subgraph (one table per module, beside its SDL). */
export const POLICIES = mergePolicies([guildPolicies, workerPolicies, taskPolicies, earningsPolicies]);
