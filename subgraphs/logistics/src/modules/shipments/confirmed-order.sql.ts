// order.confirmed on the driver path (packages/db fast-sql.ts), issue 17. Through Prisma the handler was ten round
// trips in an interactive transaction: BEGIN, ProcessedEvent, the order's gate, the order's shipment, an earlier
// pickup at the location, the shipment, its stops, its outbox row, the customer's site (+ the polygons and the
// site's upsert when it moved), COMMIT. Here, after handleOnceSql's ProcessedEvent row: ONE statement passes the
// gate and reads everything the decision needs, the ETA, complexity and territory are worked out in TypeScript
// (shipment-rules.ts, territory.rules.ts, as before), and ONE statement writes whatever is to be written.
import { utcText as utc, type SqlRunner } from '@omniroute/db';
import { orderGateUpsert, outboxRows, type NewEvent, type WrittenOutboxRow } from '@omniroute/events';
import type { DomainEvent } from '@omniroute/events';
import { log, newId } from '@omniroute/core';
import { pointOf, type LatLng } from '../../lib/geo.ts';
import { boundaryOf, siteAfterOrder, territoryOf, type SiteState } from '../territories/territory.rules.ts';
import { customerMoved } from '../territories/territories.service.ts';
import { parseOrderConfirmed, SOURCE, type OrderConfirmedPayload } from './shipment-events.ts';
import { estimateEta, PREPARATION_MINUTES, shipmentComplexity } from './shipment-rules.ts';

interface Reads {
  cancelled: boolean;
  shipmentExists: boolean;
  pickupLat: number | null;
  pickupLng: number | null;
  pickupAddress: string | null;
  siteName: string | null;
  siteLat: number | null;
  siteLng: number | null;
  siteTerritoryId: string | null;
  siteTerritoryOverride: boolean | null;
  /** The tenant's TERRITORY polygons, read only when the site is new or changes; null when not read. */
  polygons: { id: string; boundary: unknown }[] | null;
}

/**
 * The order's gate (passOrderGate: row lock until commit, so a cancellation handled at the same time on another
 * replica runs wholly before or after this), whether the order has its shipment already, the coordinates of the
 * latest pickup seen at the order's location, and the customer's site (with the territories, when it will change).
 * The site's "changes" test here only saves a statement; siteAfterOrder decides, and reads the polygons itself if
 * they are missing.
 */
function readForConfirmedOrder(sql: SqlRunner, tenantId: string, p: OrderConfirmedPayload, customerId: string | null): Promise<Reads[]> {
  return sql<Reads>(
    `WITH gate AS (
       ${orderGateUpsert('NULL')}
     ),
     site AS (SELECT "name", "lat", "lng", "territoryId", "territoryOverride" FROM "CustomerSite" WHERE "tenantId" = $1 AND "customerId" = $4::text)
     SELECT (SELECT "cancelledAt" IS NOT NULL FROM gate) AS "cancelled",
            EXISTS (SELECT 1 FROM "Shipment" WHERE "tenantId" = $1 AND "orderId" = $2) AS "shipmentExists",
            pickup."lat" AS "pickupLat", pickup."lng" AS "pickupLng", pickup."address" AS "pickupAddress",
            site."name" AS "siteName", site."lat" AS "siteLat", site."lng" AS "siteLng", site."territoryId" AS "siteTerritoryId", site."territoryOverride" AS "siteTerritoryOverride",
            CASE WHEN $4::text IS NOT NULL AND NOT EXISTS (
                   SELECT 1 FROM site WHERE site."lat" IS NOT DISTINCT FROM COALESCE($5::float8, site."lat") AND site."lng" IS NOT DISTINCT FROM COALESCE($6::float8, site."lng")
                                      AND ($7::text IS NULL OR site."name" = $7::text))
                 THEN (SELECT COALESCE(json_agg(json_build_object('id', t."id", 'boundary', t."boundary")), '[]'::json) FROM "Territory" t WHERE t."tenantId" = $1 AND t."kind" = 'TERRITORY')
            END AS "polygons"
     FROM (SELECT 1) one
     LEFT JOIN LATERAL (
       SELECT "lat", "lng", "address" FROM "ShipmentStop"
       WHERE "tenantId" = $1 AND "locationId" = $3::text AND "kind" = 'PICKUP' AND "lat" IS NOT NULL AND "lng" IS NOT NULL
       ORDER BY "id" DESC LIMIT 1
     ) pickup ON true
     LEFT JOIN site ON true`,
    [tenantId, p.orderId, p.locationId ?? null, customerId, p.destination?.lat ?? null, p.destination?.lng ?? null, p.customerName ?? null],
  );
}

