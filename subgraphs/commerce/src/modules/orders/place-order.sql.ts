// placeOrder on the driver (packages/db fast-sql.ts), issue 17. Profiled under load it cost ≈41 ms of CPU per order,
// a third of it Prisma (query compilation in WASM, result mapping) over 16 statements: an idempotency lookup, eight
// reads, then an interactive transaction of BEGIN, nextval, the order, a stock lock, the reservation, the lines, the
// outbox rows and COMMIT — one round trip each. Here: the reads in one batch of four or five statements, one round
// trip (the sequence value rides along with the tenant's settings), then one transaction: the stock rows locked, and
// ONE statement.
import { utcText as utc, type BatchStatement, type SqlBatch, type SqlRunner, type SqlTransaction } from '@omniroute/db';
import { outboxRows, type NewEvent, type WrittenOutboxRow } from '@omniroute/events';
import type { Customer, Order, ProductVariant, TenantSettings } from '../../generated/prisma/client.ts';
import type { PricingRules } from '../pricing/pricing-engine.ts';
import type { CurrencyCode } from '@omniroute/core';

type Decimal = Order['total'];

export interface PlaceOrderReads {
  /** The order placed earlier with this idempotency key, if any. */
  prior: Order | null;
  settings: (TenantSettings & { nextSeq: number; locationName: string | null; locationId: string | null }) | null;
  customer: Customer | null;
  variants: ProductVariant[];
  rules: PricingRules | null;
}

/** Pricing rows of one statement: price lists, volume tiers and this customer's contract prices for the SKUs. */
interface RuleRow {
  kind: 'list' | 'tier' | 'contract';
  key: string | null;
  minQuantity: number | null;
  percent: Decimal | null;
  unitPrice: Decimal | null;
  currency: string | null;
}

/** Everything placeOrder reads before it writes, in one batch (one round trip on Postgres). */
export async function readForPlaceOrder(
  batch: SqlBatch,
  q: { tenantId: string; customerId: string; locationId: string; skus: string[]; idempotencyKey: string | null },
): Promise<PlaceOrderReads> {
  const reads: BatchStatement[] = [
    // The order number's sequence value is taken here (a replay or a refusal leaves a gap, as a rolled-back
    // transaction always did): the events' payloads carry the number, so it must be known before the write.
    {
      text: `SELECT s.*, nextval(pg_get_serial_sequence('"Order"', 'seq'))::int AS "nextSeq", l."id" AS "locationId", l."name" AS "locationName"
       FROM "TenantSettings" s LEFT JOIN "Location" l ON l."id" = $2 AND l."tenantId" = s."tenantId"
       WHERE s."tenantId" = $1`,
      params: [q.tenantId, q.locationId],
    },
    { text: 'SELECT * FROM "Customer" WHERE "id" = $1 AND "tenantId" = $2', params: [q.customerId, q.tenantId] },
    { text: 'SELECT * FROM "ProductVariant" WHERE "tenantId" = $1 AND "sku" = ANY($2::text[])', params: [q.tenantId, q.skus] },
    {
      text: `SELECT 'list' AS kind, "customerType"::text AS key, NULL::int AS "minQuantity", "discountPercent" AS percent, NULL::numeric AS "unitPrice", NULL::text AS currency
         FROM "PriceList" WHERE "tenantId" = $1
       UNION ALL
       SELECT 'tier', NULL, "minQuantity", "discountPercent", NULL, NULL FROM "VolumeTier" WHERE "tenantId" = $1
       UNION ALL
       SELECT 'contract', c."variantId", NULL, NULL, c."unitPrice", c."currency"::text
         FROM "ContractPrice" c JOIN "ProductVariant" v ON v."id" = c."variantId" AND v."tenantId" = c."tenantId"
        WHERE c."tenantId" = $1 AND c."customerId" = $2 AND v."sku" = ANY($3::text[])`,
      params: [q.tenantId, q.customerId, q.skus],
    },
  ];
  if (q.idempotencyKey) reads.push({ text: 'SELECT * FROM "Order" WHERE "tenantId" = $1 AND "idempotencyKey" = $2', params: [q.tenantId, q.idempotencyKey] });
  const [settings, customer, variants, rules, prior = []] = await batch(reads);
  const s = (settings![0] ?? null) as PlaceOrderReads['settings'];
  return {
    prior: (prior[0] ?? null) as Order | null,
    settings: s,
    customer: (customer![0] ?? null) as Customer | null,
    variants: variants as ProductVariant[],
    rules: s ? pricingRules(s.currency as CurrencyCode, rules as unknown as RuleRow[]) : null,
  };
}

