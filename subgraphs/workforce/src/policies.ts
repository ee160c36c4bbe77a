import { workforce } from './server.ts';

/** Every policy of the workforce subgraph (one table per module, beside its SDL; merged by the kit). */
export const POLICIES = workforce.policies;
