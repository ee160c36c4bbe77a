// Credit decisions and shipment.created on the driver path (packages/db fast-sql.ts), issue 17. Under placeOrder load
// the order-lifecycle consumer was the slowest group: credit.approved cost nine statements through a Prisma
// interactive transaction (the ProcessedEvent record, the order's lock, the order, its update, the customer, the
// lines, their variants, their products, the outbox rows). Here: the record, ONE statement that locks the order and
// reads what the decision needs (customer, lines with their variants' and products' columns), and ONE statement that
// writes the decision (the order's status, for a rejection the stock given back, the outbox rows). The rules — which
// orders a decision applies to, what the events say — stay in OrderService.
import { utcText as utc, type SqlRunner } from '@omniroute/db';
import { outboxRows, type NewEvent, type WrittenOutboxRow } from '@omniroute/events';
import type { Customer, Order, OrderStatus, Product, ProductVariant } from '../../generated/prisma/client.ts';
import type { StockLine } from '../inventory/stock.ts';

/** One order line with the catalogue columns its order.confirmed needs. */
export interface DecisionLine {
  variantId: string;
  quantity: number;
  variant: Pick<ProductVariant, 'weightKg' | 'volumeL'> & { product: Pick<Product, 'tempMinC' | 'tempMaxC'> };
}

export interface LockedOrder {
  order: Order;
  /** The order's customer in its tenant (null if there is none). */
  customer: Pick<Customer, 'name' | 'territoryId' | 'lat' | 'lng'> | null;
  lines: DecisionLine[];
}

type LockedRow = Order & {
  c_found: boolean | null;
  c_name: string | null;
  c_territoryId: string | null;
  c_lat: number | null;
  c_lng: number | null;
  l_variantId: string | null;
  l_quantity: number | null;
  v_weightKg: ProductVariant['weightKg'] | null;
  v_volumeL: ProductVariant['volumeL'];
  p_tempMinC: number | null;
  p_tempMaxC: number | null;
};

/**
 * Locks the order until the transaction ends (decisions and cancellations of one order never race) and reads it
 * with its customer and lines, in one statement; null for no such order in the tenant. FOR UPDATE hands back the
 * order's latest version once the lock is had; the customer and catalogue rows are read as of the statement's start
 * (no holder of an order's lock writes them).
 */
export async function lockOrderForDecision(sql: SqlRunner, tenantId: string, orderId: string): Promise<LockedOrder | null> {
  const rows = await sql<LockedRow>(
    `WITH o AS MATERIALIZED (SELECT * FROM "Order" WHERE "id" = $1 AND "tenantId" = $2 FOR UPDATE)
     SELECT o.*, c."id" IS NOT NULL AS "c_found", c."name" AS "c_name", c."territoryId" AS "c_territoryId", c."lat" AS "c_lat", c."lng" AS "c_lng",
            l."variantId" AS "l_variantId", l."quantity" AS "l_quantity", v."weightKg" AS "v_weightKg", v."volumeL" AS "v_volumeL",
            p."tempMinC" AS "p_tempMinC", p."tempMaxC" AS "p_tempMaxC"
     FROM o
     LEFT JOIN "Customer" c ON c."id" = o."customerId" AND c."tenantId" = $2
     LEFT JOIN ("OrderLine" l JOIN "ProductVariant" v ON v."id" = l."variantId" JOIN "Product" p ON p."id" = v."productId")
            ON l."orderId" = o."id" AND l."tenantId" = $2
     ORDER BY l."position"`,
    [orderId, tenantId],
  );
  const first = rows[0];
  if (!first) return null;
  const { c_found, c_name, c_territoryId, c_lat, c_lng, l_variantId: _v, l_quantity: _q, v_weightKg: _w, v_volumeL: _vl, p_tempMinC: _min, p_tempMaxC: _max, ...order } = first;
  return {
    order,
    customer: c_found ? { name: c_name!, territoryId: c_territoryId, lat: c_lat, lng: c_lng } : null,
    lines: rows
      .filter((r) => r.l_variantId !== null)
      .map((r) => ({ variantId: r.l_variantId!, quantity: r.l_quantity!, variant: { weightKg: r.v_weightKg!, volumeL: r.v_volumeL, product: { tempMinC: r.p_tempMinC, tempMaxC: r.p_tempMaxC } } })),
  };
}

