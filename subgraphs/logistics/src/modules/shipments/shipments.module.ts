import { defineModule, type KitModule, type Started, type SubgraphDeps } from '@omniroute/core/kit';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { TerritoryService } from '../territories/territories.service.ts';
import { ShipmentService } from './shipments.service.ts';
import { startShipmentConsumers } from './shipments.consumers.ts';
import { startDeliveryAckConsumer, startDeliveryReconcilers } from './shipments.reconcilers.ts';
import { createShipmentLoaders } from './shipments.loaders.ts';
import { shipmentPolicies } from './shipments.policies.ts';
import { shipmentResolvers } from './resolvers/index.ts';

export interface ShipmentsOptions {
  /** A delivery neither invoiced nor credited to its rider this long has its event re-sent (shipments.reconcilers.ts); default 5 minutes. */
  reconcileAfterMs?: number;
  /** How often the delivery reconcilers run (default: half of reconcileAfterMs, 1 s–1 min); 0: only on demand. */
  reconcileIntervalMs?: number;
}

/** Shipments: made for confirmed orders, dispatched, delivered (proof of delivery), with their stops. */
export const shipmentsModule: KitModule<{ shipments: ShipmentService }, ReturnType<typeof createShipmentLoaders>> = defineModule({
  name: 'shipments',
  resolvers: shipmentResolvers,
  policies: shipmentPolicies,
  loaders: createShipmentLoaders,
  services: (deps: SubgraphDeps<PrismaClient>) => ({ shipments: new ShipmentService(deps) }),
});

type Running = Started<ShipmentsOptions, SubgraphDeps<PrismaClient>, { shipments: ShipmentService; territories: TerritoryService }>;

export const shipmentConsumers = ({ bus, deps, services }: Running) =>
  startShipmentConsumers({ bus: bus!, prisma: deps.prisma, shipments: services.shipments, noteCustomers: !!services.territories, outboxWritten: deps.outboxWritten });
export const deliveryAckConsumer = ({ bus, deps }: Running) => startDeliveryAckConsumer(bus!, deps.prisma);
export const deliveryReconcilers = ({ bus, deps, opts }: Running) =>
  bus ? startDeliveryReconcilers({ prisma: deps.prisma, kick: deps.outboxWritten, stuckAfterMs: opts.reconcileAfterMs, intervalMs: opts.reconcileIntervalMs }) : [];
