import { UserErrorCode, authorize, fail, forbidden, log, objectRuleOf, ok, pageWindow, requireBoundWorker, toConnection, type ConnectionArgs, type Result } from '@omniroute/core';
import { enqueue, passOrderGate, type DomainEvent, type NewEvent, type WrittenOutboxRow } from '@omniroute/events';
import type { LogisticsDeps, RequestScope, Tx } from '../../context.ts';
import { Prisma, type Shipment, type ShipmentStatus } from '../../generated/prisma/client.ts';
import { cleanString, TX_OPTIONS } from '@omniroute/core/kit';
import { SOURCE } from '../shipments/shipment-events.ts';
import { pointOf } from '../../lib/geo.ts';
import { liveEvents } from '../../lib/live.ts';
import { parseOrderCancelled } from './shipment-events.ts';
import { applyConfirmedOrder } from './confirmed-order.sql.ts';
import type { SqlRunner } from '@omniroute/db';
import { canCancel, canConfirmDelivery, canDispatch, canRecall, estimateEta, isOnTime, type VehicleKind } from './shipment-rules.ts';
import { shipmentPolicies } from './shipments.policies.ts';

export interface DispatchInput {
  shipmentId: string;
  vehicleId: string;
  riderId: string;
}

export interface ConfirmDeliveryInput {
  shipmentId: string;
  recipientName: string;
  signatureRef?: string | null;
  photoRef?: string | null;
  lat: number;
  lng: number;
}

/** The payload of `shipment.updated` events (docs/events.md). */
export interface ShipmentUpdatedPayload {
  shipmentId: string;
  orderId: string;
  previousStatus: ShipmentStatus | null;
  status: ShipmentStatus;
  at: string;
}

const inRange = (v: number, min: number, max: number) => Number.isFinite(v) && v >= min && v <= max;

/** Shipments: created from confirmed orders, dispatched with a vehicle and rider, delivered with proof. */
export class ShipmentService {
  constructor(private readonly deps: LogisticsDeps) {}

  async list({ viewer }: RequestScope, args: ConnectionArgs, filter: { status?: ShipmentStatus | null } | null | undefined) {
    const policy = shipmentPolicies['Query.shipments'];
    const v = authorize(policy, viewer);
    // a rider's list is the shipments assigned to them
    const rider = objectRuleOf(policy, v) === 'OWN_SHIPMENT' ? requireBoundWorker(v) : null;
    const { first, afterId } = pageWindow(args);
    const rows = await this.deps.prisma.shipment.findMany({
      where: {
        tenantId: v.tenantId,
        ...(rider ? { riderId: rider } : {}),
        ...(filter?.status ? { status: filter.status } : {}),
        ...(afterId ? { id: { gt: afterId } } : {}),
      },
      orderBy: { id: 'asc' },
      take: first + 1,
    });
    return toConnection(rows, first, afterId);
  }

  /** `shipment(id)`: a shipment of the caller's tenant, or null (riders: any shipment not assigned to them is null). */
  async get({ viewer, loaders }: RequestScope, id: string): Promise<Shipment | null> {
    const policy = shipmentPolicies['Query.shipment'];
    const v = authorize(policy, viewer);
    const shipment = await loaders.shipmentById.load(id);
    if (shipment && objectRuleOf(policy, v) === 'OWN_SHIPMENT' && shipment.riderId !== requireBoundWorker(v)) return null;
    return shipment;
  }

  /** `shipmentUpdated`: the tenant's `shipment.updated` events (from the outbox relay), optionally of one shipment. */
  updates({ viewer }: RequestScope, filter: { shipmentId?: string | null }) {
    const v = authorize(shipmentPolicies['Subscription.shipmentUpdated'], viewer);
    return liveEvents<ShipmentUpdatedPayload>(this.deps.bus, 'shipment.updated', v.tenantId, (p) => !filter.shipmentId || p.shipmentId === filter.shipmentId);
  }

