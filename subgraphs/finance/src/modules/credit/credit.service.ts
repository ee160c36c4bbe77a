import { UserErrorCode as FinanceErrorCode, authorize, dec, Decimal, fail, isCurrency, MINOR_UNITS, newId, objectRuleOf, ok, requireBoundCustomer, type CurrencyCode, type Money, type Result } from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { CreditLine, PrismaClient } from '../../generated/prisma/client.ts';
import { TX_OPTIONS, type Tx } from '../../db.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { creditReleased, creditReserved, type PostingDraft } from '../ledger/ledger.rules.ts';
import { overdueCutoff } from '../invoices/invoice.rules.ts';
import { checkCredit, type CreditDecision, type PaymentTerms } from './credit.rules.ts';
import { creditScore, reviewedLimit, utilizationOf, type PaymentHistory } from './credit-score.ts';
import { creditPolicies } from './credit.policies.ts';

/** A reference to an entity another subgraph owns (Customer, Order): keys identify, they carry no data. */
export type CustomerRef = { id: string };

const MAX_LIMIT = new Decimal('1e13');

/** Amount with no more decimals than the currency has minor units. */
export function hasValidScale(amount: Decimal, currency: keyof typeof MINOR_UNITS): boolean {
  return amount.decimalPlaces() <= MINOR_UNITS[currency];
}

/** The CREDIT_RESERVED posting of a credit-term order approved (reserve; order-to-cash's driver path). */
export function reservationPosting(o: { tenantId: string; customerId: string; orderNumber: string; total: Money }): PostingDraft {
  return creditReserved({ tenantId: o.tenantId, currency: o.total.currencyCode, customerId: o.customerId }, o.total.amount, o.orderNumber);
}

