import { pageWindow, toConnection } from '@omniroute/core';
import type { Resolvers } from '../../../generated/graphql.ts';
import { carried, fromWire, type WireRow } from '../../../lib/live.ts';
import { passThrough, primedPayload } from '../../../lib/payloads.ts';
import type { ColdChainAlert as ColdChainAlertRow } from '../../../generated/prisma/client.ts';
import { SHIPMENT_DATES } from '../../shipments/shipments.mappers.ts';
import { ALERT_DATES, lastPositionOf, VEHICLE_DATES } from '../vehicles.mappers.ts';

export const vehicleResolvers: Resolvers = {
  Query: {
    vehicles: (_p, { filter, ...args }, ctx) => ctx.services.vehicles.list(ctx, args, filter),
    vehicle: (_p, { id }, ctx) => ctx.services.vehicles.get(ctx, id),
  },
  Mutation: {
    reportVehiclePosition: async (_p, { input }, ctx) => primedPayload('vehicle', await ctx.services.vehicles.reportPosition(ctx, input), ctx.loaders.vehicleById),
  },
  Subscription: {
    vehiclePositionUpdated: { subscribe: (_p, args, ctx) => ctx.services.vehicles.positionUpdates(ctx, args) as never, resolve: passThrough },
    coldChainAlert: {
      subscribe: (_p, args, ctx) => ctx.services.vehicles.coldChainAlerts(ctx, args) as never,
      // the event carries the alert row, dates as ISO strings
      resolve: (p: unknown) => fromWire(p as WireRow<ColdChainAlertRow>, ALERT_DATES) as never,
    },
  },
  VehiclePositionEvent: {
    vehicle: (e, _a, ctx) => carried(ctx.loaders.vehicleById, e.vehicleId, e.vehicle, VEHICLE_DATES),
    position: (e) => ({ lat: e.lat, lng: e.lng, speedKph: e.speedKph, heading: e.heading, temperatureC: e.temperatureC, recordedAt: new Date(e.recordedAt) }),
    shipment: (e, _a, ctx) => (e.shipmentId ? carried(ctx.loaders.shipmentById, e.shipmentId, e.shipment, SHIPMENT_DATES) : null),
  },
  Vehicle: {
    __resolveReference: (ref, ctx) => ctx.loaders.vehicleById.load(ref.id),
    territory: (v, _a, ctx) => ctx.loaders.territoryById.load(v.territoryId),
    lastPosition: (v) => lastPositionOf(v),
    currentShipment: (v, _a, ctx) => ctx.loaders.currentShipmentByVehicleId.load(v.id),
    positions: async (v, args, ctx) => {
      const { first, afterId } = pageWindow(args);
      return toConnection(await ctx.loaders.positionsByVehicle.load({ parentId: v.id, first, afterId }), first, afterId);
    },
    coldChainAlerts: async (v, args, ctx) => {
      const { first, afterId } = pageWindow(args);
      return toConnection(await ctx.loaders.coldChainAlertsByVehicle.load({ parentId: v.id, first, afterId }), first, afterId);
    },
  },
  ColdChainAlert: {
    vehicle: (a, _x, ctx) => ctx.loaders.vehicleById.load(a.vehicleId),
    shipment: (a, _x, ctx) => (a.shipmentId ? ctx.loaders.shipmentById.load(a.shipmentId) : null),
    position: (a) => ({ lat: a.lat, lng: a.lng }),
  },
};
