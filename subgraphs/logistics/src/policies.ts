import { logistics } from './server.ts';

/** Every policy of the logistics subgraph (one table per module, beside its SDL; merged by the kit). */
export const POLICIES = logistics.policies;