  /** PENDING/ASSIGNED → IN_TRANSIT with a vehicle that is not carrying another shipment; new ETA from the vehicle's speed. */
  async dispatch({ viewer }: RequestScope, input: DispatchInput): Promise<Result<Shipment>> {
    const v = authorize(shipmentPolicies['Mutation.dispatchShipment'], viewer);
    const shipmentId = cleanString(input.shipmentId);
    const vehicleId = cleanString(input.vehicleId);
    const riderId = cleanString(input.riderId);
    if (!shipmentId) return fail(UserErrorCode.INVALID_INPUT, 'shipmentId is required', ['input', 'shipmentId']);
    if (!vehicleId) return fail(UserErrorCode.INVALID_INPUT, 'vehicleId is required', ['input', 'vehicleId']);
    if (!riderId) return fail(UserErrorCode.INVALID_INPUT, 'riderId must be 1–200 characters', ['input', 'riderId']);
    const now = this.deps.now();

    const result = await this.deps.prisma.$transaction(async (tx): Promise<Result<Shipment>> => {
      const shipment = await tx.shipment.findFirst({ where: { id: shipmentId, tenantId: v.tenantId } });
      if (!shipment) return fail(UserErrorCode.SHIPMENT_NOT_FOUND, 'No such shipment', ['input', 'shipmentId']);
      // The order's gate (row lock) first: a dispatch and the order's cancellation run one after the other, so
      // either the cancellation is known here (refused) or it comes after the dispatch and recalls the shipment.
      if ((await passOrderGate(tx, v.tenantId, shipment.orderId)).cancelled) {
        return fail(UserErrorCode.ORDER_CANCELLED, 'The order was cancelled; its shipment cannot leave', ['input', 'shipmentId']);
      }
      if (!canDispatch(shipment.status)) {
        return fail(UserErrorCode.INVALID_STATUS, `A ${shipment.status} shipment cannot be dispatched`, ['input', 'shipmentId']);
      }
      // Row lock on the vehicle: two dispatches of one vehicle serialise here, so only one sees it free.
      const [vehicle] = await tx.$queryRaw<{ id: string; kind: VehicleKind; coldChain: boolean; lastLat: number | null; lastLng: number | null }[]>(Prisma.sql`
        SELECT "id", "kind"::text AS "kind", "coldChain", "lastLat", "lastLng" FROM "Vehicle"
        WHERE "id" = ${vehicleId} AND "tenantId" = ${v.tenantId} FOR UPDATE`);
      if (!vehicle) return fail(UserErrorCode.VEHICLE_NOT_FOUND, 'No such vehicle', ['input', 'vehicleId']);
      if (shipment.tempMaxC != null && !vehicle.coldChain) {
        return fail(UserErrorCode.COLD_CHAIN_REQUIRED, 'The goods must travel refrigerated; this vehicle is not', ['input', 'vehicleId']);
      }
      const busy = await tx.shipment.findFirst({
        where: { tenantId: v.tenantId, vehicleId: vehicle.id, status: 'IN_TRANSIT', id: { not: shipment.id } },
        select: { id: true },
      });
      if (busy) return fail(UserErrorCode.VEHICLE_BUSY, 'The vehicle is carrying another shipment', ['input', 'vehicleId']);

      const stops = await tx.shipmentStop.findMany({ where: { shipmentId: shipment.id, tenantId: v.tenantId }, orderBy: { sequence: 'asc' } });
      // Dispatch means loaded at the pickup: the route starts there (or wherever the vehicle last was).
      const pickup = stops.find((s) => s.kind === 'PICKUP');
      const start = pointOf(pickup?.lat, pickup?.lng) ?? pointOf(vehicle.lastLat, vehicle.lastLng);
      const dropoffs = stops.filter((s) => s.kind === 'DROPOFF').map((s) => pointOf(s.lat, s.lng));
      const eta = estimateEta({ from: now, route: [start, ...dropoffs], kind: vehicle.kind });
      const data = { status: 'IN_TRANSIT' as const, vehicleId: vehicle.id, riderId, eta, dispatchedAt: now };
      const { count } = await tx.shipment.updateMany({ where: { id: shipment.id, tenantId: v.tenantId, status: shipment.status }, data });
      if (count !== 1) return fail(UserErrorCode.INVALID_STATUS, 'The shipment changed meanwhile; try again', ['input', 'shipmentId']);
      await tx.shipmentStop.updateMany({ where: { shipmentId: shipment.id, tenantId: v.tenantId, kind: 'PICKUP', arrivedAt: null }, data: { arrivedAt: now } });
      await this.emit(tx, [
        {
          type: 'shipment.dispatched',
          tenantId: v.tenantId,
          aggregateId: shipment.id,
          payload: { shipmentId: shipment.id, orderId: shipment.orderId, vehicleId: vehicle.id, riderId, at: now.toISOString() },
        },
        statusChanged(v.tenantId, shipment, 'IN_TRANSIT', now),
      ]);
      return ok({ ...shipment, ...data, updatedAt: now });
    }, TX_OPTIONS);
    if (result.ok) this.deps.outboxWritten();
    return result;
  }

