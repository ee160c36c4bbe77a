import { authorize, dec, formatAmount, money, newId, objectRuleOf, pageWindow, requireBoundCustomer, toConnection, type Connection, type ConnectionArgs, type CurrencyCode, type Money } from '@omniroute/core';
import { enqueue } from '@omniroute/events';
import type { RequestScope } from '../../context.ts';
import type { Invoice, InvoiceStatus, Prisma, PrismaClient } from '../../generated/prisma/client.ts';
import { SOURCE, type Tx } from '../../db.ts';
import type { CreditService } from '../credit/credit.service.ts';
import { dueDateFor, type PaymentTerms } from '../credit/credit.rules.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { invoiceIssued, invoiceVoided, paymentReceived } from '../ledger/ledger.rules.ts';
import { amountDue, invoiceNumberStem, nextStatus, overdueCutoff } from './invoice.rules.ts';
import { invoicePolicies } from './invoices.policies.ts';

/** A reference to an order (owned by commerce). */
export type OrderRef = { id: string };

export interface InvoiceFilter {
  status?: InvoiceStatus | null;
  customerId?: string | null;
}

/** The payload of invoice.* and payment.* events (docs/events.md). */
export function invoiceEventPayload(inv: Invoice, amount: Money) {
  const currency = inv.currency as CurrencyCode;
  return {
    invoiceId: inv.id, orderId: inv.orderId, customerId: inv.customerId,
    amount: { amount: formatAmount(amount.amount, amount.currencyCode), currencyCode: amount.currencyCode },
    amountDue: { amount: formatAmount(amountDue(inv), currency), currencyCode: currency },
    status: inv.status,
  };
}

export interface DraftInvoice {
  id?: string;
  tenantId: string;
  orderId: string;
  customerId: string;
  terms: PaymentTerms;
  total: Money;
  onCredit: boolean;
}

/**
 * The DRAFT invoice's number and row as two CTEs of one statement, `seq` (the tenant's InvoiceSequence row, locked
 * until commit) then `draft` (the invoice, RETURNING it); parameters from $<first + 1>. The one source of the
 * draft's SQL: createDraft (Prisma) and the order-to-cash driver path (events/order-placed.sql.ts) both write it.
 */
export function draftInvoiceCtes(o: DraftInvoice, first: number): { ctes: string; params: unknown[] } {
  const $ = (n: number) => `$${first + n}`;
  return {
    ctes: `"seq" AS (
        INSERT INTO "InvoiceSequence" ("tenantId", "lastNumber") VALUES (${$(2)}, 20001)
        ON CONFLICT ("tenantId") DO UPDATE SET "lastNumber" = "InvoiceSequence"."lastNumber" + 1
        RETURNING "lastNumber"),
      "draft" AS (
        INSERT INTO "Invoice" ("id", "tenantId", "number", "orderId", "customerId", "status", "paymentTerms", "onCredit", "currency", "total", "amountPaid", "createdAt", "updatedAt")
        SELECT ${$(1)}, ${$(2)}, ${$(3)} || "seq"."lastNumber"::text, ${$(4)}, ${$(5)}, 'DRAFT'::"InvoiceStatus",
               ${$(6)}::text::"PaymentTerms", ${$(7)}::boolean, ${$(8)}::text::"CurrencyCode", ${$(9)}::text::numeric, 0, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
        FROM "seq"
        RETURNING "id", "tenantId", "number", "orderId", "customerId", "status"::text AS "status", "paymentTerms"::text AS "paymentTerms", "onCredit",
                  "currency"::text AS "currency", "total", "amountPaid", "issuedAt", "dueDate", "paidAt", "voidedAt", "createdAt", "updatedAt")`,
    params: [o.id ?? newId('inv'), o.tenantId, invoiceNumberStem(o.tenantId), o.orderId, o.customerId, o.terms, o.onCredit, o.total.currencyCode, o.total.amount.toFixed()],
  };
}