/** The same rules PricingService.rulesFor builds with Prisma (price lists, volume tiers, contracts in the tenant's currency). */
function pricingRules(currency: CurrencyCode, rows: RuleRow[]): PricingRules {
  return {
    currency,
    priceLists: rows.filter((r) => r.kind === 'list').map((r) => ({ customerType: r.key!, discountPercent: r.percent! })),
    volumeTiers: rows.filter((r) => r.kind === 'tier').map((r) => ({ minQuantity: r.minQuantity!, discountPercent: r.percent! })),
    // a contract in another currency cannot apply to this tenant's orders
    contractPrices: new Map(rows.filter((r) => r.kind === 'contract' && r.currency === currency).map((r) => [r.key!, r.unitPrice!])),
  };
}

export interface NewOrder {
  id: string;
  tenantId: string;
  seq: number;
  number: string;
  customerId: string;
  locationId: string;
  channel: string;
  paymentTerms: string;
  currency: string;
  subtotal: string;
  discountTotal: string;
  total: string;
  placedAt: Date;
  idempotencyKey: string | null;
  requestHash: string;
  placedByUserId: string | null;
  placedByPartnerId: string | null;
  lines: { id: string; variantId: string; sku: string; quantity: number; basePrice: string; unitPrice: string; total: string; pricingRule: string }[];
  events: NewEvent[];
}

/**
 * Reserves the lines' stock at the location and writes the order, its lines and its outbox events, in one
 * transaction, all or nothing: first the stock rows are locked (SELECT … FOR UPDATE, in one fixed order, so two
 * multi-line orders never wait on each other in a cycle), then ONE statement computes what is short and, when
 * nothing is, reserves and writes everything; otherwise it writes nothing and the SKUs short are returned.
 * Why two statements: on Postgres (READ COMMITTED) a statement's snapshot is taken when it starts, so a statement
 * that waited for a stock row's lock and then updated that row could read the version of its start and reserve
 * nothing (seen with transfers and reservations racing on one SKU, subgraphs/commerce/test/concurrency.test.ts; it
 * used to be run again up to 50 times). Once the locks are held no one else can change those rows, and the writing
 * statement, started after the lock holders committed, reads their latest state. The reservation keeps its own
 * guard in the WHERE clause (and the CHECK constraint stays behind it). A concurrent retry with the same idempotency
 * key waits on the unique index and fails with 23505.
 */
export async function insertPlacedOrder(transaction: SqlTransaction, o: NewOrder): Promise<{ order: Order; written: WrittenOutboxRow[] } | { short: string[] }> {
  // the locks are the transaction's prelude: on Postgres BEGIN, the locks, the write and COMMIT go in one round trip,
  // and the write still starts (takes its snapshot) only once every lock is held
  const locks = {
    text: `SELECT "id" FROM "StockLevel" WHERE "tenantId" = $1 AND "locationId" = $2 AND "variantId" = ANY($3::text[]) ORDER BY "variantId" FOR UPDATE`,
    params: [o.tenantId, o.locationId, o.lines.map((l) => l.variantId)],
    declines: () => false,
  };
  return transaction((_sql, last) => writePlacedOrder(last, o), locks); // commits with it
}

