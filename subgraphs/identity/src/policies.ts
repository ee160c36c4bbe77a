import { identity } from './server.ts';

/** Every policy of the identity subgraph (one table per module, beside its SDL; merged by the kit). */
export const POLICIES = identity.policies;
