import type { Resolvers } from '../../../generated/graphql.ts';
import { tripStopsOf } from '../routing.mappers.ts';
import { unassignedOf } from '../routing.service.ts';

export const routingResolvers: Resolvers = {
  Query: {
    routePlan: (_p, { id }, ctx) => ctx.services.routePlans.get(ctx, id),
    routePlans: (_p, args, ctx) => ctx.services.routePlans.list(ctx, args),
  },
  Mutation: {
    planRoutes: async (_p, { input }, ctx) => {
      const r = await ctx.services.routePlans.plan(ctx, input);
      return r.ok ? { plan: r.value, userErrors: [] } : { plan: null, userErrors: r.errors };
    },
    dispatchRoutePlan: async (_p, { input }, ctx) => {
      const r = await ctx.services.routePlans.dispatch(ctx, input);
      if (!r.ok) return { plan: null, shipments: [], userErrors: r.errors };
      for (const s of r.value.shipments) ctx.loaders.shipmentById.clear(s.id).prime(s.id, s);
      return { ...r.value, userErrors: [] };
    },
  },
  RoutePlan: {
    location: (p) => ({ id: p.locationId }),
    trips: (p) => p.trips,
    savedKm: (p) => Math.round((p.baselineKm - p.totalKm) * 100) / 100,
    unassigned: (p) => unassignedOf(p),
    distanceSource: (p) => (p.distanceSource === 'OSRM' ? 'OSRM' : 'HAVERSINE'),
  },
  RouteTrip: {
    vehicle: async (t, _a, ctx) => (await ctx.loaders.vehicleById.load(t.vehicleId))!,
    stops: (t) => tripStopsOf(t),
    volumeM3: (t) => {
      const known = tripStopsOf(t).filter((s) => s.volumeM3 != null);
      return known.length ? Math.round(known.reduce((m3, s) => m3 + s.volumeM3!, 0) * 1000) / 1000 : null;
    },
  },
  RouteTripStop: {
    shipment: async (s, _a, ctx) => (await ctx.loaders.shipmentById.load(s.shipmentId))!,
    volumeM3: (s) => s.volumeM3 ?? null,
    windowStart: (s) => (s.windowStart ? new Date(s.windowStart) : null),
    windowEnd: (s) => (s.windowEnd ? new Date(s.windowEnd) : null),
  },
  UnassignedShipment: {
    shipment: async (u, _a, ctx) => (await ctx.loaders.shipmentById.load(u.shipmentId))!,
  },
};
