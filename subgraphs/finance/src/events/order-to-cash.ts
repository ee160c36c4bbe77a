import { log, newId, parseWireMoney, wireMoney, type Money } from '@omniroute/core';
import { sqlSharedTransactionFor, sqlTransactionFor, type SqlRunner } from '@omniroute/db';
import { writeOutboxSql, driverPathBatch, handleOnce, handleOnceSql, passOrderGate, payloadKey, republishEvents, type Consumer, type DomainEvent, type EventBus, type OutboxClient, type WrittenOutboxRow } from '@omniroute/events';
import type { PrismaClient, Tx } from '../db.ts';
import { checkCredit, isPaymentTerms } from '../modules/credit/credit.rules.ts';
import { reservationPosting, type CreditService } from '../modules/credit/credit.service.ts';
import { postingRows } from '../modules/ledger/ledger.service.ts';
import { DRAFT_TO_VOID, passGateForRejection, readForOrderPlaced, writeOrderPlaced } from './order-placed.sql.ts';
import type { InvoiceService } from '../modules/invoices/invoices.service.ts';

/** One consumer group for the whole order life cycle, so an order's events are handled in publication order. */
export const CONSUMER_GROUP = 'finance.order-to-cash';
export const CONSUMED_TYPES = ['order.placed', 'order.cancelled', 'order.rejected', 'shipment.delivered'];

export interface OrderToCashServices {
  credit: CreditService;
  invoices: InvoiceService;
}

type P = Record<string, unknown>;
const str = (p: P, k: string): string | null => (typeof p[k] === 'string' && (p[k] as string).length > 0 && (p[k] as string).length <= 200 ? (p[k] as string) : null);
function dateOf(v: unknown): Date | null {
  const d = typeof v === 'string' ? new Date(v) : null;
  return d && !Number.isNaN(d.getTime()) ? d : null;
}

/** Malformed events are logged and acknowledged: redelivering them would never succeed. */
function skip(e: DomainEvent, why: string): void {
  log.warn('finance: skipped malformed event', { type: e.type, eventId: e.id, why });
}

/** The fields of a well-formed order.placed; null when it is malformed (logged; acknowledged). */
function orderPlacedOf(e: DomainEvent) {
  const p = e.payload as P;
  const orderId = str(p, 'orderId');
  const customerId = str(p, 'customerId');
  const total = parseWireMoney(p.total);
  const terms = p.paymentTerms;
  if (!orderId || !customerId || !total || !isPaymentTerms(terms)) {
    skip(e, 'order.placed needs orderId, customerId, total and paymentTerms');
    return null;
  }
  return { tenantId: e.tenantId, orderId, customerId, total, terms, orderNumber: str(p, 'number') ?? orderId };
}

/**
 * order.placed → credit check, DRAFT invoice, credit.approved | credit.rejected, on the driver path
 * (order-placed.sql.ts), in the transaction that records the event as processed (handleOnceSql): the gate passed,
 * the invoice looked for and the credit line locked in one statement; checkCredit; then the credit taken (utilized
 * and its CREDIT_RESERVED posting), the answer's outbox row and the invoice in one more. An order cancelled before
 * its order.placed is seen (events out of order across replicas) holds no credit; a re-sent one is decided already.
 */
