import { UserErrorCode as RoutingErrorCode, authorize, badUserInput, fail, newId, ok, pageWindow, toConnection, type ConnectionArgs, type Result, type Viewer } from '@omniroute/core';
import { enqueue, type NewEvent } from '@omniroute/events';
import { Prisma, type PrismaClient, type RoutePlan, type RouteTrip, type Shipment } from '../../generated/prisma/client.ts';
import { cleanString, TX_OPTIONS, type SubgraphDeps } from '@omniroute/core/kit';
import { SOURCE } from '../shipments/shipment-events.ts';
import type { DistanceProvider } from '../../lib/distance-matrix.ts';
import { pointOf } from '../../lib/geo.ts';
import { canDispatch, shipmentComplexity } from '../shipments/shipment-rules.ts';
import type { ShipmentUpdatedPayload } from '../shipments/shipments.service.ts';
import { buildProblem, shiftStartOf, toOutcome, windowOn, type PlannedStop, type PlanShipment, type PlanUnassignedReason, type PlanVehicle } from './route-plan.rules.ts';
import type { SolveOptions, SolveResult } from './vrp-solver.rules.ts';
import type { VrpProblem } from './vrp.rules.ts';
import { routingPolicies } from './routing.policies.ts';

type LogisticsDeps = SubgraphDeps<PrismaClient>;

export interface PlanRoutesInput {
  locationId: string;
  date: string;
  vehicleIds: string[];
  timeLimitMs?: number | null;
  seed?: number | null;
}

export interface DispatchRoutePlanInput {
  planId: string;
  riders?: { vehicleId: string; riderId: string }[] | null;
}

/** A plan with its trips, as planRoutes and routePlan return it. */
export type RoutePlanView = RoutePlan & { trips: RouteTrip[] };

export interface UnassignedView {
  shipmentId: string;
  reason: PlanUnassignedReason;
}

export type Solver = (problem: VrpProblem, options: SolveOptions) => Promise<SolveResult>;

export interface RoutingDeps extends LogisticsDeps {
  distances: DistanceProvider;
  solver: Solver;
}

export const DEFAULT_TIME_LIMIT_MS = 2000;
export const MAX_TIME_LIMIT_MS = 10_000;
export const MAX_VEHICLES = 50;
/** Shipments of a location that a plan takes: created for confirmed orders and not yet on the road. */
const PLANNABLE = ['PENDING', 'ASSIGNED'] as const;

/** Route plans: a depot's open shipments solved into multi-drop trips (planRoutes), and sent on the road (dispatchRoutePlan). */
export class RoutePlanService {
  constructor(private readonly deps: RoutingDeps) {}

  async get(viewer: Viewer | null, id: string): Promise<RoutePlanView | null> {
    const v = authorize(routingPolicies['Query.routePlan'], viewer);
    return this.deps.prisma.routePlan.findFirst({ where: { id, tenantId: v.tenantId }, include: { trips: { orderBy: { sequence: 'asc' } } } });
  }

