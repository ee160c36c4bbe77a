// Events of one order can reach a consumer out of order: two replicas in one consumer group take consecutive
// stream entries at the same time, and a redelivered entry comes after later ones. An `order.cancelled` handled
// before (or while) the order's `order.confirmed` / `order.placed` would otherwise be lost — a shipment, a credit
// hold for an order that no longer exists. The gate is a row per order ("OrderGate", in each consuming subgraph's
// schema): every handler of an order's events passes it first, inside its transaction.
//  - INSERT … ON CONFLICT DO UPDATE locks the row, so handlers of one order run one after the other; the second
//    waits for the first to commit and then sees what it wrote (READ COMMITTED reads per statement).
//  - A cancellation is remembered even when nothing of the order exists yet; `cancelled` tells the others.

/**
 * The gate's statement: the order's row upserted with tenantId $1 and orderId $2, `cancelledAt` the SQL of the
 * cancellation time (a parameter, or NULL to pass without cancelling; the first cancellation's time is kept);
 * returns "cancelledAt". Handlers on the driver path put it in a CTE of their first statement.
 */
export function orderGateUpsert(cancelledAt: string): string {
  return `INSERT INTO "OrderGate" ("tenantId", "orderId", "cancelledAt") VALUES ($1, $2, ${cancelledAt})
     ON CONFLICT ("tenantId", "orderId") DO UPDATE SET "cancelledAt" = COALESCE("OrderGate"."cancelledAt", EXCLUDED."cancelledAt")
     RETURNING "cancelledAt"`;
}

/** A transaction client (Prisma interactive transaction) that can run raw SQL. */
export interface GateTx {
  $queryRawUnsafe(sql: string, ...values: unknown[]): Promise<unknown>;
}

/**
 * Locks the order's gate for the rest of the transaction (creating it) and returns whether the order was
 * cancelled; `cancel` records the cancellation (the first one's time is kept).
 */
export async function passOrderGate(tx: GateTx, tenantId: string, orderId: string, cancel?: { at: Date }): Promise<{ cancelled: boolean }> {
  const rows = (await tx.$queryRawUnsafe(
    orderGateUpsert('$3'),
    tenantId,
    orderId,
    cancel ? cancel.at : null,
  )) as { cancelledAt: Date | string | null }[];
  return { cancelled: rows[0]?.cancelledAt != null };
}