  /**
   * IN_TRANSIT → DELIVERED with proof of delivery (recipient, signature or photo, where). A rider confirms only a
   * shipment assigned to them (OWN_SHIPMENT): delivering issues the invoice, consumes stock and pays the rider.
   */
  async confirmDelivery({ viewer }: RequestScope, input: ConfirmDeliveryInput): Promise<Result<Shipment>> {
    const policy = shipmentPolicies['Mutation.confirmDelivery'];
    const v = authorize(policy, viewer);
    const rider = objectRuleOf(policy, v) === 'OWN_SHIPMENT' ? requireBoundWorker(v) : null;
    const shipmentId = cleanString(input.shipmentId);
    const recipientName = cleanString(input.recipientName);
    const signatureRef = input.signatureRef == null || input.signatureRef.trim() === '' ? null : cleanString(input.signatureRef);
    const photoRef = input.photoRef == null || input.photoRef.trim() === '' ? null : cleanString(input.photoRef);
    if (!shipmentId) return fail(UserErrorCode.INVALID_INPUT, 'shipmentId is required', ['input', 'shipmentId']);
    if (!recipientName) return fail(UserErrorCode.INVALID_INPUT, 'recipientName must be 1–200 characters', ['input', 'recipientName']);
    if (input.signatureRef != null && input.signatureRef.trim() !== '' && !signatureRef) {
      return fail(UserErrorCode.INVALID_INPUT, 'signatureRef must be at most 200 characters', ['input', 'signatureRef']);
    }
    if (input.photoRef != null && input.photoRef.trim() !== '' && !photoRef) {
      return fail(UserErrorCode.INVALID_INPUT, 'photoRef must be at most 200 characters', ['input', 'photoRef']);
    }
    if (!signatureRef && !photoRef) return fail(UserErrorCode.PROOF_REQUIRED, 'A signatureRef or a photoRef is required', ['input']);
    if (!inRange(input.lat, -90, 90)) return fail(UserErrorCode.INVALID_INPUT, 'lat must be between -90 and 90', ['input', 'lat']);
    if (!inRange(input.lng, -180, 180)) return fail(UserErrorCode.INVALID_INPUT, 'lng must be between -180 and 180', ['input', 'lng']);
    const now = this.deps.now();

    const result = await this.deps.prisma.$transaction(async (tx): Promise<Result<Shipment>> => {
      const shipment = await tx.shipment.findFirst({ where: { id: shipmentId, tenantId: v.tenantId } });
      if (!shipment) return fail(UserErrorCode.SHIPMENT_NOT_FOUND, 'No such shipment', ['input', 'shipmentId']);
      // thrown inside the transaction: it rolls back (nothing was written yet) and the error reaches the caller
      if (rider && shipment.riderId !== rider) throw forbidden('Riders confirm only shipments assigned to them');
      // serialised with the order's cancellation (which recalls a shipment on the road), like dispatch
      if ((await passOrderGate(tx, v.tenantId, shipment.orderId)).cancelled) {
        return fail(UserErrorCode.ORDER_CANCELLED, 'The order was cancelled; the shipment goes back to its location', ['input', 'shipmentId']);
      }
      if (!canConfirmDelivery(shipment.status)) {
        return fail(UserErrorCode.INVALID_STATUS, `A ${shipment.status} shipment cannot be delivered`, ['input', 'shipmentId']);
      }
      // Commerce decides between a dispatch and a cancellation (its order row lock): only once it has recorded the
      // order DISPATCHED (order.dispatched) can no cancellation cross this delivery. Until then, the rider retries;
      // if the cancellation won instead, its order.cancelled recalls the shipment and the next try is ORDER_CANCELLED.
      if (!shipment.orderDispatchedAt) {
        return fail(UserErrorCode.DISPATCH_NOT_ACKNOWLEDGED, 'Commerce has not confirmed the dispatch of this order yet; try again in a moment', ['input', 'shipmentId']);
      }
      const data = {
        status: 'DELIVERED' as const,
        deliveredAt: now,
        podRecipientName: recipientName,
        podSignatureRef: signatureRef,
        podPhotoRef: photoRef,
        podLat: input.lat,
        podLng: input.lng,
      };
      // the rider condition again: a re-dispatch to another rider between the read and this write must not slip through
      const { count } = await tx.shipment.updateMany({ where: { id: shipment.id, tenantId: v.tenantId, status: 'IN_TRANSIT', ...(rider ? { riderId: rider } : {}) }, data });
      if (count !== 1) return fail(UserErrorCode.INVALID_STATUS, 'The shipment changed meanwhile', ['input', 'shipmentId']);
      // The customer's own drop is the last one; earlier drops of a planned trip belong to other orders' deliveries.
      const own = await tx.shipmentStop.findFirst({ where: { shipmentId: shipment.id, tenantId: v.tenantId, kind: 'DROPOFF' }, orderBy: { sequence: 'desc' }, select: { id: true } });
      if (own) await tx.shipmentStop.updateMany({ where: { id: own.id, tenantId: v.tenantId, arrivedAt: null }, data: { arrivedAt: now } });
      await this.emit(tx, [
        {
          type: 'shipment.delivered',
          tenantId: v.tenantId,
          aggregateId: shipment.id,
          payload: {
            shipmentId: shipment.id,
            orderId: shipment.orderId,
            riderId: shipment.riderId,
            vehicleId: shipment.vehicleId,
            deliveredAt: now.toISOString(),
            onTime: isOnTime(now, shipment.eta),
            proof: { recipientName, lat: input.lat, lng: input.lng, ...(photoRef ? { photoRef } : {}), ...(signatureRef ? { signatureRef } : {}) },
          },
        },
        statusChanged(v.tenantId, shipment, 'DELIVERED', now),
      ]);
      return ok({ ...shipment, ...data, updatedAt: now });
    }, TX_OPTIONS);
    if (result.ok) this.deps.outboxWritten();
    return result;
  }

