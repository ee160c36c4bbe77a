import { defineModule, type KitModule } from '@omniroute/core/kit';
import { nodePolicies } from './node.policies.ts';
import { nodeResolvers } from './resolvers/index.ts';

/** Relay `node(id)` over finance's entities. */
export const nodeModule: KitModule<{}> = defineModule({
  name: 'node',
  resolvers: nodeResolvers,
  policies: nodePolicies,
});