async function polygonsOf(sql: SqlRunner, tenantId: string) {
  return sql<{ id: string; boundary: unknown }>(`SELECT "id", "boundary" FROM "Territory" WHERE "tenantId" = $1 AND "kind" = 'TERRITORY'`, [tenantId]);
}

interface NewShipment {
  id: string;
  orderId: string;
  territoryId: string | null;
  locationId: string | null;
  weightKg: number;
  volumeM3: number | null;
  customerId: string | null;
  complexity: number;
  eta: Date;
  tempMinC: number | null;
  tempMaxC: number | null;
  at: Date;
  stops: { id: string; sequence: number; kind: 'PICKUP' | 'DROPOFF'; locationId: string | null; lat: number | null; lng: number | null; address: string | null }[];
}

interface SiteWrite { customerId: string; name: string | null; lat: number | null; lng: number | null; territoryId: string | null; at: Date }

/**
 * The shipment with its stops (unless the order has one already: ON CONFLICT on (tenantId, orderId)), the
 * customer's site (upserted), and their outbox rows, in one statement; shipment.created only with the shipment.
 * The outbox rows it wrote are added to `written`.
 */
async function writeConfirmedOrder(sql: SqlRunner, tenantId: string, s: NewShipment | null, site: SiteWrite | null, events: (NewEvent & { ofShipment: boolean })[], written: WrittenOutboxRow[]): Promise<boolean> {
  const occurredAt = new Date();
  const rows = outboxRows(events, occurredAt);
  const stops = s?.stops ?? [];
  const [r] = await sql<{ created: boolean }>(
    `WITH shipment AS (
       INSERT INTO "Shipment" ("id", "tenantId", "orderId", "status", "territoryId", "locationId", "weightKg", "volumeM3", "customerId", "complexity", "eta",
                               "tempMinC", "tempMaxC", "createdAt", "updatedAt")
       SELECT $2::text, $1, $3::text, 'PENDING'::"ShipmentStatus", $4::text, $5::text, $6::float8, $7::float8, $8::text, $9::int, $10::text::timestamp,
              $11::float8, $12::float8, $13::text::timestamp, $13::text::timestamp
       WHERE $2::text IS NOT NULL
       ON CONFLICT ("tenantId", "orderId") DO NOTHING
       RETURNING "id"
     ),
     stops AS (
       INSERT INTO "ShipmentStop" ("id", "tenantId", "shipmentId", "sequence", "kind", "locationId", "lat", "lng", "address")
       SELECT st.id, $1, shipment."id", st.sequence, st.kind::"StopKind", st."locationId", st.lat, st.lng, st.address
       FROM shipment, unnest($14::text[], $15::int[], $16::text[], $17::text[], $18::float8[], $19::float8[], $20::text[]) AS st(id, sequence, kind, "locationId", lat, lng, address)
     ),
     site AS (
       INSERT INTO "CustomerSite" ("tenantId", "customerId", "name", "tier", "lat", "lng", "territoryId", "updatedAt")
       SELECT $1, $21::text, COALESCE($22::text, $21::text), 'BRONZE', $23::float8, $24::float8, $25::text, $26::text::timestamp
       WHERE $21::text IS NOT NULL
       ON CONFLICT ("tenantId", "customerId") DO UPDATE SET "name" = COALESCE($22::text, "CustomerSite"."name"), "lat" = EXCLUDED."lat", "lng" = EXCLUDED."lng",
         "territoryId" = EXCLUDED."territoryId", "updatedAt" = EXCLUDED."updatedAt"
     ),
     events AS (
       INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts")
       SELECT e.id, e."tenantId", e.type, e."aggregateId", e.payload::jsonb, $27::text::timestamp, 0
       FROM unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::text[], $33::boolean[]) AS e(id, "tenantId", type, "aggregateId", payload, "ofShipment")
       WHERE NOT e."ofShipment" OR EXISTS (SELECT 1 FROM shipment)
     )
     SELECT EXISTS (SELECT 1 FROM shipment) AS "created"`,
    [
      tenantId, s?.id ?? null, s?.orderId ?? null, s?.territoryId ?? null, s?.locationId ?? null, s?.weightKg ?? null, s?.volumeM3 ?? null, s?.customerId ?? null,
      s?.complexity ?? null, s ? utc(s.eta) : null, s?.tempMinC ?? null, s?.tempMaxC ?? null, s ? utc(s.at) : null,
      stops.map((x) => x.id), stops.map((x) => x.sequence), stops.map((x) => x.kind), stops.map((x) => x.locationId), stops.map((x) => x.lat), stops.map((x) => x.lng), stops.map((x) => x.address),
      site?.customerId ?? null, site?.name ?? null, site?.lat ?? null, site?.lng ?? null, site?.territoryId ?? null, site ? utc(site.at) : null,
      utc(occurredAt), rows.map((e) => e.id), rows.map((e) => e.tenantId), rows.map((e) => e.type), rows.map((e) => e.aggregateId), rows.map((e) => e.json), events.map((e) => e.ofShipment),
    ],
  );
  const created = r?.created ?? false;
  written.push(...rows.filter((_, i) => created || !events[i]!.ofShipment));
  return created;
}

