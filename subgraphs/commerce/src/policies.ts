import { commerce } from './server.ts';

/** Every policy of the commerce subgraph (one table per module, beside its SDL; merged by the kit). */
export const POLICIES = commerce.policies;
