// Pure shipment rules: ETA, complexity, which status may move where. No I/O, unit-tested beside.
import { distanceKm, type LatLng } from '../../lib/geo.ts';

export type VehicleKind = 'MOTORBIKE' | 'TRICYCLE' | 'VAN' | 'TRUCK';
export type ShipmentStatus = 'PENDING' | 'ASSIGNED' | 'IN_TRANSIT' | 'DELIVERED' | 'FAILED' | 'CANCELLED';

/** Roads are not straight lines: city driving distance is about 1.3× the great-circle distance. */
export const ROAD_FACTOR = 1.3;
/** Average urban speeds with traffic (Lagos/Accra), km/h. */
export const AVERAGE_SPEED_KPH: Record<VehicleKind, number> = { MOTORBIKE: 28, TRICYCLE: 18, VAN: 22, TRUCK: 18 };
/** Speed assumed before a vehicle is chosen. */
export const UNASSIGNED_SPEED_KPH = 20;
/** A leg whose start or end is unknown (e.g. pickup at a location we have no coordinates for) counts as this long. */
export const UNKNOWN_LEG_KM = 8;
/** Parking, unloading and paperwork at each stop after the start. */
export const STOP_HANDLING_MINUTES = 10;
/** Picking, packing and loading between order confirmation and departure. */
export const PREPARATION_MINUTES = 180;

export interface EtaInput {
  /** When the clock starts (confirmation, or dispatch). */
  from: Date;
  /** The stops in order; null for a stop whose coordinates are unknown. */
  route: (LatLng | null)[];
  /** Vehicle kind once one is chosen. */
  kind?: VehicleKind | null;
  /** Minutes before departure (PREPARATION_MINUTES for a shipment not yet dispatched, 0 at dispatch). */
  preparationMinutes?: number;
}

/** Road distance of a route in km. */
export function routeKm(route: (LatLng | null)[]): number {
  let km = 0;
  for (let i = 1; i < route.length; i++) {
    const a = route[i - 1];
    const b = route[i];
    km += a && b ? distanceKm(a, b) * ROAD_FACTOR : UNKNOWN_LEG_KM;
  }
  return km;
}

/** Estimated arrival at the last stop, rounded up to the minute. */
export function estimateEta(input: EtaInput): Date {
  const speed = input.kind ? AVERAGE_SPEED_KPH[input.kind] : UNASSIGNED_SPEED_KPH;
  const stopsAfterStart = Math.max(0, input.route.length - 1);
  const minutes = (input.preparationMinutes ?? 0) + (routeKm(input.route) / speed) * 60 + stopsAfterStart * STOP_HANDLING_MINUTES;
  const ms = input.from.getTime() + minutes * 60_000;
  return new Date(Math.ceil(ms / 60_000) * 60_000);
}

// Upper bounds (kg) of complexity 1..9; heavier is 10. Roughly doubling: a 5 kg parcel vs a truckload.
const WEIGHT_BANDS_KG = [10, 25, 50, 100, 200, 400, 800, 1500, 3000];

/**
 * Delivery complexity 1–10 (workforce turns it into XP 10–100): from the weight, plus one per stop beyond a
 * plain pickup + dropoff. Unknown or invalid weight counts as light.
 */
export function shipmentComplexity(weightKg: number | null | undefined, stops = 2): number {
  const w = typeof weightKg === 'number' && Number.isFinite(weightKg) && weightKg > 0 ? weightKg : 0;
  const band = WEIGHT_BANDS_KG.findIndex((max) => w <= max);
  const byWeight = band === -1 ? 10 : band + 1;
  return Math.min(10, Math.max(1, byWeight + Math.max(0, stops - 2)));
}

/** A delivery is on time when it happens no later than the ETA (no ETA: on time). */
export function isOnTime(deliveredAt: Date, eta: Date | null | undefined): boolean {
  return !eta || deliveredAt.getTime() <= eta.getTime();
}

/** Statuses from which a shipment may be dispatched (and, not having left yet, cancelled). */
export const NOT_YET_DISPATCHED: readonly ShipmentStatus[] = ['PENDING', 'ASSIGNED'];
export const canDispatch = (s: ShipmentStatus) => NOT_YET_DISPATCHED.includes(s);
export const canCancel = (s: ShipmentStatus) => NOT_YET_DISPATCHED.includes(s);
export const canConfirmDelivery = (s: ShipmentStatus) => s === 'IN_TRANSIT';
/** A shipment on the road whose order is cancelled comes back (CANCELLED); a delivered one stays delivered. */
export const canRecall = (s: ShipmentStatus) => s === 'IN_TRANSIT';
/** Statuses in which a shipment occupies its vehicle (Vehicle.currentShipment), most committed first. */
export const ACTIVE_STATUSES: readonly ShipmentStatus[] = ['IN_TRANSIT', 'ASSIGNED'];
