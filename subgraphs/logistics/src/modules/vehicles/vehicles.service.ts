import { UserErrorCode as VehicleErrorCode, authorize, fail, forbidden, log, newId, objectRuleOf, ok, pageWindow, requireBoundWorker, toConnection, type ConnectionArgs, type Result, type Viewer } from '@omniroute/core';
import { newEventId } from '@omniroute/events';
import { liveEvents, toWire, type WireRow } from '../../lib/live.ts';
import { Prisma, type PrismaClient, type ColdChainAlert as ColdChainAlertRow, type Shipment, type Vehicle, type VehicleKind } from '../../generated/prisma/client.ts';
import { cleanString, type SubgraphDeps } from '@omniroute/core/kit';
import { SOURCE } from '../shipments/shipment-events.ts';
import { ACTIVE_STATUSES } from '../shipments/shipment-rules.ts';
import { isNewerReading, validatePosition } from './position-rules.ts';
import type { ColdChainService } from '../cold-chain/cold-chain.service.ts';
import { vehiclePolicies } from './vehicles.policies.ts';

type LogisticsDeps = SubgraphDeps<PrismaClient>;

export interface VehicleFilter {
  territoryId?: string | null;
  kind?: VehicleKind | null;
  coldChain?: boolean | null;
}

export interface ReportPositionInput {
  vehicleId: string;
  lat: number;
  lng: number;
  speedKph?: number | null;
  heading?: number | null;
  temperatureC?: number | null;
  recordedAt?: Date | null;
}

/** The payload of `vehicle.position` events (docs/events.md). */
export interface VehiclePositionEventPayload {
  vehicleId: string;
  territoryId: string;
  shipmentId: string | null;
  lat: number;
  lng: number;
  speedKph: number;
  heading: number | null;
  temperatureC: number | null;
  recordedAt: string;
  /** The vehicle and its shipment as of this report, so subscribers' events resolve without reading them again. */
  vehicle?: WireRow<Vehicle>;
  shipment?: WireRow<Shipment> | null;
}

/**
 * An instant for a DateTime column in raw SQL: sent as timestamptz and stored as UTC wall time, as Prisma stores
 * DateTime, whatever the time zone of this process or of the database session.
 */
const utc = (at: Date) => Prisma.sql`(${at}::timestamptz AT TIME ZONE 'UTC')`;

/** The shipment a vehicle is carrying (in transit), else the newest one assigned to it. */
const currentOf = (active: Shipment[]): Shipment | null => active.find((s) => s.status === 'IN_TRANSIT') ?? active[0] ?? null;

/** Vehicles: the fleet, and the positions and cold-chain readings they report. */
export class VehicleService {
  constructor(
    private readonly deps: LogisticsDeps,
    /** Cold-chain excursions of refrigerated vehicles' readings. */
    private readonly coldChain?: ColdChainService,
  ) {}

