import { finance } from './server.ts';

/** Every policy of the finance subgraph (one table per module, beside its SDL; merged by the kit). */
export const POLICIES = finance.policies;
