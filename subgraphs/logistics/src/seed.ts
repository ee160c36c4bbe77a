import { combinedRange, newId } from '@omniroute/core';
import type { DemoTenant } from '@omniroute/demo';
import type { Prisma, PrismaClient } from './generated/prisma/client.ts';
import { minutesOf } from './modules/territories/territory.rules.ts';
import { estimateEta, PREPARATION_MINUTES, shipmentComplexity } from './modules/shipments/shipment-rules.ts';

/** The demo plan's clock ("now" in packages/demo/src/plan.ts): the last seeded positions are from then (see logisticsRows). */
const PLAN_NOW = new Date(Date.UTC(2026, 10, 25, 8, 0, 0));
const HOUR = 3600_000;
/** Seeded vehicles have a short trail of positions leading to their last one. */
const TRAIL = [-10, -5, 0];
/** A refrigerated box that works: seeded cold-chain readings. */
const SEED_COLD_C = 4.5;

/**
 * Writes logistics' part of the demo plan: the territory hierarchy (polygons), sales reps' territories, customer sites
 * (coordinates, tier, delivery window, territory), vehicles with a last position and a short trail, and the
 * plan's shipments (stops, ETA, complexity, proof of delivery for delivered ones). Idempotent: a tenant that has
 * territories is skipped. One transaction of createMany per tenant.
 */
export async function seedLogistics(prisma: PrismaClient, plan: DemoTenant[]): Promise<void> {
  for (const t of plan) {
    if (await prisma.territory.findFirst({ where: { tenantId: t.id }, select: { id: true } })) continue;
    const rows = logisticsRows(t);
    await prisma.$transaction([
      prisma.territory.createMany({ data: rows.territories }),
      prisma.repTerritory.createMany({ data: rows.repTerritories }),
      prisma.customerSite.createMany({ data: rows.customerSites }),
      prisma.vehicle.createMany({ data: rows.vehicles }),
      prisma.vehiclePosition.createMany({ data: rows.positions }),
      prisma.shipment.createMany({ data: rows.shipments }),
      prisma.shipmentStop.createMany({ data: rows.stops }),
    ]);
  }
}

/**
 * The rows for one tenant (pure: easy to inspect in tests). Seeded positions are from the plan's clock, or from
 * `now` on a machine whose clock is behind it: a last position in the future would hide every live report until then.
 */
