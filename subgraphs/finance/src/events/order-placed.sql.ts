// order.placed in finance's order-to-cash consumer on the driver path (packages/db fast-sql.ts), issue 17. Through
// Prisma it was 11 statements in an interactive transaction (≈1 ms of CPU each): the ProcessedEvent, the order gate,
// the invoice looked up, the credit line locked then read, its update, the ledger posting, its entries and Prisma's
// read-back of them, the outbox row, then the invoice's number and row. Here, between BEGIN and COMMIT: the
// ProcessedEvent (handleOnceSql), ONE statement that passes the gate, looks for the invoice and locks and reads the
// credit line, then ONE statement that writes everything (or the credit.rejected outbox row alone). The rules stay
// in TypeScript (checkCredit, the posting's rows from postingRows, the invoice's SQL from draftInvoiceCtes).
import { utcText as utc, type SqlRunner } from '@omniroute/db';
import { orderGateUpsert, outboxRows, type NewEvent, type WrittenOutboxRow } from '@omniroute/events';
import type { CreditLine } from '../generated/prisma/client.ts';
import type { PostingRows } from '../modules/ledger/ledger.service.ts';
import { draftInvoiceCtes, type DraftInvoice } from '../modules/invoices/invoices.service.ts';

export interface OrderPlacedState {
  /** The order was cancelled before its order.placed was handled (the order gate: passOrderGate). */
  cancelled: boolean;
  /** The order has its invoice already: decided before (the event was re-sent). */
  invoiced: boolean;
  /** The customer's credit line, locked until commit; null when there is none, or when cancelled or invoiced (then not locked). */
  line: CreditLine | null;
}

/**
 * One statement: the order gate passed (the same upsert as passOrderGate/passOrderGateSql: remembered, never
 * cancelling), the order's invoice looked for, and — unless the order was cancelled or invoiced — the customer's
 * credit line locked (SELECT … FOR UPDATE) and read. A lock that waited returns the row as its holder committed it
 * (READ COMMITTED re-reads a locked row that changed), so concurrent orders never both take the last of the credit.
 */
export async function readForOrderPlaced(sql: SqlRunner, q: { tenantId: string; orderId: string; customerId: string }): Promise<OrderPlacedState> {
  const rows = await sql<Omit<CreditLine, 'id'> & { id: string | null; _cancelled: boolean; _invoiced: boolean }>(
    `WITH gate AS (
       ${orderGateUpsert('NULL')}
     ),
     decided AS (
       SELECT EXISTS (SELECT 1 FROM gate WHERE "cancelledAt" IS NOT NULL) AS "_cancelled",
              EXISTS (SELECT 1 FROM "Invoice" WHERE "tenantId" = $1 AND "orderId" = $2) AS "_invoiced"
     ),
     line AS (
       SELECT c.* FROM "CreditLine" c
       WHERE c."tenantId" = $1 AND c."customerId" = $3 AND NOT (SELECT "_cancelled" OR "_invoiced" FROM decided)
       FOR UPDATE OF c
     )
     SELECT line.*, decided.* FROM decided LEFT JOIN line ON true`,
    [q.tenantId, q.orderId, q.customerId],
  );
  const { _cancelled, _invoiced, ...line } = rows[0]!;
  return { cancelled: _cancelled, invoiced: _invoiced, line: line.id ? (line as CreditLine) : null };
}

/** What passGateForRejection's statement fails with when the order has a DRAFT invoice (the rest of its message). */
export const DRAFT_TO_VOID = 'has a DRAFT invoice to void';

/**
 * order.rejected's common case in one statement: the order's gate passed (as passOrderGate: remembered, never
 * cancelling) when the order has no DRAFT invoice to void — it has none when its credit was refused (the usual
 * reason for a rejection). Run with `last`, it commits with the event's ProcessedEvent row; so an order WITH a DRAFT
 * invoice fails the statement itself (a failed cast whose message holds DRAFT_TO_VOID), and nothing is committed.
 */
export async function passGateForRejection(last: SqlRunner, tenantId: string, orderId: string): Promise<void> {
  await last(
    `WITH gate AS (
       ${orderGateUpsert('NULL')}
     )
     SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM "Invoice" WHERE "tenantId" = $1 AND "orderId" = $2 AND "status" = 'DRAFT'::"InvoiceStatus") THEN 1
                 -- (the gate's count keeps the planner from folding this branch at plan time with the parameters as constants)
                 ELSE ('order ' || $2 || ' ${DRAFT_TO_VOID} (gate ' || (SELECT count(*) FROM gate) || ')')::int END AS "passed"`,
    [tenantId, orderId],
  );
}