export function orderPlacedHandler() {
  // `last` runs the final write, which commits with it (handleOnceSql's transaction)
  return async (e: DomainEvent, sql: SqlRunner, last: SqlRunner, written: WrittenOutboxRow[] = []): Promise<void> => {
    const o = orderPlacedOf(e);
    if (!o) return;
    const { tenantId, orderId, customerId, total, terms } = o;
    const state = await readForOrderPlaced(sql, { tenantId, orderId, customerId });
    if (state.cancelled || state.invoiced) return;
    const decision = checkCredit(terms, total, state.line);
    if (!decision.approved) {
      const wire = (m: Money) => wireMoney(m.amount, m.currencyCode);
      // handed to the relay once committed, as the approval's (no poll of the outbox for it)
      written.push(...await writeOutboxSql(last, [{
        type: 'credit.rejected', tenantId, aggregateId: orderId,
        payload: { orderId, customerId, reason: decision.reason, available: wire(decision.available), required: wire(decision.required) },
      }]));
      return;
    }
    const invoiceId = newId('inv');
    const at = new Date();
    written.push(...await writeOrderPlaced(last, {
      tenantId,
      credit: decision.onCredit ? { lineId: state.line!.id, amount: total.amount.toFixed(), at, posting: postingRows(reservationPosting(o), at) } : null,
      events: [{ type: 'credit.approved', tenantId, aggregateId: orderId, payload: { orderId, customerId, invoiceId } }],
      invoice: { id: invoiceId, tenantId, orderId, customerId, terms, total, onCredit: decision.onCredit },
    }));
  };
}

/** order.rejected found a DRAFT invoice to void: the driver path rolls back, the event goes through Prisma (orderToCashHandler). */
export class InvoiceToVoid extends Error {
  constructor(orderId: string) {
    super(`order ${orderId} has a DRAFT invoice to void`);
    this.name = 'InvoiceToVoid';
  }
}

/**
 * order.rejected on the driver path (issue 17: under placeOrder load one order in five or six was rejected for its
 * credit, and this handler ran four statements through Prisma for each): the gate passed when there is no DRAFT
 * invoice, in one statement that commits with the ProcessedEvent row. An order with a DRAFT invoice fails that
 * statement (nothing committed) and throws InvoiceToVoid: orderToCashEvents then voids it through Prisma, as before.
 */
export function orderRejectedHandler() {
  return async (e: DomainEvent, last: SqlRunner): Promise<void> => {
    const orderId = str(e.payload as P, 'orderId');
    if (!orderId) return skip(e, `${e.type} needs orderId`);
    try {
      await passGateForRejection(last, e.tenantId, orderId);
    } catch (error) {
      if (String((error as Error)?.message).includes(DRAFT_TO_VOID)) throw new InvoiceToVoid(orderId);
      throw error;
    }
  };
}

/**
 * The rest of order-to-cash, through Prisma in the transaction that records the event as processed (handleOnce);
 * order.placed is orderPlacedHandler's:
 * order.cancelled → invoice VOID, credit released (remembered when it comes first: no credit is then held);
 * order.rejected → DRAFT invoice VOID;
 * shipment.delivered → invoice ISSUED, due per payment terms.
 */
export function orderToCashHandler(s: OrderToCashServices) {
  return async (e: DomainEvent, tx: Tx): Promise<void> => {
    const p = e.payload as P;
    const tenantId = e.tenantId;
    switch (e.type) {
      case 'order.placed':
        throw new Error('order-to-cash: order.placed is handled on the driver path (orderPlacedHandler)');
      case 'order.cancelled':
      case 'order.rejected': {
        const orderId = str(p, 'orderId');
        if (!orderId) return skip(e, `${e.type} needs orderId`);
        // a cancellation is remembered even when the order's order.placed has not been handled yet
        await passOrderGate(tx, tenantId, orderId, e.type === 'order.cancelled' ? { at: dateOf(e.occurredAt) ?? new Date() } : undefined);
        await s.invoices.voidForOrder(tx, { tenantId, orderId, onlyDraft: e.type === 'order.rejected', reason: e.type === 'order.cancelled' ? 'ORDER_CANCELLED' : 'ORDER_REJECTED' });
        return;
      }
      case 'shipment.delivered': {
        const orderId = str(p, 'orderId');
        const deliveredAt = dateOf(p.deliveredAt) ?? dateOf(e.occurredAt);
        if (!orderId || !deliveredAt) return skip(e, 'shipment.delivered needs orderId and deliveredAt');
        await s.invoices.issueForDelivery(tx, { tenantId, orderId, deliveredAt });
        return;
      }
    }
  };
}

/**
 * A shipment.delivered handled before came again: logistics' reconciler re-sends it when our invoice.issued never
 * reached it, so that acknowledgement is re-sent (its outbox row, original id; at most once a minute).
 */
