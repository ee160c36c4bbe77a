import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { PricingService } from './pricing.service.ts';
import { pricingPolicies } from './pricing.policies.ts';
import { pricingResolvers } from './resolvers/index.ts';

/** Price lists, contract prices and volume tiers (orders price through it). */
export const pricingModule: KitModule<{ pricing: PricingService }> = defineModule({
  name: 'pricing',
  resolvers: pricingResolvers,
  policies: pricingPolicies,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ pricing: new PricingService(deps.prisma) }),
});