export interface Decision {
  tenantId: string;
  orderId: string;
  /** The status the order takes (it is PENDING and locked: lockOrderForDecision). */
  status: OrderStatus;
  updatedAt: Date;
  /** A rejection's reason (null: the column stays as it is). */
  rejectionReason: string | null;
  /** Reserved stock given back at the order's location (a rejection). */
  release: { locationId: string; lines: StockLine[] } | null;
  events: NewEvent[];
}

/**
 * A credit decision's writes in one statement: the order's status (and rejection reason), the reserved units given
 * back (as stock.ts releaseStock: per variant, never below zero) and the outbox rows. The order must still be
 * PENDING: if it is not, the statement fails (a failed cast), so its writes are thrown away with the transaction even
 * when it is the transaction's `last` and commits with it (the caller holds its lock, so this cannot happen). Returns
 * the outbox rows written.
 */
export async function writeDecision(sql: SqlRunner, d: Decision): Promise<WrittenOutboxRow[]> {
  const events = outboxRows(d.events, d.updatedAt);
  const merged = new Map<string, number>();
  for (const l of d.release?.lines ?? []) merged.set(l.variantId, (merged.get(l.variantId) ?? 0) + l.quantity);
  await sql(
    `WITH upd AS (
       UPDATE "Order" SET "status" = $3::text::"OrderStatus", "rejectionReason" = COALESCE($4, "rejectionReason"), "updatedAt" = $5::text::timestamp
       WHERE "id" = $1 AND "tenantId" = $2 AND "status" = 'PENDING'::"OrderStatus"
       RETURNING 1
     ),
     released AS (
       UPDATE "StockLevel" s SET "reserved" = s."reserved" - req.qty, "updatedAt" = now()
       FROM unnest($7::text[], $8::int[]) AS req("variantId", qty)
       WHERE s."tenantId" = $2 AND s."locationId" = $6 AND s."variantId" = req."variantId" AND s."reserved" >= req.qty
       RETURNING 1
     ),
     events AS (
       INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts")
       SELECT e.id, e."tenantId", e.type, e."aggregateId", e.payload::jsonb, $5::text::timestamp, 0
       FROM unnest($9::text[], $10::text[], $11::text[], $12::text[], $13::text[]) AS e(id, "tenantId", type, "aggregateId", payload)
       RETURNING 1
     )
     SELECT CASE WHEN (SELECT count(*) FROM upd) = 1 THEN 1
                 -- (the count keeps the planner from folding this branch at plan time with the parameters as constants)
                 ELSE ('order ' || $1 || ': a ' || $3 || ' decision found it no longer PENDING (' || (SELECT count(*) FROM upd) || ' updated)')::int END AS "updated"`,
    [
      d.orderId, d.tenantId, d.status, d.rejectionReason, utc(d.updatedAt),
      d.release?.locationId ?? null, [...merged.keys()], [...merged.values()],
      events.map((e) => e.id), events.map((e) => e.tenantId), events.map((e) => e.type), events.map((e) => e.aggregateId), events.map((e) => e.json),
    ],
  );
  return events;
}

/** shipment.created: when logistics took the order, the first time only (the confirmed-orders reconciler's test). */
export async function markShipmentCreated(sql: SqlRunner, tenantId: string, orderId: string, at: Date, updatedAt: Date): Promise<void> {
  await sql(
    `UPDATE "Order" SET "shipmentCreatedAt" = $3::text::timestamp, "updatedAt" = $4::text::timestamp
     WHERE "id" = $1 AND "tenantId" = $2 AND "shipmentCreatedAt" IS NULL`,
    [orderId, tenantId, utc(at), utc(updatedAt)],
  );
}
