import { log, newId, parseWireMoney, wireMoney, type Money } from '@omniroute/core';
import { enqueue, handleOnce, passOrderGate, republishEvents, type Consumer, type DomainEvent, type EventBus, type OutboxClient } from '@omniroute/events';
import { SOURCE, type PrismaClient, type Tx } from '../db.ts';
import { isPaymentTerms } from '../modules/credit/credit.rules.ts';
import type { CreditService } from '../modules/credit/credit.service.ts';
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

/**
 * The finance side of order-to-cash, run in the transaction that records the event as processed (handleOnce):
 * order.placed → credit check, DRAFT invoice, credit.approved | credit.rejected;
 * order.cancelled → invoice VOID, credit released (remembered when it comes first: no credit is then held);
 * order.rejected → DRAFT invoice VOID;
 * shipment.delivered → invoice ISSUED, due per payment terms.
 */
export function orderToCashHandler(s: OrderToCashServices) {
  return async (e: DomainEvent, tx: Tx): Promise<void> => {
    const p = e.payload as P;
    const tenantId = e.tenantId;
    switch (e.type) {
      case 'order.placed': {
        const orderId = str(p, 'orderId');
        const customerId = str(p, 'customerId');
        const total = parseWireMoney(p.total);
        const terms = p.paymentTerms;
        if (!orderId || !customerId || !total || !isPaymentTerms(terms)) return skip(e, 'order.placed needs orderId, customerId, total and paymentTerms');
        // cancelled before we saw it placed (events out of order across replicas): no credit is held for it
        if ((await passOrderGate(tx, tenantId, orderId)).cancelled) return;
        if (await s.invoices.findByOrder(tx, tenantId, orderId)) return; // decided already (the event was re-sent)
        const decision = await s.credit.reserve(tx, { tenantId, customerId, orderId, orderNumber: str(p, 'number') ?? orderId, terms, total });
        if (!decision.approved) {
          const wire = (m: Money) => wireMoney(m.amount, m.currencyCode);
          await enqueue(tx, SOURCE, [{
            type: 'credit.rejected', tenantId, aggregateId: orderId,
            payload: { orderId, customerId, reason: decision.reason, available: wire(decision.available), required: wire(decision.required) },
          }]);
          return;
        }
        // the invoice last: its number locks the tenant's invoice sequence until commit (createDraft)
        const invoiceId = newId('inv');
        await enqueue(tx, SOURCE, [{ type: 'credit.approved', tenantId, aggregateId: orderId, payload: { orderId, customerId, invoiceId } }]);
        await s.invoices.createDraft(tx, { id: invoiceId, tenantId, orderId, customerId, terms, total, onCredit: decision.onCredit });
        return;
      }
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

/** Subscribes the order-to-cash consumer; each event runs once (handleOnce), then the outbox relay is kicked. */
export function startOrderToCashConsumer(opts: { bus: EventBus; prisma: PrismaClient; services: OrderToCashServices; onCommitted?: () => void }): Promise<Consumer> {
  const handle = orderToCashHandler(opts.services);
  return opts.bus.consume(
    CONSUMER_GROUP,
    async (e) => {
      const handled = await handleOnce(opts.prisma as unknown as OutboxClient, CONSUMER_GROUP, e, (tx) => handle(e, tx as Tx));
      if (handled || (e.type === 'shipment.delivered' && (await resendInvoiceIssued(opts.prisma, e)))) opts.onCommitted?.();
    },
    { types: CONSUMED_TYPES },
  );
}
