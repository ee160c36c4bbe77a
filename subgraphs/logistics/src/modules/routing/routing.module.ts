import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { haversineProvider, osrmProvider } from '../../lib/distance-matrix.ts';
import { RoutePlanService, type RoutingDeps, type Solver } from './routing.service.ts';
import { solveInWorker } from './solver-thread.ts';
import { routingPolicies } from './routing.policies.ts';
import { routingResolvers } from './resolvers/index.ts';

export interface RoutingOptions {
  /** OSRM base URL for road distances in route planning (default: env OSRM_URL; unset: great circle × road factor). */
  osrmUrl?: string;
  /** The route solver; default: in a worker thread. */
  solver?: Solver;
}

/** What route planning adds to the shared deps: a distance matrix and a solver. */
export function routingDeps(opts: RoutingOptions): Pick<RoutingDeps, 'distances' | 'solver'> {
  const osrmUrl = opts.osrmUrl ?? process.env.OSRM_URL;
  return { distances: osrmUrl ? osrmProvider(osrmUrl) : haversineProvider, solver: opts.solver ?? solveInWorker };
}

/** Route plans: the day's shipments of a location solved into trips (VRP with time windows and capacities). */
export const routingModule: KitModule<{ routePlans: RoutePlanService }> = defineModule({
  name: 'routing',
  resolvers: routingResolvers,
  policies: routingPolicies,
  services: (deps: RoutingDeps & SubgraphDeps<PrismaClient>) => ({ routePlans: new RoutePlanService(deps) }),
});