  /**
   * `order.confirmed` → a PENDING shipment (and, with `noteCustomer`, the customer's site follows the order), on the
   * driver path inside handleOnceSql's transaction: confirmed-order.sql.ts. True when a shipment was created.
   */
  createForConfirmedOrder(sql: SqlRunner, event: DomainEvent, noteCustomer: boolean, last: SqlRunner, written?: WrittenOutboxRow[]): Promise<boolean> {
    return applyConfirmedOrder(sql, event, this.deps.now(), noteCustomer, last, written);
  }

  /**
   * `order.cancelled` → CANCELLED: a shipment that has not left is cancelled; one on the road (IN_TRANSIT) is
   * recalled — CANCELLED too, its goods go back to the location (commerce released the stock and never took it off
   * hand, finance voided the invoice, workforce cancels the task: the shop's cancellation wins until the delivery).
   * No delivery can precede it: confirmDelivery waits for commerce's order.dispatched, which a cancelled order never
   * sends (a DELIVERED shipment here would be a bug; logged). Before any shipment exists the
   * cancellation is remembered (passOrderGate), and dispatchShipment / confirmDelivery pass the same gate, so they
   * never interleave with this handler.
   */
  async cancelForCancelledOrder(tx: Tx, event: DomainEvent): Promise<Shipment | null> {
    const p = parseOrderCancelled(event.payload);
    if (!p) {
      log.warn('order.cancelled without orderId ignored', { eventId: event.id });
      return null;
    }
    const tenantId = event.tenantId;
    // remembered, so an order.confirmed handled later (or at the same time, on another replica) creates nothing
    await passOrderGate(tx, tenantId, p.orderId, { at: this.deps.now() });
    // a plan dispatch (routing) does not pass the gate: when the status moved under us, read it again
    for (let attempt = 0; attempt < 3; attempt++) {
      const shipment = await tx.shipment.findFirst({ where: { tenantId, orderId: p.orderId } });
      if (!shipment || shipment.status === 'CANCELLED') return null;
      if (!canCancel(shipment.status) && !canRecall(shipment.status)) {
        log.warn('order cancelled after its shipment ended; shipment kept', { tenantId, shipmentId: shipment.id, status: shipment.status });
        return null;
      }
      const now = this.deps.now();
      const { count } = await tx.shipment.updateMany({ where: { id: shipment.id, tenantId, status: shipment.status }, data: { status: 'CANCELLED', cancelledAt: now } });
      if (count !== 1) continue;
      if (canRecall(shipment.status)) log.info('order cancelled on the road: shipment recalled', { tenantId, shipmentId: shipment.id, vehicleId: shipment.vehicleId });
      await this.emit(tx, [statusChanged(tenantId, shipment, 'CANCELLED', now)]);
      return { ...shipment, status: 'CANCELLED', cancelledAt: now, updatedAt: now };
    }
    throw new Error(`shipment of order ${p.orderId} kept changing while it was being cancelled`);
  }

  private emit(tx: Tx, events: NewEvent[]) {
    return enqueue(tx, SOURCE, events);
  }
}

/** The `shipment.updated` event of a status change (subscriptions: shipmentUpdated). */
function statusChanged(tenantId: string, s: Shipment, status: ShipmentStatus, at: Date): NewEvent {
  const payload: ShipmentUpdatedPayload = { shipmentId: s.id, orderId: s.orderId, previousStatus: s.status, status, at: at.toISOString() };
  return { type: 'shipment.updated', tenantId, aggregateId: s.id, payload };
}
