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

/** Reserved units leave the building (order dispatched): on hand and reserved both go down. Returns rows changed. */
export function consumeReservedStock(tx: Tx, tenantId: string, locationId: string, lines: StockLine[]): Promise<number> {
  if (lines.length === 0) return Promise.resolve(0);
  return tx.$executeRaw`
    WITH req("variantId", qty) AS (VALUES ${requested(lines)})
    UPDATE "StockLevel" s SET "onHand" = s."onHand" - req.qty, "reserved" = s."reserved" - req.qty, "updatedAt" = now()
    FROM req
    WHERE s."tenantId" = ${tenantId} AND s."locationId" = ${locationId} AND s."variantId" = req."variantId"
      AND s."reserved" >= req.qty AND s."onHand" >= req.qty`;
}
