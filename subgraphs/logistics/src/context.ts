import type { InternalContext, Viewer } from '@omniroute/core';
import type { LogisticsDeps } from './lib/deps.ts';
import { TerritoryService } from './modules/territories/territories.service.ts';
import { VehicleService } from './modules/vehicles/vehicles.service.ts';
import { ShipmentService } from './modules/shipments/shipments.service.ts';
import { createTerritoryLoaders } from './modules/territories/territories.loaders.ts';
import { createVehicleLoaders } from './modules/vehicles/vehicles.loaders.ts';
import { createShipmentLoaders } from './modules/shipments/shipments.loaders.ts';
import { KpiService } from './modules/kpis/kpis.service.ts';
import { RoutePlanService, type RoutingDeps } from './modules/routing/routing.service.ts';
import { BeatPlanService } from './modules/beat-plans/beat-plans.service.ts';
import { ColdChainService } from './modules/cold-chain/cold-chain.service.ts';

export interface LogisticsServices {
  territories: TerritoryService;
  vehicles: VehicleService;
  shipments: ShipmentService;
  routePlans: RoutePlanService;
  kpis: KpiService;
  beatPlans: BeatPlanService;
  coldChain: ColdChainService;
}

/** Read-only per-request context: who calls, the services, and this request's DataLoaders. */
export interface LogisticsContext {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  readonly services: LogisticsServices;
  readonly loaders: ReturnType<typeof createTerritoryLoaders> & ReturnType<typeof createVehicleLoaders> & ReturnType<typeof createShipmentLoaders>;
}

export function createServices(deps: RoutingDeps & { escalateAfterMinutes?: number }): LogisticsServices {
  const coldChain = new ColdChainService(deps);
  return {
    territories: new TerritoryService(deps),
    vehicles: new VehicleService(deps, coldChain),
    shipments: new ShipmentService(deps),
    routePlans: new RoutePlanService(deps),
    kpis: new KpiService(deps),
    beatPlans: new BeatPlanService(deps),
    coldChain,
  };
}

export function createContextFactory(deps: LogisticsDeps, services: LogisticsServices) {
  return (internal: InternalContext): LogisticsContext => {
    const viewer = internal.viewer;
    return Object.freeze({
      requestId: internal.requestId,
      viewer,
      services,
      loaders: {
        ...createTerritoryLoaders(deps.prisma, viewer),
        ...createVehicleLoaders(deps.prisma, viewer),
        ...createShipmentLoaders(deps.prisma, viewer),
      },
    });
  };
}
