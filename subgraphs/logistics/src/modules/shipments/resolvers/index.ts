import { rangeOf, requireViewer } from '@omniroute/core';
import { loadJoined } from '@omniroute/core/kit';
import type { Resolvers } from '../../../generated/graphql.ts';
import { passThrough, primedPayload } from '../../../lib/payloads.ts';
import { proofOfDeliveryOf } from '../shipments.mappers.ts';

export const shipmentResolvers: Resolvers = {
  Query: {
    shipments: (_p, { filter, ...args }, ctx) => ctx.services.shipments.list(ctx, args, filter),
    shipment: (_p, { id }, ctx) => ctx.services.shipments.get(ctx, id),
  },
  Mutation: {
    dispatchShipment: async (_p, { input }, ctx) => primedPayload('shipment', await ctx.services.shipments.dispatch(ctx, input), ctx.loaders.shipmentById),
    confirmDelivery: async (_p, { input }, ctx) => primedPayload('shipment', await ctx.services.shipments.confirmDelivery(ctx, input), ctx.loaders.shipmentById),
  },
  Subscription: {
    shipmentUpdated: { subscribe: (_p, args, ctx) => ctx.services.shipments.updates(ctx, args) as never, resolve: passThrough },
  },
  ShipmentEvent: {
    shipment: (e, _a, ctx) => ctx.loaders.shipmentById.load(e.shipmentId),
  },
  Shipment: {
    __resolveReference: (ref, ctx) => ctx.loaders.shipmentById.load(ref.id),
    order: (s) => ({ id: s.orderId }),
    vehicle: (s, _a, ctx) => (s.vehicleId ? loadJoined(ctx.loaders.vehicleById, s.vehicleId, s, 'vehicle') : null),
    rider: (s) => (s.riderId ? { id: s.riderId } : null),
    stops: (s, _a, ctx) => ctx.loaders.stopsByShipmentId.load(s.id),
    proofOfDelivery: (s) => proofOfDeliveryOf(s),
    temperatureRange: (s) => rangeOf({ tempMinC: s.tempMinC, tempMaxC: s.tempMaxC }),
  },
  Order: {
    // Commerce owns orders; any id is a fine key here because Order.shipment only finds the caller's tenant's shipments.
    __resolveReference: (ref, ctx) => {
      requireViewer(ctx.viewer);
      return { id: ref.id };
    },
    shipment: (o, _a, ctx) => ctx.loaders.shipmentByOrderId.load(o.id),
  },
};