/** What an approved order.placed writes: the credit taken (credit-term orders only), the events, the DRAFT invoice. */
export interface OrderPlacedWrites {
  tenantId: string;
  /** Credit-term order: the locked line's utilized grows by `amount`, with the CREDIT_RESERVED posting's rows. */
  credit: { lineId: string; amount: string; at: Date; posting: PostingRows } | null;
  events: NewEvent[];
  invoice: DraftInvoice & { id: string };
}

/**
 * ONE statement: the credit line's utilized, the ledger posting and its entries, the outbox rows and — from
 * draftInvoiceCtes — the invoice's number and row. The number locks the tenant's InvoiceSequence row until commit,
 * so this is the transaction's last statement (run with `last`, it commits with it). A credit line not updated
 * (cannot happen: it is locked) or an invoice not written fails the statement itself (a failed cast), so nothing of it
 * is committed.
 */
export async function writeOrderPlaced(sql: SqlRunner, w: OrderPlacedWrites): Promise<WrittenOutboxRow[]> {
  const events = outboxRows(w.events, new Date());
  const c = w.credit;
  const p = c?.posting.posting;
  const entries = c?.posting.entries ?? [];
  const inv = draftInvoiceCtes(w.invoice, 29);
  await sql(
    `WITH credit AS (
       UPDATE "CreditLine" SET "utilized" = "utilized" + $3::text::numeric, "updatedAt" = $4::text::timestamp
       WHERE "id" = $2 AND "tenantId" = $1
       RETURNING "id"
     ),
     posting AS (
       INSERT INTO "LedgerPosting" ("id", "tenantId", "kind", "currency", "description", "invoiceId", "paymentId", "customerId", "walletId", "workerId", "postedAt")
       SELECT $5, $1, $6::text::"LedgerPostingKind", $7::text::"CurrencyCode", $8, $9, $10, $11, $12, $13, $14::text::timestamp
       WHERE $5::text IS NOT NULL
       RETURNING "id"
     ),
     entries AS (
       INSERT INTO "LedgerEntry" ("id", "tenantId", "postingId", "account", "currency", "amount", "customerId", "walletId", "workerId", "createdAt")
       SELECT e.id, $1, posting."id", e.account::"LedgerAccount", e.currency::"CurrencyCode", e.amount::numeric, e."customerId", e."walletId", e."workerId", e."createdAt"::timestamp
       FROM unnest($15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[])
            AS e(id, "postingId", account, currency, amount, "customerId", "walletId", "workerId", "createdAt")
       JOIN posting ON posting."id" = e."postingId"
     ),
     events AS (
       INSERT INTO "OutboxEvent" ("id", "tenantId", "type", "aggregateId", "payload", "occurredAt", "attempts")
       SELECT e.id, e."tenantId", e.type, e."aggregateId", e.payload::jsonb, $29::text::timestamp, 0
       FROM unnest($24::text[], $25::text[], $26::text[], $27::text[], $28::text[]) AS e(id, "tenantId", type, "aggregateId", payload)
     ),
     ${inv.ctes}
     SELECT CASE WHEN c.credited = $${30 + inv.params.length}::int AND d."invoiceId" IS NOT DISTINCT FROM $30::text THEN 1
                 ELSE ('order-to-cash: ' || c.credited || ' credit lines updated, invoice ' || coalesce(d."invoiceId", 'not written'))::int END AS "checked"
     FROM (SELECT count(*)::int AS credited FROM credit) c, (SELECT (SELECT "id" FROM "draft") AS "invoiceId") d`,
    [
      w.tenantId, c?.lineId ?? null, c?.amount ?? '0', c ? utc(c.at) : null,
      p?.id ?? null, p?.kind ?? null, p?.currency ?? null, p?.description ?? null, p?.invoiceId ?? null, p?.paymentId ?? null,
      p?.customerId ?? null, p?.walletId ?? null, p?.workerId ?? null, p ? utc(p.postedAt) : null,
      entries.map((e) => e.id), entries.map((e) => e.postingId), entries.map((e) => e.account), entries.map((e) => e.currency), entries.map((e) => e.amount.toFixed()),
      entries.map((e) => e.customerId), entries.map((e) => e.walletId), entries.map((e) => e.workerId), entries.map((e) => utc(e.createdAt)),
      events.map((e) => e.id), events.map((e) => e.tenantId), events.map((e) => e.type), events.map((e) => e.aggregateId), events.map((e) => e.json),
      events[0] ? utc(events[0].occurredAt) : null,
      ...inv.params,
      c ? 1 : 0,
    ],
  );
  return events;
}
