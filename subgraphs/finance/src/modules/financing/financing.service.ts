import { authorize, dec, type CurrencyCode, type Decimal, type Viewer } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import type { CreditService } from '../credit/credit.service.ts';
import { creditScore } from '../credit/credit-score.ts';
import { daysOverdue } from '../collections/collections.rules.ts';
import { financingOffers, scoreFactors, type Offer, type ScoreFactor } from './financing.rules.ts';
import { financingPolicies } from './financing.policies.ts';

export interface FinancingOffersView {
  customerId: string;
  invoiceId: string | null;
  currency: CurrencyCode;
  score: number;
  factors: ScoreFactor[];
  eligible: boolean;
  reason: string | null;
  offers: (Offer & { dueDate: Date })[];
}

/**
 * Financing: what a customer's credit score earns — buy-now-pay-later on its purchases or financing of one invoice —
 * as offers of a limit and a fee for 7, 14 and 30 days, with every point of the score explained. (Accepting an
 * offer — the agreement, the distributor paid by the financier, instalments, late fees, default — is issue 16's part 5
 * still to come.)
 */
export class FinancingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly credit: CreditService,
  ) {}

  async offers(viewer: Viewer | null, customerId: string, invoiceId?: string | null, now = new Date()): Promise<FinancingOffersView | null> {
    const v = authorize(financingPolicies['Query.financingOffers'], viewer);
    const h = await this.credit.history(this.prisma, v.tenantId, customerId, now);
    if (!h) return null; // no credit line: nothing to score
    const line = (await this.prisma.creditLine.findUnique({ where: { tenantId_customerId: { tenantId: v.tenantId, customerId } } }))!;
    const open = await this.prisma.invoice.findMany({
      where: { tenantId: v.tenantId, customerId, status: { in: ['ISSUED', 'PARTIALLY_PAID', 'OVERDUE'] } },
      select: { id: true, total: true, amountPaid: true, dueDate: true, currency: true },
    });
    const unpaid = open.filter((i) => dec(i.total).gt(dec(i.amountPaid)));
    let amountDue: Decimal | null = null;
    if (invoiceId) {
      const inv = unpaid.find((i) => i.id === invoiceId && i.currency === h.currency);
      if (!inv) return null; // not an open invoice of this customer
      amountDue = dec(inv.total).minus(dec(inv.amountPaid));
    }
    const score = creditScore(h.history);
    const o = financingOffers({
      score, currency: h.currency, baseLimit: dec(h.baseLimit), onHold: !!line.heldAt, amountDue,
      maxDaysOverdue: Math.max(0, ...unpaid.map((i) => daysOverdue(i.dueDate, now))),
    });
    return {
      customerId, invoiceId: invoiceId ?? null, currency: h.currency, score, factors: scoreFactors(h.history), eligible: o.eligible,
      reason: o.eligible ? null : o.reason, offers: o.offers.map((x) => ({ ...x, dueDate: new Date(now.getTime() + x.tenorDays * 86_400_000) })),
    };
  }
}