/** Credit lines: limits, the credit check of new orders, utilization, and score reviews. */
export class CreditService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly ledger: LedgerService,
  ) {}

  /** Entity reference: any id is a plausible customer of the caller's tenant; the credit line loader scopes by tenant. */
  customerRef({ viewer }: RequestScope, id: string): CustomerRef | null {
    return viewer ? { id } : null;
  }

  /** `Customer.creditLine`: the customer's line; a retailer sees only its own customer's. */
  async lineOf({ viewer, loaders }: RequestScope, customerId: string): Promise<CreditLine | null> {
    const policy = creditPolicies['Customer.creditLine'];
    const v = authorize(policy, viewer);
    if (objectRuleOf(policy, v) === 'OWN_CUSTOMER' && customerId !== requireBoundCustomer(v)) return null;
    return loaders.creditLineByCustomerId.load(customerId);
  }

  async setCreditLimit({ viewer }: RequestScope, input: { customerId: string; limit: Decimal; currencyCode: string }): Promise<Result<CreditLine>> {
    const v = authorize(creditPolicies['Mutation.setCreditLimit'], viewer);
    const customerId = input.customerId.trim();
    if (!customerId || customerId.length > 200) return fail(FinanceErrorCode.INVALID_INPUT, 'customerId must be 1–200 characters', ['input', 'customerId']);
    if (!isCurrency(input.currencyCode)) return fail(FinanceErrorCode.INVALID_INPUT, 'Unknown currency', ['input', 'currencyCode']);
    const limit = dec(input.limit);
    if (limit.isNegative() || limit.gt(MAX_LIMIT) || !hasValidScale(limit, input.currencyCode)) {
      return fail(FinanceErrorCode.INVALID_AMOUNT, `limit must be between 0 and ${MAX_LIMIT.toFixed()} with at most ${MINOR_UNITS[input.currencyCode]} decimals`, ['input', 'limit']);
    }
    const currency = input.currencyCode;
    return this.prisma.$transaction(async (tx) => {
      const line = await this.lockLine(tx, v.tenantId, customerId);
      if (line && line.currency !== currency) {
        return fail<CreditLine>(FinanceErrorCode.CURRENCY_MISMATCH, `The credit line is in ${line.currency}, not ${currency}`, ['input', 'currencyCode']);
      }
      const saved = line
        ? await tx.creditLine.update({ where: { id: line.id }, data: { baseLimit: limit, limit } })
        : await tx.creditLine.create({ data: { id: newId('crl'), tenantId: v.tenantId, customerId, currency, baseLimit: limit, limit, utilized: 0 } });
      // A limit set by hand applies as given; the score is brought up to date with the new utilization.
      return ok(await this.review(tx, v.tenantId, customerId, { adjustLimit: false }) ?? saved);
    }, TX_OPTIONS);
  }

  /**
   * Credit check of a new order in a Prisma transaction: locks the customer's line so concurrent orders cannot both
   * take the last of the credit, and on approval of a credit-term order adds the total to utilized. (The
   * order-to-cash consumer does the same on the driver path, events/order-placed.sql.ts; tests set up with this.)
   */
  async reserve(tx: Tx, o: { tenantId: string; customerId: string; orderId: string; orderNumber: string; terms: PaymentTerms; total: Money }): Promise<CreditDecision> {
    const line = await this.lockLine(tx, o.tenantId, o.customerId);
    const decision = checkCredit(o.terms, o.total, line);
    if (decision.approved && decision.onCredit) {
      await tx.creditLine.update({ where: { id: line!.id }, data: { utilized: { increment: o.total.amount } } });
      await this.ledger.post(tx, reservationPosting(o));
    }
    return decision;
  }

  /**
   * Credit taken again: a payment on a credit-term invoice went back to the customer's wallet, so that much is owed
   * on credit once more (no check: it was within the line when the order was approved).
   */
  async hold(tx: Tx, o: { tenantId: string; customerId: string; amount: Money; ref: string; invoiceId: string }): Promise<void> {
    if (o.amount.amount.lte(0)) return;
    await tx.$executeRaw`
      UPDATE "CreditLine" SET "utilized" = "utilized" + ${o.amount.amount.toFixed()}::numeric, "updatedAt" = now()
      WHERE "tenantId" = ${o.tenantId} AND "customerId" = ${o.customerId}`;
    await this.ledger.post(tx, creditReserved({ tenantId: o.tenantId, currency: o.amount.currencyCode, customerId: o.customerId, invoiceId: o.invoiceId }, o.amount.amount, o.ref));
  }

  /** Gives credit back (payment received, order cancelled/rejected): utilized down by `amount`, never below zero. */
  async release(tx: Tx, o: { tenantId: string; customerId: string; amount: Money; ref: string; reason: 'PAYMENT' | 'VOID'; invoiceId?: string }): Promise<void> {
    if (o.amount.amount.lte(0)) return;
    await tx.$executeRaw`
      UPDATE "CreditLine" SET "utilized" = GREATEST(0, "utilized" - ${o.amount.amount.toFixed()}::numeric), "updatedAt" = now()
      WHERE "tenantId" = ${o.tenantId} AND "customerId" = ${o.customerId}`;
    // A payment's memo entries are part of the payment posting; a void releases with its own posting.
    if (o.reason === 'VOID') {
      await this.ledger.post(tx, creditReleased({ tenantId: o.tenantId, currency: o.amount.currencyCode, customerId: o.customerId, invoiceId: o.invoiceId }, o.amount.amount, o.ref));
    }
  }

  /**
   * Re-scores the customer's line from its payment history (see credit-score.ts) and, with adjustLimit, sets the
   * limit in force to the approved limit scaled by the score. Returns the line, or null when there is none.
   */
  async review(tx: Tx, tenantId: string, customerId: string, opts: { adjustLimit: boolean }, now = new Date()): Promise<CreditLine | null> {
    const h = await this.history(tx, tenantId, customerId, now);
    if (!h) return null;
    const history = h.history;
    const score = creditScore(history);
    return tx.creditLine.update({
      where: { tenantId_customerId: { tenantId, customerId } },
      data: { score, reviewedAt: now, ...(opts.adjustLimit ? { limit: reviewedLimit(h.baseLimit, score, h.currency) } : {}) },
    });
  }

  /** The payment history the score is computed from, with the line's approved limit; null without a line. */
  async history(tx: Tx | PrismaClient, tenantId: string, customerId: string, now = new Date()): Promise<{ history: PaymentHistory; baseLimit: string; currency: CurrencyCode } | null> {
    const [h] = await tx.$queryRaw<{ onTime: number; late: number; overdue: number; utilized: string | null; baseLimit: string | null; currency: string | null }[]>`
      SELECT
        (SELECT count(*)::int FROM "Payment" p JOIN "Invoice" i ON i."id" = p."invoiceId"
          WHERE p."tenantId" = ${tenantId} AND i."customerId" = ${customerId} AND p."status" = 'SUCCEEDED' AND p."method" <> 'FINANCING'
            AND (i."dueDate" IS NULL OR p."receivedAt" <= i."dueDate")) AS "onTime",
        (SELECT count(*)::int FROM "Payment" p JOIN "Invoice" i ON i."id" = p."invoiceId"
          WHERE p."tenantId" = ${tenantId} AND i."customerId" = ${customerId} AND p."status" = 'SUCCEEDED' AND p."method" <> 'FINANCING'
            AND p."receivedAt" > i."dueDate") AS "late",
        (SELECT count(*)::int FROM "Invoice" i
          WHERE i."tenantId" = ${tenantId} AND i."customerId" = ${customerId}
            AND i."status" IN ('ISSUED', 'PARTIALLY_PAID', 'OVERDUE') AND i."dueDate" < ${overdueCutoff(now)}) AS "overdue",
        c."utilized"::text AS "utilized", c."baseLimit"::text AS "baseLimit", c."currency"::text AS "currency"
      FROM (SELECT 1) one LEFT JOIN "CreditLine" c ON c."tenantId" = ${tenantId} AND c."customerId" = ${customerId}`;
    if (!h?.baseLimit || !h.currency || !isCurrency(h.currency)) return null;
    return { history: { onTime: h.onTime, late: h.late, overdue: h.overdue, utilization: utilizationOf(h.utilized ?? '0', h.baseLimit) }, baseLimit: h.baseLimit, currency: h.currency };
  }

  /** The line, locked for update until the transaction ends (null when the customer has none). */
  private async lockLine(tx: Tx, tenantId: string, customerId: string): Promise<CreditLine | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT "id" FROM "CreditLine" WHERE "tenantId" = ${tenantId} AND "customerId" = ${customerId} FOR UPDATE`;
    if (rows.length === 0) return null;
    return tx.creditLine.findUnique({ where: { id: rows[0]!.id } });
  }
}