export async function resendInvoiceIssued(prisma: PrismaClient, e: DomainEvent): Promise<boolean> {
  const orderId = str(e.payload as P, 'orderId');
  if (!orderId) return false;
  const invoice = await prisma.invoice.findFirst({ where: { tenantId: e.tenantId, orderId, issuedAt: { not: null } }, select: { id: true } });
  if (!invoice) return false;
  return (await republishEvents(prisma as unknown as OutboxClient, { type: 'invoice.issued', aggregateIds: [invoice.id], publishedBefore: new Date(Date.now() - 60_000) })) > 0;
}

/** The events handled on the driver path (orderToCashSql); the others through Prisma (orderToCashHandler). */
export const DRIVER_PATH_TYPES = ['order.placed', 'order.rejected'];

/**
 * One event of DRIVER_PATH_TYPES on the driver path, inside handleOnceSql's or handleManyOnceSql's transaction; the
 * outbox rows written are added to `written` (the caller hands them on once committed).
 */
export function orderToCashSql(): (e: DomainEvent, sql: SqlRunner, last: SqlRunner, written: WrittenOutboxRow[]) => Promise<void> {
  const placed = orderPlacedHandler();
  const rejected = orderRejectedHandler();
  return (e, sql, last, written) => (e.type === 'order.placed' ? placed(e, sql, last, written) : rejected(e, last));
}

/**
 * Handles one event once (handleOnceSql for DRIVER_PATH_TYPES, handleOnce otherwise, and for an order.rejected with
 * an invoice to void); true when it was handled now, false when it had been already. The outbox rows the driver
 * path wrote are added to `written` once committed.
 */
export function orderToCashEvents(prisma: PrismaClient, services: OrderToCashServices): (e: DomainEvent, written?: WrittenOutboxRow[]) => Promise<boolean> {
  const onDriverPath = orderToCashSql();
  const handle = orderToCashHandler(services);
  const transaction = sqlTransactionFor(prisma);
  const throughPrisma = (e: DomainEvent) => handleOnce(prisma as unknown as OutboxClient, CONSUMER_GROUP, e, (tx) => handle(e, tx as Tx));
  return async (e, written = []) => {
    if (!DRIVER_PATH_TYPES.includes(e.type)) return throughPrisma(e);
    try {
      return await handleOnceSql(transaction, CONSUMER_GROUP, e, (sql, last) => onDriverPath(e, sql, last, written));
    } catch (error) {
      if (error instanceof InvoiceToVoid) return throughPrisma(e);
      throw error;
    }
  };
}

/**
 * Subscribes the order-to-cash consumer; each event runs once (orderToCashEvents), then the outbox relay is kicked.
 * Queued events of the driver path are handled together (handleManyOnceSql: one transaction, their statements
 * pipelined), never two of one customer in a batch: each order.placed reads the credit line it then draws on.
 */
export function startOrderToCashConsumer(opts: { bus: EventBus; prisma: PrismaClient; services: OrderToCashServices; onCommitted?: (written?: readonly WrittenOutboxRow[]) => void }): Promise<Consumer> {
  const handle = orderToCashEvents(opts.prisma, opts.services);
  const onDriverPath = orderToCashSql();
  const shared = sqlSharedTransactionFor(opts.prisma);
  return opts.bus.consume(
    CONSUMER_GROUP,
    async (e) => {
      const written: WrittenOutboxRow[] = [];
      const handled = await handle(e, written);
      if (handled || (e.type === 'shipment.delivered' && (await resendInvoiceIssued(opts.prisma, e)))) opts.onCommitted?.(written.length > 0 ? written : undefined);
    },
    {
      types: CONSUMED_TYPES,
      batch: driverPathBatch(shared, CONSUMER_GROUP, { types: DRIVER_PATH_TYPES, key: payloadKey('customerId'), work: onDriverPath, committed: opts.onCommitted }),
    },
  );
}
