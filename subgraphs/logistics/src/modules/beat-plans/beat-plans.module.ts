import { defineModule, type KitModule, type Started, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { BeatPlanService } from './beat-plans.service.ts';
import { startVisitConsumers } from './beat-plans.consumers.ts';
import { beatPlanPolicies } from './beat-plans.policies.ts';
import { beatPlanResolvers } from './resolvers/index.ts';

/** Sales reps' beat plans and visits (checked in and out, linked to the orders taken). */
export const beatPlansModule: KitModule<{ beatPlans: BeatPlanService }> = defineModule({
  name: 'beat-plans',
  resolvers: beatPlanResolvers,
  policies: beatPlanPolicies,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ beatPlans: new BeatPlanService(deps) }),
});

export const visitConsumers = ({ bus, deps, services }: Started<unknown, SubgraphDeps<PrismaClient>, { beatPlans: BeatPlanService }>) =>
  startVisitConsumers({ bus: bus!, prisma: deps.prisma, beatPlans: services.beatPlans });
