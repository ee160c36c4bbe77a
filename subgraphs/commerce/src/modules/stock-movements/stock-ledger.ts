import { newId } from '@omniroute/core';
import type { Prisma, StockAdjustmentReason, StockMovement, StockMovementType } from '../../generated/prisma/client.ts';

/**
 * The one writer of the stock ledger besides order consumption (inventory/stock.ts): every movement changes the
 * location's StockLevel.onHand by its quantity and is appended in the same transaction, so on hand is always the
 * sum of the ledger. Runs inside the caller's transaction.
 */

export interface MovementDraft {
  type: StockMovementType;
  locationId: string;
  variantId: string;
  /** Signed: positive into the location, negative out of it. Never 0. */
  quantity: number;
  reasonCode?: StockAdjustmentReason | null;
  reference?: string | null;
  orderId?: string | null;
  goodsReceiptId?: string | null;
  cycleCountId?: string | null;
  transferId?: string | null;
  vanReconciliationId?: string | null;
  note?: string | null;
}

export interface Actor {
  userId?: string | null;
  partnerId?: string | null;
}

type Tx = Prisma.TransactionClient;

/**
 * Applies the drafts to stock levels and appends them. Stock never goes below what is reserved for open orders: a
 * draft that would take it there is returned in `short` and nothing of it is written — the caller must roll back.
 * Rows are touched in one fixed order (location, variant), so two transfers never wait on each other in a cycle;
 * each movement row is inserted after its stock row is locked, so a location's ledger order (`seq`) is its commit order.
 */
export async function postMovements(tx: Tx, tenantId: string, actor: Actor, drafts: readonly MovementDraft[]): Promise<{ short: MovementDraft[]; movements: StockMovement[] }> {
  const ordered = drafts
    .filter((d) => d.quantity !== 0)
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.locationId + '|' + a.d.variantId).localeCompare(b.d.locationId + '|' + b.d.variantId) || a.i - b.i);
  const short: MovementDraft[] = [];
  for (const { d } of ordered) {
    if (d.quantity > 0) {
      await tx.$executeRaw`
        INSERT INTO "StockLevel" ("id", "tenantId", "locationId", "variantId", "onHand", "reserved", "updatedAt")
        VALUES (${newId('stk')}, ${tenantId}, ${d.locationId}, ${d.variantId}, ${d.quantity}, 0, now())
        ON CONFLICT ("locationId", "variantId") DO UPDATE SET "onHand" = "StockLevel"."onHand" + EXCLUDED."onHand", "updatedAt" = now()`;
    } else {
      const n = await tx.$executeRaw`
        UPDATE "StockLevel" SET "onHand" = "onHand" + ${d.quantity}::int, "updatedAt" = now()
        WHERE "tenantId" = ${tenantId} AND "locationId" = ${d.locationId} AND "variantId" = ${d.variantId} AND "onHand" + ${d.quantity}::int >= "reserved"`;
      if (n === 0) short.push(d);
    }
  }
  if (short.length) return { short, movements: [] };
  // seq follows insertion order: insert in the drafts' own order (a transfer's OUT before its IN)
  const now = new Date();
  const movements = await tx.stockMovement.createManyAndReturn({
    data: drafts
      .filter((d) => d.quantity !== 0)
      .map((d) => ({
        id: newId('smv'), tenantId, type: d.type, locationId: d.locationId, variantId: d.variantId, quantity: d.quantity,
        reasonCode: d.reasonCode ?? null, reference: d.reference ?? null, orderId: d.orderId ?? null, goodsReceiptId: d.goodsReceiptId ?? null,
        cycleCountId: d.cycleCountId ?? null, transferId: d.transferId ?? null, vanReconciliationId: d.vanReconciliationId ?? null, note: d.note ?? null,
        actorUserId: actor.userId ?? null, actorPartnerId: actor.partnerId ?? null, createdAt: now,
      })),
  });
  return { short, movements: movements.sort((a, b) => a.seq - b.seq) };
}

/** Thrown inside a transaction to roll it back with the drafts that were short; the service maps it to a userError. */
export class ShortStock extends Error {
  constructor(readonly short: MovementDraft[]) {
    super('insufficient stock');
  }
}

/** postMovements, rolling back (throws ShortStock) when anything is short. */
export async function postOrThrow(tx: Tx, tenantId: string, actor: Actor, drafts: readonly MovementDraft[]): Promise<StockMovement[]> {
  const r = await postMovements(tx, tenantId, actor, drafts);
  if (r.short.length) throw new ShortStock(r.short);
  return r.movements;
}
