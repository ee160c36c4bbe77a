import type { UserError } from '@omniroute/core';
import type { RouteTrip, Shipment } from '../../generated/prisma/client.ts';
import type { PlannedStop } from './route-plan.rules.ts';
import type { RoutePlanView } from './routing.service.ts';

/** A trip's drop with its position in the trip. */
export type TripStopView = PlannedStop & { sequence: number };

export interface DispatchRoutePlanPayloadView {
  plan: RoutePlanView | null;
  shipments: Shipment[];
  userErrors: UserError[];
}

/** A trip's drops from its JSON column, numbered from 1. */
export function tripStopsOf(trip: RouteTrip): TripStopView[] {
  const stops = Array.isArray(trip.stops) ? (trip.stops as unknown as PlannedStop[]) : [];
  return stops.map((s, i) => ({ ...s, sequence: i + 1 }));
}
