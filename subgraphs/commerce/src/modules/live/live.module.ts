import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { LiveService } from './live.service.ts';
import { livePolicies } from './live.policies.ts';
import { liveResolvers } from './resolvers/index.ts';

/** Live order updates (subscriptions over the event bus). */
export const liveModule: KitModule<{ live: LiveService }> = defineModule({
  name: 'live',
  resolvers: liveResolvers,
  policies: livePolicies,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ live: new LiveService(deps.bus ?? undefined, deps.prisma) }),
});
