// A depot's day as a routing problem and back: shipments and vehicles in, trips with ETAs out, and the baseline
// (one round trip per order, which is what dispatching shipments one by one costs). Pure; the service does I/O.
import type { LatLng } from '../../lib/geo.ts';
import { AVERAGE_SPEED_KPH, STOP_HANDLING_MINUTES, type VehicleKind } from '../shipments/shipment-rules.ts';
import { routeTimes, toModel, type UnassignedReason, type VrpProblem } from './vrp.rules.ts';

/** A shift starts at 08:00 UTC of the planned day and lasts 10 hours (tenants have no working hours of their own yet). */
export const SHIFT_START_HOUR_UTC = 8;
export const SHIFT_HOURS = 10;

export interface PlanShipment {
  id: string;
  /** Dropoff; null when the customer's coordinates are unknown (the shipment cannot be routed). */
  drop: LatLng | null;
  address: string | null;
  weightKg: number;
  /** Volume of the goods (m³) where known; null/0 when unknown (weight alone then limits it). */
  volumeM3?: number | null;
  /** The goods must travel refrigerated (a product with a temperature range). */
  cold: boolean;
  /** Delivery window (absolute), when the customer has one. */
  windowStart?: Date | null;
  windowEnd?: Date | null;
}

export interface PlanVehicle {
  id: string;
  kind: VehicleKind;
  capacityKg: number;
  /** Cargo space (m³); null when unknown (no volume limit). */
  capacityM3?: number | null;
  coldChain: boolean;
}

export interface PlannedStop {
  shipmentId: string;
  lat: number;
  lng: number;
  address: string | null;
  eta: string;
  loadKg: number;
  /** Volume dropped here (m³), where known (plans made before volumes: absent). */
  volumeM3?: number | null;
  /** The customer's delivery window on the planned day (ISO), when it has one. */
  windowStart?: string | null;
  windowEnd?: string | null;
}

export interface PlannedTrip {
  vehicleId: string;
  km: number;
  loadKg: number;
  departAt: Date;
  returnAt: Date;
  stops: PlannedStop[];
}

export type PlanUnassignedReason = UnassignedReason | 'UNKNOWN_ADDRESS';

export interface PlanOutcome {
  trips: PlannedTrip[];
  unassigned: { shipmentId: string; reason: PlanUnassignedReason }[];
  totalKm: number;
  baselineKm: number;
}

/** A customer's window (minutes after midnight UTC) as instants on the planned day; nulls when it has none. */
export function windowOn(shiftStart: Date, startMin: number | null | undefined, endMin: number | null | undefined): { windowStart: Date | null; windowEnd: Date | null } {
  if (startMin == null || endMin == null) return { windowStart: null, windowEnd: null };
  const midnight = shiftStart.getTime() - SHIFT_START_HOUR_UTC * 3600_000;
  return { windowStart: new Date(midnight + startMin * 60_000), windowEnd: new Date(midnight + endMin * 60_000) };
}

/** The first minute of the planned day's shift; null for a malformed or impossible YYYY-MM-DD. */
export function shiftStartOf(date: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const at = new Date(Date.UTC(y, mo - 1, d, SHIFT_START_HOUR_UTC));
  return at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d ? at : null;
}

/**
 * The routing problem of a day: node 0 the depot, then the routable shipments in the given order. Minutes count
 * from the shift start; each vehicle drives at its kind's average urban speed and spends the usual handling time
 * per stop. `distance` is the road km matrix over [depot, ...routable drops] (haversine or a provider's).
 */
export function buildProblem(shipments: PlanShipment[], vehicles: PlanVehicle[], shiftStart: Date, distance: Float64Array): VrpProblem {
  const minutesFromShift = (t: Date | null | undefined, dflt: number) => (t ? (t.getTime() - shiftStart.getTime()) / 60_000 : dflt);
  const size = shipments.length + 1;
  return {
    size,
    distance,
    demand: [0, ...shipments.map((s) => s.weightKg)],
    volume: [0, ...shipments.map((s) => s.volumeM3 ?? 0)],
    cold: [false, ...shipments.map((s) => s.cold)],
    serviceTime: [0, ...shipments.map(() => STOP_HANDLING_MINUTES)],
    windowStart: [0, ...shipments.map((s) => minutesFromShift(s.windowStart, -Infinity))],
    windowEnd: [0, ...shipments.map((s) => minutesFromShift(s.windowEnd, Infinity))],
    vehicles: vehicles.map((v) => ({
      capacity: v.capacityKg,
      capacityVolume: v.capacityM3 ?? Infinity,
      refrigerated: v.coldChain,
      shiftStart: 0,
      shiftEnd: SHIFT_HOURS * 60,
      speed: AVERAGE_SPEED_KPH[v.kind] / 60,
    })),
  };
}

/** Today's cost of the same deliveries: every order its own trip, depot → customer → depot. */
export function baselineKm(distance: Float64Array, size: number, nodes: number[]): number {
  return nodes.reduce((km, c) => km + distance[c]! + distance[c * size]!, 0);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** Turns solver routes into trips with ETAs and loads, and names why each left-out shipment is out. */
export function toOutcome(
  problem: VrpProblem,
  routable: PlanShipment[],
  vehicles: PlanVehicle[],
  shiftStart: Date,
  solution: { routes: number[][]; reasons: Map<number, UnassignedReason> },
  unroutable: PlanShipment[],
): PlanOutcome {
  const model = toModel(problem);
  const at = (minutes: number) => new Date(shiftStart.getTime() + Math.round(minutes) * 60_000);
  const trips: PlannedTrip[] = [];
  let totalKm = 0;
  const routed: number[] = [];
  solution.routes.forEach((seq, r) => {
    if (seq.length === 0) return;
    const times = routeTimes(model, r, seq);
    if (!times) throw new Error(`trip of ${vehicles[r]!.id} misses its windows`);
    let km = problem.distance[seq[0]!]!;
    for (let k = 1; k < seq.length; k++) km += problem.distance[seq[k - 1]! * problem.size + seq[k]!]!;
    km += problem.distance[seq[seq.length - 1]! * problem.size]!;
    totalKm += km;
    routed.push(...seq);
    let load = 0;
    const stops = seq.map((c, k) => {
      const s = routable[c - 1]!;
      load += s.weightKg;
      return {
        shipmentId: s.id, lat: s.drop!.lat, lng: s.drop!.lng, address: s.address, eta: at(times.starts[k]!).toISOString(), loadKg: round2(s.weightKg),
        volumeM3: s.volumeM3 == null ? null : Math.round(s.volumeM3 * 1000) / 1000,
        windowStart: s.windowStart?.toISOString() ?? null, windowEnd: s.windowEnd?.toISOString() ?? null,
      };
    });
    trips.push({ vehicleId: vehicles[r]!.id, km: round2(km), loadKg: round2(load), departAt: at(0), returnAt: at(times.back), stops });
  });
  const unassigned = [
    ...[...solution.reasons].map(([c, reason]) => ({ shipmentId: routable[c - 1]!.id, reason: reason as PlanUnassignedReason })),
    ...unroutable.map((s) => ({ shipmentId: s.id, reason: 'UNKNOWN_ADDRESS' as const })),
  ];
  return { trips, unassigned, totalKm: round2(totalKm), baselineKm: round2(baselineKm(problem.distance, problem.size, routed)) };
}