  /** `routePlans`: the tenant's plans, newest first (ids sort by creation time), with their trips. */
  async list(viewer: Viewer | null, args: ConnectionArgs & { locationId?: string | null; date?: string | null; status?: 'PLANNED' | 'DISPATCHED' | null }) {
    const v = authorize(routingPolicies['Query.routePlans'], viewer);
    const { first, afterId } = pageWindow(args);
    if (args.locationId != null && !cleanString(args.locationId)) throw badUserInput('locationId must be 1–200 characters', ['locationId']);
    if (args.date != null && !shiftStartOf(args.date)) throw badUserInput('date must be a day as YYYY-MM-DD', ['date']);
    const rows = await this.deps.prisma.routePlan.findMany({
      where: {
        tenantId: v.tenantId,
        ...(args.locationId != null ? { locationId: args.locationId } : {}),
        ...(args.date != null ? { date: args.date } : {}),
        ...(args.status != null ? { status: args.status } : {}),
        ...(afterId ? { id: { lt: afterId } } : {}),
      },
      include: { trips: { orderBy: { sequence: 'asc' } } },
      orderBy: { id: 'desc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  /** Solves the location's PENDING/ASSIGNED shipments over the given vehicles for one day and stores the plan. */
  async plan(viewer: Viewer | null, input: PlanRoutesInput): Promise<Result<RoutePlanView>> {
    const v = authorize(routingPolicies['Mutation.planRoutes'], viewer);
    const { prisma } = this.deps;
    const locationId = cleanString(input.locationId);
    if (!locationId) return fail(RoutingErrorCode.INVALID_INPUT, 'locationId is required', ['input', 'locationId']);
    const date = typeof input.date === 'string' ? input.date.trim() : '';
    const shiftStart = shiftStartOf(date);
    if (!shiftStart) return fail(RoutingErrorCode.INVALID_INPUT, 'date must be a day as YYYY-MM-DD', ['input', 'date']);
    const vehicleIds = (input.vehicleIds ?? []).map((id) => cleanString(id));
    if (vehicleIds.length === 0 || vehicleIds.length > MAX_VEHICLES) {
      return fail(RoutingErrorCode.INVALID_INPUT, `vehicleIds must name 1–${MAX_VEHICLES} vehicles`, ['input', 'vehicleIds']);
    }
    const badId = vehicleIds.findIndex((id, i) => !id || vehicleIds.indexOf(id) !== i);
    if (badId >= 0) return fail(RoutingErrorCode.INVALID_INPUT, 'vehicleIds must be distinct, non-empty ids', ['input', 'vehicleIds', String(badId)]);
    const timeLimitMs = input.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
    if (!Number.isInteger(timeLimitMs) || timeLimitMs < 100 || timeLimitMs > MAX_TIME_LIMIT_MS) {
      return fail(RoutingErrorCode.INVALID_INPUT, `timeLimitMs must be an integer from 100 to ${MAX_TIME_LIMIT_MS}`, ['input', 'timeLimitMs']);
    }
    const seed = input.seed ?? 1;
    if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31 - 1) return fail(RoutingErrorCode.INVALID_INPUT, 'seed must be a non-negative 32-bit integer', ['input', 'seed']);

    // Logistics knows a location only through the pickups it has seen there (as createForConfirmedOrder does).
    const pickup = await prisma.shipmentStop.findFirst({
      where: { tenantId: v.tenantId, locationId, kind: 'PICKUP', lat: { not: null }, lng: { not: null } },
      orderBy: { id: 'desc' },
      select: { lat: true, lng: true, address: true },
    });
    const depot = pointOf(pickup?.lat, pickup?.lng);
    if (!depot) return fail(RoutingErrorCode.LOCATION_UNKNOWN, 'No known coordinates for this location (no pickup there yet)', ['input', 'locationId']);

    const vehicleRows = await prisma.vehicle.findMany({ where: { tenantId: v.tenantId, id: { in: vehicleIds as string[] } } });
    const byId = new Map(vehicleRows.map((r) => [r.id, r]));
    const missing = vehicleIds.findIndex((id) => !byId.has(id!));
    if (missing >= 0) return fail(RoutingErrorCode.VEHICLE_NOT_FOUND, `No such vehicle: ${vehicleIds[missing]}`, ['input', 'vehicleIds', String(missing)]);
    const vehicles: PlanVehicle[] = vehicleIds.map((id) => {
      const r = byId.get(id!)!;
      return { id: r.id, kind: r.kind, capacityKg: r.capacityKg, capacityM3: r.capacityM3, coldChain: r.coldChain };
    });

    const rows = await prisma.shipment.findMany({
      where: { tenantId: v.tenantId, locationId, status: { in: [...PLANNABLE] } },
      include: { stops: { where: { kind: 'DROPOFF' }, orderBy: { sequence: 'desc' }, take: 1 } },
      orderBy: { id: 'asc' },
    });
    if (rows.length === 0) return fail(RoutingErrorCode.NOTHING_TO_PLAN, 'The location has no shipments waiting for a vehicle', ['input', 'locationId']);
    // the customers' delivery windows (logistics' customer sites), on the planned day
    const customerIds = [...new Set(rows.map((s) => s.customerId).filter((x): x is string => !!x))];
    const sites = customerIds.length
      ? await prisma.customerSite.findMany({ where: { tenantId: v.tenantId, customerId: { in: customerIds } }, select: { customerId: true, windowStartMin: true, windowEndMin: true } })
      : [];
    const siteOf = new Map(sites.map((x) => [x.customerId, x]));
    const all: PlanShipment[] = rows.map((s) => {
      const drop = s.stops[0];
      const site = s.customerId ? siteOf.get(s.customerId) : undefined;
      return {
        id: s.id, drop: pointOf(drop?.lat, drop?.lng), address: drop?.address ?? null, weightKg: Math.max(0, s.weightKg), volumeM3: s.volumeM3 == null ? null : Math.max(0, s.volumeM3),
        cold: s.tempMaxC != null, ...windowOn(shiftStart, site?.windowStartMin, site?.windowEndMin),
      };
    });
    const routable = all.filter((s) => s.drop);
    const unroutable = all.filter((s) => !s.drop);

    const { km, source } = await this.deps.distances([depot, ...routable.map((s) => s.drop!)]);
    const problem = buildProblem(routable, vehicles, shiftStart, km);
    const solution = await this.deps.solver(problem, { seed, timeLimitMs });
    const outcome = toOutcome(problem, routable, vehicles, shiftStart, solution, unroutable);

    const now = this.deps.now();
    const planId = newId('rpl', now.getTime());
    const plan = await prisma.$transaction(async (tx) => {
      const created = await tx.routePlan.create({
        data: {
          id: planId,
          tenantId: v.tenantId,
          locationId,
          depotLat: depot.lat,
          depotLng: depot.lng,
          depotAddress: pickup?.address ?? null,
          date,
          status: 'PLANNED',
          totalKm: outcome.totalKm,
          baselineKm: outcome.baselineKm,
          distanceSource: source,
          timeLimitMs,
          seed,
          unassigned: outcome.unassigned as unknown as Prisma.InputJsonValue,
          createdAt: now,
        },
      });
      const trips = outcome.trips.map((t, i) => ({
        id: newId('rtr'),
        tenantId: v.tenantId,
        planId,
        sequence: i + 1,
        vehicleId: t.vehicleId,
        km: t.km,
        loadKg: t.loadKg,
        departAt: t.departAt,
        returnAt: t.returnAt,
        stops: t.stops as unknown as Prisma.InputJsonValue,
      }));
      if (trips.length) await tx.routeTrip.createMany({ data: trips });
      return { ...created, trips: await tx.routeTrip.findMany({ where: { planId, tenantId: v.tenantId }, orderBy: { sequence: 'asc' } }) };
    }, TX_OPTIONS);
    return ok(plan);
  }

  /**
   * A PLANNED plan → every trip on the road: each shipment IN_TRANSIT on its trip's vehicle and rider, its stops the
   * trip's pickup and the drops up to its own, its ETA the planned arrival shifted by how late the trip leaves.
   * All or nothing: a busy vehicle, a shipment that moved on, or a missing rider refuses the whole plan.
   */
  async dispatch(viewer: Viewer | null, input: DispatchRoutePlanInput): Promise<Result<{ plan: RoutePlanView; shipments: Shipment[] }>> {
    const v = authorize(routingPolicies['Mutation.dispatchRoutePlan'], viewer);
    const planId = cleanString(input.planId);
    if (!planId) return fail(RoutingErrorCode.INVALID_INPUT, 'planId is required', ['input', 'planId']);
    const riders = new Map<string, string>();
    for (const [i, r] of (input.riders ?? []).entries()) {
      const vehicleId = cleanString(r.vehicleId);
      const riderId = cleanString(r.riderId);
      if (!vehicleId || !riderId || riders.has(vehicleId)) {
        return fail(RoutingErrorCode.INVALID_INPUT, 'each rider needs a vehicleId (once) and a riderId of 1–200 characters', ['input', 'riders', String(i)]);
      }
      riders.set(vehicleId, riderId);
    }
    const now = this.deps.now();

    const result = await this.deps.prisma.$transaction(async (tx): Promise<Result<{ plan: RoutePlanView; shipments: Shipment[] }>> => {
      const plan = await tx.routePlan.findFirst({ where: { id: planId, tenantId: v.tenantId }, include: { trips: { orderBy: { sequence: 'asc' } } } });
      if (!plan) return fail(RoutingErrorCode.PLAN_NOT_FOUND, 'No such route plan', ['input', 'planId']);
      if (plan.status !== 'PLANNED') return fail(RoutingErrorCode.PLAN_ALREADY_DISPATCHED, 'The plan has been dispatched already', ['input', 'planId']);
      const tripVehicles = new Set(plan.trips.map((t) => t.vehicleId));
      for (const [i, vehicleId] of [...riders.keys()].entries()) {
        if (!tripVehicles.has(vehicleId)) return fail(RoutingErrorCode.INVALID_INPUT, `Vehicle ${vehicleId} has no trip in this plan`, ['input', 'riders', String(i)]);
      }
      if (plan.trips.length === 0) return fail(RoutingErrorCode.NOTHING_TO_PLAN, 'The plan has no trips', ['input', 'planId']);

      const stopsOf = (t: RouteTrip) => t.stops as unknown as PlannedStop[];
      const shipmentIds = plan.trips.flatMap((t) => stopsOf(t).map((s) => s.shipmentId));
      const shipments = await tx.shipment.findMany({ where: { tenantId: v.tenantId, id: { in: shipmentIds } } });
      const shipmentById = new Map(shipments.map((s) => [s.id, s]));
      for (const id of shipmentIds) {
        const s = shipmentById.get(id);
        if (!s || !canDispatch(s.status)) return fail(RoutingErrorCode.PLAN_STALE, `Shipment ${id} is no longer waiting for a vehicle; plan again`, ['input', 'planId']);
      }

      const vehicleIds = [...tripVehicles];
      // Row locks on the vehicles: a concurrent dispatch of one of them serialises here (as dispatchShipment does).
      const vehicles = await tx.$queryRaw<{ id: string; coldChain: boolean }[]>(Prisma.sql`
        SELECT "id", "coldChain" FROM "Vehicle" WHERE "tenantId" = ${v.tenantId} AND "id" IN (${Prisma.join(vehicleIds)}) ORDER BY "id" FOR UPDATE`);
      const vehicleById = new Map(vehicles.map((x) => [x.id, x]));
      for (const t of plan.trips) {
        const vehicle = vehicleById.get(t.vehicleId);
        if (!vehicle) return fail(RoutingErrorCode.VEHICLE_NOT_FOUND, `Vehicle ${t.vehicleId} no longer exists`, ['input', 'planId']);
        const busy = await tx.shipment.findFirst({ where: { tenantId: v.tenantId, vehicleId: t.vehicleId, status: 'IN_TRANSIT' }, select: { id: true } });
        if (busy) return fail(RoutingErrorCode.VEHICLE_BUSY, `Vehicle ${t.vehicleId} is carrying shipment ${busy.id}`, ['input', 'planId']);
        const warm = stopsOf(t).find((s) => shipmentById.get(s.shipmentId)!.tempMaxC != null && !vehicle.coldChain);
        if (warm) return fail(RoutingErrorCode.COLD_CHAIN_REQUIRED, `Shipment ${warm.shipmentId} needs a refrigerated vehicle`, ['input', 'planId']);
        if (!riders.has(t.vehicleId)) {
          // the rider who last drove the vehicle, when the caller names none
          const last = await tx.shipment.findFirst({ where: { tenantId: v.tenantId, vehicleId: t.vehicleId, riderId: { not: null } }, orderBy: { updatedAt: 'desc' }, select: { riderId: true } });
          if (!last?.riderId) return fail(RoutingErrorCode.RIDER_REQUIRED, `Name a rider for vehicle ${t.vehicleId}`, ['input', 'riders']);
          riders.set(t.vehicleId, last.riderId);
        }
      }

      const { count } = await tx.routePlan.updateMany({ where: { id: plan.id, tenantId: v.tenantId, status: 'PLANNED' }, data: { status: 'DISPATCHED', dispatchedAt: now } });
      if (count !== 1) return fail(RoutingErrorCode.PLAN_ALREADY_DISPATCHED, 'The plan has been dispatched already', ['input', 'planId']);
      const updated: Shipment[] = [];
      const events: NewEvent[] = [];
      for (const t of plan.trips) {
        const riderId = riders.get(t.vehicleId)!;
        // a trip that leaves after its planned departure arrives that much later everywhere
        const lateMs = Math.max(0, now.getTime() - t.departAt.getTime());
        const stops = stopsOf(t);
        for (let k = 0; k < stops.length; k++) {
          const s = shipmentById.get(stops[k]!.shipmentId)!;
          const route = stops.slice(0, k + 1);
          const data = {
            status: 'IN_TRANSIT' as const,
            vehicleId: t.vehicleId,
            riderId,
            routeTripId: t.id,
            eta: new Date(new Date(stops[k]!.eta).getTime() + lateMs),
            dispatchedAt: now,
            complexity: shipmentComplexity(s.weightKg, route.length + 1),
          };
          const done = await tx.shipment.updateMany({ where: { id: s.id, tenantId: v.tenantId, status: s.status }, data });
          if (done.count !== 1) throw new StaleShipment(s.id);
          await tx.shipmentStop.deleteMany({ where: { shipmentId: s.id, tenantId: v.tenantId } });
          await tx.shipmentStop.createMany({
            data: [
              { id: newId('stp'), tenantId: v.tenantId, shipmentId: s.id, sequence: 1, kind: 'PICKUP', locationId: plan.locationId, lat: plan.depotLat, lng: plan.depotLng, address: plan.depotAddress, arrivedAt: now },
              ...route.map((r, i) => ({ id: newId('stp'), tenantId: v.tenantId, shipmentId: s.id, sequence: i + 2, kind: 'DROPOFF' as const, locationId: null, lat: r.lat, lng: r.lng, address: r.address, arrivedAt: null })),
            ],
          });
          const after = { ...s, ...data, updatedAt: now };
          updated.push(after);
          const payload: ShipmentUpdatedPayload = { shipmentId: s.id, orderId: s.orderId, previousStatus: s.status, status: 'IN_TRANSIT', at: now.toISOString() };
          events.push(
            { type: 'shipment.dispatched', tenantId: v.tenantId, aggregateId: s.id, payload: { shipmentId: s.id, orderId: s.orderId, vehicleId: t.vehicleId, riderId, routePlanId: plan.id, at: now.toISOString() } },
            { type: 'shipment.updated', tenantId: v.tenantId, aggregateId: s.id, payload },
          );
        }
      }
      await enqueue(tx, SOURCE, events);
      return ok({ plan: { ...plan, status: 'DISPATCHED' as const, dispatchedAt: now }, shipments: updated });
    }, TX_OPTIONS).catch((e: unknown) => {
      if (e instanceof StaleShipment) return fail(RoutingErrorCode.PLAN_STALE, `Shipment ${e.shipmentId} changed meanwhile; plan again`, ['input', 'planId']);
      throw e;
    });
    if (result.ok) this.deps.outboxWritten();
    return result;
  }
}

/** Thrown inside the dispatch transaction to roll back everything already written when a shipment moved on concurrently. */
class StaleShipment extends Error {
  constructor(readonly shipmentId: string) {
    super(`shipment ${shipmentId} changed`);
  }
}

/** Reads a plan's unassigned list back from its JSON column. */
export function unassignedOf(plan: RoutePlan): UnassignedView[] {
  return Array.isArray(plan.unassigned) ? (plan.unassigned as unknown as UnassignedView[]) : [];
}

