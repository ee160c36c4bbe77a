import { newId } from '@omniroute/core';
import { Prisma } from '../../generated/prisma/client.ts';

/**
 * Stock movements, run inside the caller's transaction (the order's). Every UPDATE carries its own guard in the
 * WHERE clause, so concurrent writers can never take stock below zero or over-reserve it: Postgres re-checks the
 * condition against the latest committed row after waiting for its lock. A CHECK constraint backs this up.
 */

export interface StockLine {
  variantId: string;
  quantity: number;
}

type Tx = Pick<Prisma.TransactionClient, '$queryRaw' | '$executeRaw'>;

function requested(lines: StockLine[]) {
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.variantId, (merged.get(l.variantId) ?? 0) + l.quantity);
  return Prisma.join([...merged].map(([variantId, qty]) => Prisma.sql`(${variantId}::text, ${qty}::int)`));
}

/**
 * Reserves every line at the location, all or nothing: returns the variant ids that could not be reserved (no stock
 * row, or fewer available than asked). When that list is not empty the caller must roll back.
 */
export async function reserveStock(tx: Tx, tenantId: string, locationId: string, lines: StockLine[]): Promise<string[]> {
  const ids = [...new Set(lines.map((l) => l.variantId))];
  // Lock the rows in one fixed order first: two multi-line orders never wait on each other in a cycle (no deadlocks).
  await tx.$queryRaw`
    SELECT "id" FROM "StockLevel"
    WHERE "tenantId" = ${tenantId} AND "locationId" = ${locationId} AND "variantId" IN (${Prisma.join(ids)})
    ORDER BY "variantId" FOR UPDATE`;
  const reserved = await tx.$queryRaw<{ variantId: string }[]>`
    WITH req("variantId", qty) AS (VALUES ${requested(lines)})
    UPDATE "StockLevel" s SET "reserved" = s."reserved" + req.qty, "updatedAt" = now()
    FROM req
    WHERE s."tenantId" = ${tenantId} AND s."locationId" = ${locationId} AND s."variantId" = req."variantId"
      AND s."onHand" - s."reserved" >= req.qty
    RETURNING s."variantId"`;
  const ok = new Set(reserved.map((r) => r.variantId));
  return ids.filter((id) => !ok.has(id));
}

/** Gives reserved units back (order cancelled or rejected). Returns how many stock rows changed. */
export function releaseStock(tx: Tx, tenantId: string, locationId: string, lines: StockLine[]): Promise<number> {
  if (lines.length === 0) return Promise.resolve(0);
  return tx.$executeRaw`
    WITH req("variantId", qty) AS (VALUES ${requested(lines)})
    UPDATE "StockLevel" s SET "reserved" = s."reserved" - req.qty, "updatedAt" = now()
    FROM req
    WHERE s."tenantId" = ${tenantId} AND s."locationId" = ${locationId} AND s."variantId" = req."variantId"
      AND s."reserved" >= req.qty`;
}

/** What a consumption is for: written on its SALE movements. */
export interface ConsumptionRef {
  orderId?: string;
  /** Human reference, e.g. the order number. */
  reference?: string;
}

/**
 * Reserved units leave the building (order dispatched or delivered): on hand and reserved both go down, and each
 * changed row appends a SALE movement to the stock ledger in the same statement, so on hand stays the sum of the
 * ledger. Returns rows changed.
 */
export async function consumeReservedStock(tx: Tx, tenantId: string, locationId: string, lines: StockLine[], ref: ConsumptionRef = {}): Promise<number> {
  if (lines.length === 0) return 0;
  const merged = new Map<string, number>();
  for (const l of lines) merged.set(l.variantId, (merged.get(l.variantId) ?? 0) + l.quantity);
  const req = Prisma.join([...merged].map(([variantId, qty]) => Prisma.sql`(${variantId}::text, ${qty}::int, ${newId('smv')}::text)`));
  const rows = await tx.$queryRaw<{ n: number }[]>`
    WITH req("variantId", qty, "movementId") AS (VALUES ${req}),
    upd AS (
      UPDATE "StockLevel" s SET "onHand" = s."onHand" - req.qty, "reserved" = s."reserved" - req.qty, "updatedAt" = now()
      FROM req
      WHERE s."tenantId" = ${tenantId} AND s."locationId" = ${locationId} AND s."variantId" = req."variantId"
        AND s."reserved" >= req.qty AND s."onHand" >= req.qty
      RETURNING s."variantId", req.qty, req."movementId"
    ),
    ins AS (
      INSERT INTO "StockMovement" ("id", "tenantId", "type", "locationId", "variantId", "quantity", "reference", "orderId", "createdAt")
      SELECT upd."movementId", ${tenantId}, 'SALE'::"StockMovementType", ${locationId}, upd."variantId", -upd.qty, ${ref.reference ?? null}, ${ref.orderId ?? null}, now()
      FROM upd
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM ins`;
  return rows[0]?.n ?? 0;
}