  async list(viewer: Viewer | null, args: ConnectionArgs, filter: VehicleFilter | null | undefined) {
    const v = authorize(vehiclePolicies['Query.vehicles'], viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.deps.prisma.vehicle.findMany({
      where: {
        tenantId: v.tenantId,
        ...(filter?.territoryId != null ? { territoryId: filter.territoryId } : {}),
        ...(filter?.kind != null ? { kind: filter.kind } : {}),
        ...(filter?.coldChain != null ? { coldChain: filter.coldChain } : {}),
        ...(afterId ? { id: { gt: afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  /** `vehicle(id)`: a vehicle of the caller's tenant, or null. */
  get(viewer: Viewer | null, id: string, byId: { load(id: string): Promise<Vehicle | null> }): Promise<Vehicle | null> {
    authorize(vehiclePolicies['Query.vehicle'], viewer);
    return byId.load(id);
  }

  /**
   * Stores a GPS report, moves the vehicle's last position (only forward in time: devices upload buffered
   * readings late), passes a refrigerated vehicle's temperature to the cold chain (excursions against its cargo's
   * range), then publishes `vehicle.position` straight on the
   * bus — not through the outbox: positions are frequent and the next one supersedes a lost one. A rider reports
   * only for the vehicle of a shipment assigned to them that has not been delivered (OWN_VEHICLE).
   */
  async reportPosition(viewer: Viewer | null, input: ReportPositionInput): Promise<Result<Vehicle>> {
    const policy = vehiclePolicies['Mutation.reportVehiclePosition'];
    const v = authorize(policy, viewer);
    const rider = objectRuleOf(policy, v) === 'OWN_VEHICLE' ? requireBoundWorker(v) : null;
    const { prisma } = this.deps;
    const now = this.deps.now();
    const vehicleId = cleanString(input.vehicleId);
    if (!vehicleId) return fail(VehicleErrorCode.INVALID_INPUT, 'vehicleId is required', ['input', 'vehicleId']);
    // in parallel: the shipment lookups are keyed by the vehicle id as given, and only used if the vehicle is the caller's
    const [vehicle, active, ridersShipment] = await Promise.all([
      prisma.vehicle.findFirst({ where: { id: vehicleId, tenantId: v.tenantId } }),
      this.activeShipments(v.tenantId, vehicleId),
      rider
        ? prisma.shipment.findFirst({ where: { tenantId: v.tenantId, vehicleId, riderId: rider, status: { in: [...ACTIVE_STATUSES] } }, select: { id: true } })
        : null,
    ]);
    if (!vehicle) return fail(VehicleErrorCode.VEHICLE_NOT_FOUND, 'No such vehicle', ['input', 'vehicleId']);
    const shipment = currentOf(active);
    if (rider && !ridersShipment) throw forbidden('Riders report positions only for the vehicle of a shipment assigned to them');

    const reading = {
      lat: input.lat,
      lng: input.lng,
      speedKph: input.speedKph ?? 0,
      heading: input.heading ?? null,
      temperatureC: input.temperatureC ?? null,
      recordedAt: input.recordedAt ?? now,
    };
    const errors = validatePosition(reading, { coldChain: vehicle.coldChain, now });
    if (errors.length > 0) return { ok: false, errors };

    const last = {
      lastLat: reading.lat,
      lastLng: reading.lng,
      lastSpeedKph: reading.speedKph,
      lastHeading: reading.heading,
      lastTemperatureC: reading.temperatureC,
      lastRecordedAt: reading.recordedAt,
    };
    const newer = isNewerReading(reading.recordedAt, vehicle.lastRecordedAt);
    // Position ids sort by recordedAt, so Vehicle.positions pages newest-first by id.
    const positionId = newId('pos', reading.recordedAt.getTime());
    // One statement, so one round trip and atomic on its own: every vehicle reports about once a second, and three
    // statements in a transaction (BEGIN … COMMIT: five round trips) were most of this mutation's time. The move is
    // conditional, so a late reading never overwrites a newer one even when two reports race.
    const [written] = await prisma.$queryRaw<{ moved: number }[]>`
      WITH position AS (
        INSERT INTO "VehiclePosition" ("id", "tenantId", "vehicleId", "lat", "lng", "speedKph", "heading", "temperatureC", "recordedAt", "createdAt")
        VALUES (${positionId}, ${v.tenantId}, ${vehicle.id}, ${reading.lat}::float8, ${reading.lng}::float8, ${reading.speedKph}::float8,
                ${reading.heading}::float8, ${reading.temperatureC}::float8, ${utc(reading.recordedAt)}, ${utc(now)})
      ), moved AS (
        UPDATE "Vehicle"
        SET "lastLat" = ${last.lastLat}::float8, "lastLng" = ${last.lastLng}::float8, "lastSpeedKph" = ${last.lastSpeedKph}::float8,
            "lastHeading" = ${last.lastHeading}::float8, "lastTemperatureC" = ${last.lastTemperatureC}::float8,
            "lastRecordedAt" = ${utc(last.lastRecordedAt)}, "updatedAt" = ${utc(now)}
        WHERE ${newer}::boolean AND "id" = ${vehicle.id} AND "tenantId" = ${v.tenantId}
          AND ("lastRecordedAt" IS NULL OR "lastRecordedAt" <= ${utc(reading.recordedAt)})
        RETURNING 1
      )
      SELECT (SELECT count(*) FROM moved)::int AS "moved"`;
    const isLatest = newer && written?.moved === 1;
    // refrigerated vehicles: the reading against the range of the chilled goods on board (opens, extends or ends an excursion)
    if (vehicle.coldChain && reading.temperatureC != null && this.coldChain) {
      await this.coldChain.recordReading(v.tenantId, vehicle, active, { temperatureC: reading.temperatureC, lat: reading.lat, lng: reading.lng, recordedAt: reading.recordedAt });
    }

    const updated: Vehicle = isLatest
      ? { ...vehicle, ...last, updatedAt: now }
      : newer // lost a race with a newer reading: show that one
        ? ((await prisma.vehicle.findFirst({ where: { id: vehicle.id, tenantId: v.tenantId } })) ?? vehicle)
        : vehicle;
    // Only a reading that became the last position goes live: a late one would move the marker backwards.
    if (isLatest) {
      this.publishPosition(v.tenantId, {
        vehicleId: vehicle.id,
        territoryId: vehicle.territoryId,
        shipmentId: shipment?.id ?? null,
        lat: reading.lat,
        lng: reading.lng,
        speedKph: reading.speedKph,
        heading: reading.heading,
        temperatureC: reading.temperatureC,
        recordedAt: reading.recordedAt.toISOString(),
        vehicle: toWire(updated),
        shipment: shipment ? toWire(shipment) : null,
      });
    }
    return ok(updated);
  }

  /**
   * `vehiclePositionUpdated`: the tenant's `vehicle.position` events, filtered at the source by vehicle / territory;
   * a rider's only while the vehicle carries a shipment assigned to them (the event carries that shipment's row).
   */
  positionUpdates(viewer: Viewer | null, filter: { vehicleId?: string | null; territoryId?: string | null }) {
    const policy = vehiclePolicies['Subscription.vehiclePositionUpdated'];
    const v = authorize(policy, viewer);
    const rider = objectRuleOf(policy, v) === 'OWN_VEHICLE' ? requireBoundWorker(v) : null;
    return liveEvents<VehiclePositionEventPayload>(this.deps.bus, 'vehicle.position', v.tenantId, (p) =>
      (!filter.vehicleId || p.vehicleId === filter.vehicleId) && (!filter.territoryId || p.territoryId === filter.territoryId) &&
      (!rider || p.shipment?.riderId === rider));
  }

  /** The shipments assigned to a vehicle or on it (newest first; a planned trip carries several). */
  private activeShipments(tenantId: string, vehicleId: string): Promise<Shipment[]> {
    return this.deps.prisma.shipment.findMany({
      where: { tenantId, vehicleId, status: { in: [...ACTIVE_STATUSES] } },
      orderBy: { id: 'desc' },
      take: 50,
    });
  }

  private publishPosition(tenantId: string, payload: VehiclePositionEventPayload): void {
    this.publishLive('vehicle.position', tenantId, payload.vehicleId, { ...payload });
  }

  /** `coldChainAlert`: the tenant's cold-chain breaches as they are recorded, optionally of one vehicle. */
  coldChainAlerts(viewer: Viewer | null, filter: { vehicleId?: string | null }) {
    const v = authorize(vehiclePolicies['Subscription.coldChainAlert'], viewer);
    return liveEvents<WireRow<ColdChainAlertRow>>(this.deps.bus, 'vehicle.cold_chain_alert', v.tenantId, (p) => !filter.vehicleId || p.vehicleId === filter.vehicleId);
  }

  private publishLive(type: string, tenantId: string, aggregateId: string, payload: Record<string, unknown>): void {
    const bus = this.deps.bus;
    if (!bus) return;
    const event = { id: newEventId(), type, tenantId, aggregateId, payload, occurredAt: this.deps.now().toISOString(), source: SOURCE };
    // Fire and forget: the row is stored; live updates are best effort (the next report replaces a lost position).
    bus.publish([event]).catch((error: unknown) => log.warn(`${type} publish failed`, { aggregateId, error: String(error) }));
  }
}