export function logisticsRows(t: DemoTenant, now = new Date()) {
  const seenAt = new Date(Math.min(PLAN_NOW.getTime(), now.getTime()));
  const territories = [...t.regions, ...t.areas, ...t.territories].map((x) => ({
    id: x.id, tenantId: t.id, name: x.name, kind: x.kind, parentId: x.parentId, boundary: x.boundary as unknown as Prisma.InputJsonValue,
    centerLat: x.center.lat, centerLng: x.center.lng, radiusKm: x.radiusKm,
  }));
  const repTerritories = t.repTerritories.flatMap((r) => r.territoryIds.map((territoryId) => ({ tenantId: t.id, userId: r.userId, territoryId, assignedAt: new Date(0) })));
  const customerSites = t.customers.map((c) => ({
    tenantId: t.id, customerId: c.id, name: c.name, tier: c.tier, lat: c.lat, lng: c.lng, territoryId: c.territoryId, territoryOverride: false,
    windowStartMin: c.deliveryWindow ? minutesOf(c.deliveryWindow.start) : null, windowEndMin: c.deliveryWindow ? minutesOf(c.deliveryWindow.end) : null,
  }));

  const vehicles = t.vehicles.map((v) => ({
    id: v.id,
    tenantId: t.id,
    plate: v.plate,
    kind: v.kind,
    capacityKg: v.capacityKg,
    capacityM3: v.capacityM3,
    coldChain: v.coldChain,
    territoryId: v.territoryId,
    lastLat: v.lat,
    lastLng: v.lng,
    lastSpeedKph: 0,
    lastHeading: null,
    lastTemperatureC: v.coldChain ? SEED_COLD_C : null,
    lastRecordedAt: seenAt,
  }));
  const positions = t.vehicles.flatMap((v) =>
    TRAIL.map((minutes, i) => {
      const recordedAt = new Date(seenAt.getTime() + minutes * 60_000);
      const back = (TRAIL.length - 1 - i) * 0.002; // approach the last position from the south-west
      return {
        id: newId('pos', recordedAt.getTime()),
        tenantId: t.id,
        vehicleId: v.id,
        lat: v.lat - back,
        lng: v.lng - back,
        speedKph: i === TRAIL.length - 1 ? 0 : 24,
        heading: i === TRAIL.length - 1 ? null : 45,
        temperatureC: v.coldChain ? SEED_COLD_C : null,
        recordedAt,
      };
    }),
  );

  const orders = new Map(t.orders.map((o) => [o.id, o]));
  const customers = new Map(t.customers.map((c) => [c.id, c]));
  const locations = new Map(t.locations.map((l) => [l.id, l]));
  const vehicleKinds = new Map(t.vehicles.map((v) => [v.id, v.kind]));
  const variantWeight = new Map(t.products.flatMap((p) => p.variants).map((v) => [v.id, v.weightKg]));
  const variantVolume = new Map(t.products.flatMap((p) => p.variants).map((v) => [v.id, v.volumeL]));
  const variantRange = new Map(t.products.flatMap((p) => p.variants.map((v) => [v.id, p.temperature] as const)));

  const shipments = [];
  const stops = [];
  for (const s of t.shipments) {
    const order = orders.get(s.orderId)!;
    const customer = customers.get(order.customerId)!;
    const location = locations.get(order.locationId)!;
    const weightKg = order.lines.reduce((kg, l) => kg + (variantWeight.get(l.variantId) ?? 0) * l.quantity, 0);
    // as commerce announces it: litres of the lines whose volume is known, in m³; null when none is
    const sized = order.lines.filter((l) => variantVolume.get(l.variantId) != null);
    const volumeM3 = sized.length ? sized.reduce((l3, l) => l3 + variantVolume.get(l.variantId)! * l.quantity, 0) / 1000 : null;
    const temperature = combinedRange(order.lines.map((l) => variantRange.get(l.variantId) ?? null));
    const kind = s.vehicleId ? vehicleKinds.get(s.vehicleId) : null;
    const route = [{ lat: location.lat, lng: location.lng }, { lat: customer.lat, lng: customer.lng }];
    const left = s.status === 'IN_TRANSIT' || s.status === 'DELIVERED';
    const dispatchedAt = left ? new Date(s.createdAt.getTime() + 2 * HOUR) : null;
    const eta = dispatchedAt
      ? estimateEta({ from: dispatchedAt, route, kind })
      : estimateEta({ from: s.createdAt, route, kind, preparationMinutes: PREPARATION_MINUTES });
    const delivered = s.status === 'DELIVERED' ? s.deliveredAt : null;
    shipments.push({
      id: s.id,
      tenantId: t.id,
      orderId: s.orderId,
      status: s.status,
      territoryId: s.territoryId,
      locationId: order.locationId,
      vehicleId: s.vehicleId,
      riderId: s.riderId,
      weightKg,
      volumeM3,
      customerId: order.customerId,
      tempMinC: temperature?.minC ?? null,
      tempMaxC: temperature?.maxC ?? null,
      complexity: shipmentComplexity(weightKg, route.length),
      eta,
      dispatchedAt,
      // the demo's orders of shipments on the road are DISPATCHED in commerce: acknowledged
      orderDispatchedAt: dispatchedAt,
      deliveredAt: delivered,
      podRecipientName: delivered ? customer.name : null,
      podSignatureRef: delivered ? `signatures/${s.id}.png` : null,
      podPhotoRef: delivered ? `photos/${s.id}.jpg` : null,
      podLat: delivered ? customer.lat : null,
      podLng: delivered ? customer.lng : null,
      createdAt: s.createdAt,
      updatedAt: delivered ?? dispatchedAt ?? s.createdAt,
    });
    const key = s.id.slice(s.id.indexOf('_') + 1);
    stops.push(
      { id: `stp_${key}_1`, tenantId: t.id, shipmentId: s.id, sequence: 1, kind: 'PICKUP' as const, locationId: location.id, lat: location.lat, lng: location.lng, address: location.name, arrivedAt: dispatchedAt },
      { id: `stp_${key}_2`, tenantId: t.id, shipmentId: s.id, sequence: 2, kind: 'DROPOFF' as const, locationId: null, lat: customer.lat, lng: customer.lng, address: customer.name, arrivedAt: delivered },
    );
  }
  return { territories, repTerritories, customerSites, vehicles, positions, shipments, stops };
}