/** The reservation and the order's rows in one statement; the stock rows are locked already (insertPlacedOrder). */
async function writePlacedOrder(sql: SqlRunner, o: NewOrder): Promise<{ order: Order; written: WrittenOutboxRow[] } | { short: string[] }> {
  const events = outboxRows(o.events, o.placedAt);
  const rows = await sql<Order & { short: string[] | null; reservedCount: number }>(
    `WITH req("variantId", qty) AS (SELECT * FROM unnest($3::text[], $4::int[])),
     locked AS (
       SELECT "id", "variantId", "onHand", "reserved" FROM "StockLevel"
       WHERE "tenantId" = $1 AND "locationId" = $2 AND "variantId" = ANY($3::text[])
     ),
     short AS (
       SELECT req."variantId" FROM req LEFT JOIN locked l ON l."variantId" = req."variantId"
       WHERE l."id" IS NULL OR l."onHand" - l."reserved" < req.qty
     ),
     reserved AS (
       UPDATE "StockLevel" s SET "reserved" = s."reserved" + req.qty, "updatedAt" = now()
       FROM req JOIN locked l ON l."variantId" = req."variantId"
       WHERE s."id" = l."id" AND NOT EXISTS (SELECT 1 FROM short) AND s."onHand" - s."reserved" >= req.qty
       RETURNING s."variantId"
     ),
     placed AS (
       INSERT INTO "Order" ("id", "tenantId", "seq", "number", "customerId", "locationId", "channel", "status", "paymentTerms", "currency",
                            "subtotal", "discountTotal", "total", "placedAt", "idempotencyKey", "requestHash", "placedByUserId", "placedByPartnerId", "updatedAt")
       SELECT $5, $1, $6, $7, $8, $2, $9::text::"Channel", 'PENDING'::"OrderStatus", $10::text::"PaymentTerms", $11::text::"CurrencyCode",
              $12::text::numeric, $13::text::numeric, $14::text::numeric, $15::text::timestamp, $16, $17, $18, $19, $15::text::timestamp
       WHERE NOT EXISTS (SELECT 1 FROM short)
       RETURNING *
     ),
     lines AS (
       INSERT INTO "OrderLine" ("id", "tenantId", "orderId", "position", "variantId", "sku", "quantity", "basePrice", "unitPrice", "total", "currency", "pricingRule")
       SELECT l.id, $1, $5, l.position - 1, l."variantId", l.sku, l.quantity, l."basePrice"::numeric, l."unitPrice"::numeric, l.total::numeric, $11::text::"CurrencyCode", l."pricingRule"
       FROM unnest($20::text[], $21::text[], $22::text[], $23::int[], $24::text[], $25::text[], $26::text[], $27::text[])
            WITH ORDINALITY AS l(id, "variantId", sku, quantity, "basePrice", "unitPrice", total, "pricingRule", position)
       WHERE NOT EXISTS (SELECT 1 FROM short)
     ),
     events AS (
       INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts")
       SELECT e.id, e."tenantId", e.type, e."aggregateId", e.payload::jsonb, $15::text::timestamp, 0
       FROM unnest($28::text[], $29::text[], $30::text[], $31::text[], $32::text[]) AS e(id, "tenantId", type, "aggregateId", payload)
       WHERE NOT EXISTS (SELECT 1 FROM short)
     )
     -- none short but not every line reserved (cannot happen with the rows locked first: insertPlacedOrder): the failed
     -- cast aborts the transaction, so nothing of it is kept (never a partial reservation or an order without its stock)
     SELECT placed.*, (SELECT array_agg("variantId") FROM short) AS "short",
            (SELECT CASE WHEN count(*) = $33 OR EXISTS (SELECT 1 FROM short) THEN count(*)::int
                    ELSE ('placeOrder: ' || count(*) || ' of ' || $33 || ' lines reserved')::int END FROM reserved) AS "reservedCount"
     FROM (SELECT 1) one LEFT JOIN placed ON true`,
    [
      o.tenantId, o.locationId, o.lines.map((l) => l.variantId), o.lines.map((l) => l.quantity),
      o.id, o.seq, o.number, o.customerId, o.channel, o.paymentTerms, o.currency,
      o.subtotal, o.discountTotal, o.total, utc(o.placedAt), o.idempotencyKey, o.requestHash, o.placedByUserId, o.placedByPartnerId,
      o.lines.map((l) => l.id), o.lines.map((l) => l.variantId), o.lines.map((l) => l.sku), o.lines.map((l) => l.quantity),
      o.lines.map((l) => l.basePrice), o.lines.map((l) => l.unitPrice), o.lines.map((l) => l.total), o.lines.map((l) => l.pricingRule),
      events.map((e) => e.id), events.map((e) => e.tenantId), events.map((e) => e.type), events.map((e) => e.aggregateId), events.map((e) => e.json),
      o.lines.length,
    ],
  );
  const { short, reservedCount: _reserved, ...order } = rows[0]!;
  if (short?.length) return { short };
  if (!order.id) throw new Error(`placeOrder: order ${o.id} was not written`);
  return { order: order as Order, written: events };
}