/** Invoices: drafts for approved orders, issue on delivery, payments applied, voids; reads scoped by tenant. */
export class InvoiceService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly credit: CreditService,
    private readonly ledger: LedgerService,
  ) {}

  orderRef({ viewer }: RequestScope, id: string): OrderRef | null {
    return viewer ? { id } : null;
  }

  async list({ viewer }: RequestScope, args: ConnectionArgs & { filter?: InvoiceFilter | null }): Promise<Connection<Invoice>> {
    const v = authorize(invoicePolicies['Query.invoices'], viewer);
    const { first, afterId } = pageWindow(args);
    const where: Prisma.InvoiceWhereInput = { tenantId: v.tenantId };
    if (args.filter?.status) where.status = args.filter.status;
    if (args.filter?.customerId) where.customerId = args.filter.customerId;
    if (afterId) where.id = { gt: afterId };
    const rows = await this.prisma.invoice.findMany({ where, orderBy: { id: 'asc' }, take: first + 1 });
    return toConnection(rows, first, afterId);
  }

  async get({ viewer }: RequestScope, id: string): Promise<Invoice | null> {
    const v = authorize(invoicePolicies['Query.invoice'], viewer);
    return this.prisma.invoice.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  /** `Order.invoice`: the order's invoice; a retailer sees only its own customer's. */
  async ofOrder({ viewer, loaders }: RequestScope, orderId: string): Promise<Invoice | null> {
    const policy = invoicePolicies['Order.invoice'];
    const v = authorize(policy, viewer);
    const invoice = await loaders.invoiceByOrderId.load(orderId);
    if (invoice && objectRuleOf(policy, v) === 'OWN_CUSTOMER' && invoice.customerId !== requireBoundCustomer(v)) return null;
    return invoice;
  }

  /**
   * The DRAFT invoice of an approved order, in the consumer's transaction. Its number comes from the tenant's one
   * InvoiceSequence row, locked until the transaction ends and so serialising every tenant's invoices: number and
   * invoice are one statement, to be the transaction's last (the caller enqueues its events before, with `id`).
   */
  async createDraft(tx: Tx, o: DraftInvoice): Promise<Invoice> {
    const d = draftInvoiceCtes(o, 0);
    const [invoice] = await tx.$queryRawUnsafe<Invoice[]>(`WITH ${d.ctes} SELECT * FROM "draft"`, ...d.params);
    return invoice!;
  }

  async findByOrder(tx: Tx, tenantId: string, orderId: string): Promise<Invoice | null> {
    return tx.invoice.findUnique({ where: { tenantId_orderId: { tenantId, orderId } } });
  }

  /**
   * Goods delivered: the invoice is issued at the delivery time, due after the days of its payment terms, and the
   * receivable is posted. Returns null when there is nothing to issue (no invoice, void, or issued already).
   */
  async issueForDelivery(tx: Tx, o: { tenantId: string; orderId: string; deliveredAt: Date }): Promise<Invoice | null> {
    const inv = await this.lock(tx, o.tenantId, { orderId: o.orderId });
    if (!inv || inv.status === 'VOID' || inv.issuedAt) return null;
    const issuedAt = o.deliveredAt;
    const dueDate = dueDateFor(inv.paymentTerms, issuedAt);
    const updated = await tx.invoice.update({
      where: { id: inv.id },
      data: { issuedAt, dueDate, status: nextStatus(inv.status, { ...inv, issuedAt }) },
    });
    const currency = inv.currency as CurrencyCode;
    await this.ledger.post(tx, invoiceIssued({ tenantId: inv.tenantId, currency, invoiceId: inv.id, customerId: inv.customerId }, inv.total, inv.number));
    await enqueue(tx, SOURCE, [{ type: 'invoice.issued', tenantId: inv.tenantId, aggregateId: inv.id, payload: invoiceEventPayload(updated, money(inv.total, currency)) }]);
    return updated;
  }

  /**
   * Order cancelled or rejected: the invoice becomes VOID, the credit it still holds is released and an issued
   * receivable is reversed. With onlyDraft (order.rejected) only a DRAFT is voided. Returns null when nothing changed.
   */
  async voidForOrder(tx: Tx, o: { tenantId: string; orderId: string; onlyDraft: boolean; reason: string }): Promise<Invoice | null> {
    const inv = await this.lock(tx, o.tenantId, { orderId: o.orderId });
    if (!inv || inv.status === 'VOID' || (o.onlyDraft && inv.status !== 'DRAFT')) return null;
    const currency = inv.currency as CurrencyCode;
    const outstanding = money(amountDue(inv), currency);
    const updated = await tx.invoice.update({ where: { id: inv.id }, data: { status: 'VOID', voidedAt: new Date() } });
    if (inv.onCredit) {
      await this.credit.release(tx, { tenantId: inv.tenantId, customerId: inv.customerId, amount: outstanding, ref: inv.number, reason: 'VOID', invoiceId: inv.id });
    }
    if (inv.issuedAt && outstanding.amount.gt(0)) {
      await this.ledger.post(tx, invoiceVoided({ tenantId: inv.tenantId, currency, invoiceId: inv.id, customerId: inv.customerId }, outstanding.amount, inv.number));
    }
    await enqueue(tx, SOURCE, [{ type: 'invoice.voided', tenantId: inv.tenantId, aggregateId: inv.id, payload: { ...invoiceEventPayload(updated, outstanding), reason: o.reason } }]);
    return updated;
  }

  /**
   * A successful payment applied to a locked invoice: amount paid and status, the credit it frees, the ledger
   * posting and the outbox events. The caller (PaymentService) validated the amount against what is due.
   */
  async applyPayment(tx: Tx, inv: Invoice, p: { paymentId: string; amount: Money; at: Date; fromWalletId?: string }): Promise<Invoice> {
    const amountPaid = dec(inv.amountPaid).plus(p.amount.amount);
    const status = nextStatus(inv.status, { total: inv.total, amountPaid, issuedAt: inv.issuedAt });
    const updated = await tx.invoice.update({
      where: { id: inv.id },
      data: { amountPaid, status, ...(status === 'PAID' ? { paidAt: p.at } : {}) },
    });
    if (inv.onCredit) {
      await this.credit.release(tx, { tenantId: inv.tenantId, customerId: inv.customerId, amount: p.amount, ref: inv.number, reason: 'PAYMENT' });
    }
    await this.ledger.post(
      tx,
      paymentReceived(
        { tenantId: inv.tenantId, currency: p.amount.currencyCode, invoiceId: inv.id, paymentId: p.paymentId, customerId: inv.customerId, walletId: p.fromWalletId ?? null },
        p.amount.amount, inv.number, inv.onCredit, p.fromWalletId ? 'WALLET' : 'CASH',
      ),
      p.at,
    );
    const events = [{ type: 'payment.recorded', tenantId: inv.tenantId, aggregateId: inv.id, payload: { ...invoiceEventPayload(updated, p.amount), paymentId: p.paymentId } }];
    if (status === 'PAID') events.push({ type: 'invoice.paid', tenantId: inv.tenantId, aggregateId: inv.id, payload: { ...invoiceEventPayload(updated, money(inv.total, p.amount.currencyCode)), paymentId: p.paymentId } });
    await enqueue(tx, SOURCE, events);
    await this.credit.review(tx, inv.tenantId, inv.customerId, { adjustLimit: true }, p.at);
    return updated;
  }

  /**
   * Marks issued, unpaid invoices past their day of grace OVERDUE (`isOverdue`; all tenants; run by the background
   * sweep), at most a thousand a run. The statement itself filters by the cutoff: it used to read the first thousand
   * ISSUED invoices due before now and keep the overdue ones in code, so a thousand invoices still in their day of
   * grace filled every run and held the overdue ones behind them back.
   */
  async markOverdue(now = new Date()): Promise<number> {
    const candidates = await this.prisma.invoice.findMany({
      where: { status: 'ISSUED', dueDate: { lt: overdueCutoff(now) } },
      select: { id: true },
      take: 1000,
    });
    if (candidates.length === 0) return 0;
    const { count } = await this.prisma.invoice.updateMany({ where: { id: { in: candidates.map((i) => i.id) }, status: 'ISSUED' }, data: { status: 'OVERDUE' } });
    return count;
  }

  /** The invoice, locked for update until the transaction ends. */
  async lock(tx: Tx, tenantId: string, by: { id: string } | { orderId: string }): Promise<Invoice | null> {
    const rows =
      'id' in by
        ? await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Invoice" WHERE "tenantId" = ${tenantId} AND "id" = ${by.id} FOR UPDATE`
        : await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "Invoice" WHERE "tenantId" = ${tenantId} AND "orderId" = ${by.orderId} FOR UPDATE`;
    if (rows.length === 0) return null;
    return tx.invoice.findUnique({ where: { id: rows[0]!.id } });
  }
}