/**
 * `order.confirmed` → a PENDING shipment (pickup at the order's location, dropoff at the customer, ETA and
 * complexity), unless the order was cancelled first (its gate) or has its shipment already; and, with
 * `noteCustomer`, logistics' site of the customer follows the order (name, coordinates, territory by
 * point-in-polygon; customer.territory_changed when it moves), whatever became of the shipment. Runs inside
 * handleOnceSql's transaction (`last`: its final statement, for the write); `now` stamps the shipment. True when a
 * shipment was created; the outbox rows written are added to `written`.
 */
export async function applyConfirmedOrder(sql: SqlRunner, event: DomainEvent, now: Date, noteCustomer: boolean, last: SqlRunner, written: WrittenOutboxRow[] = []): Promise<boolean> {
  const p = parseOrderConfirmed(event.payload);
  if (!p) {
    log.warn('order.confirmed without orderId ignored', { eventId: event.id });
    return false;
  }
  const tenantId = event.tenantId;
  const customerId = noteCustomer && p.customerId ? p.customerId : null;
  const [r] = await readForConfirmedOrder(sql, tenantId, p, customerId);
  if (!r) throw new Error(`order.confirmed ${event.id}: the gate statement returned no row`);
  const events: (NewEvent & { ofShipment: boolean })[] = [];

  // an order cancelled before its confirmation reached us gets no shipment; nor does one that has its shipment
  let shipment: NewShipment | null = null;
  if (!r.cancelled && !r.shipmentExists) {
    // Logistics only knows the pickup location's id; reuse the coordinates of an earlier pickup there, if any.
    const pickup: LatLng | null = pointOf(r.pickupLat, r.pickupLng);
    const id = newId('shp', now.getTime());
    const stops: NewShipment['stops'] = [
      { id: newId('stp'), sequence: 1, kind: 'PICKUP', locationId: p.locationId ?? null, lat: pickup?.lat ?? null, lng: pickup?.lng ?? null, address: r.pickupAddress },
      { id: newId('stp'), sequence: 2, kind: 'DROPOFF', locationId: null, lat: p.destination?.lat ?? null, lng: p.destination?.lng ?? null, address: p.customerName ?? null },
    ];
    shipment = {
      id,
      orderId: p.orderId,
      territoryId: p.territoryId ?? null,
      locationId: p.locationId ?? null,
      weightKg: p.weightKg ?? 0,
      volumeM3: p.volumeM3 != null && p.volumeM3 >= 0 ? p.volumeM3 : null,
      customerId: p.customerId ?? null,
      tempMinC: p.temperature?.minC ?? null,
      tempMaxC: p.temperature?.maxC ?? null,
      complexity: shipmentComplexity(p.weightKg, stops.length),
      eta: estimateEta({ from: now, route: [pickup, p.destination ?? null], preparationMinutes: PREPARATION_MINUTES }),
      at: now,
      stops,
    };
    events.push({
      type: 'shipment.created', tenantId, aggregateId: id, ofShipment: true,
      payload: { shipmentId: id, orderId: p.orderId, territoryId: p.territoryId ?? null, complexity: shipment.complexity },
    });
  }

  let site: SiteWrite | null = null;
  if (customerId) {
    const known: SiteState | null = r.siteName === null ? null
      : { name: r.siteName, lat: r.siteLat, lng: r.siteLng, territoryId: r.siteTerritoryId, territoryOverride: r.siteTerritoryOverride ?? false };
    const next = siteAfterOrder(known, { name: p.customerName, destination: p.destination });
    if (next) {
      const polygons = (r.polygons ?? (await polygonsOf(sql, tenantId))).map((t) => ({ id: t.id, boundary: boundaryOf(t.boundary) }));
      const territoryId = territoryOf({ ...next, territoryId: known?.territoryId ?? null, territoryOverride: known?.territoryOverride ?? false }, polygons);
      const at = new Date(event.occurredAt);
      site = { customerId, name: p.customerName ?? null, lat: next.lat, lng: next.lng, territoryId, at };
      if (territoryId !== (known?.territoryId ?? null)) events.push({ ...customerMoved(tenantId, customerId, territoryId, at), ofShipment: false });
    }
  }

  if (!shipment && !site) return false;
  return writeConfirmedOrder(last, tenantId, shipment, site, events, written); // the final statement: commits with it
}
