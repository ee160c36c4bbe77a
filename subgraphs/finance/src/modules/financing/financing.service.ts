import {
  UserErrorCode as E, authorize, dec, Decimal, fail, log, money, MINOR_UNITS, newId, ok, pageWindow, toConnection,
  type Connection, type ConnectionArgs, type CurrencyCode, type Result,
} from '@omniroute/core';
import type { RequestScope } from '../../context.ts';
import type { FinancingAgreement, FinancingAgreementStatus, FinancingInstalment, PaymentMethod, PrismaClient } from '../../generated/prisma/client.ts';
import { isUniqueViolation, TX_OPTIONS, type Tx } from '../../db.ts';
import type { CreditService } from '../credit/credit.service.ts';
import { creditScore } from '../credit/credit-score.ts';
import { daysOverdue } from '../collections/collections.rules.ts';
import type { InvoiceService } from '../invoices/invoices.service.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { financingDefaulted, financingDrawn, financingLateFee, financingRepaid } from '../ledger/ledger.rules.ts';
import {
  allocateRepayment, DEFAULT_FINANCING_POLICY, financingOffers, instalmentDaysOverdue, instalmentSchedule, isDefaulted, lateFeeDue,
  OFFER_VALID_MS, offerId, parseOfferId, scoreFactors, type FinancingPolicy, type Offer, type ScoreFactor,
} from './financing.rules.ts';
import { financingPolicies } from './financing.policies.ts';

export interface FinancingOffersView {
  customerId: string;
  invoiceId: string | null;
  currency: CurrencyCode;
  score: number;
  factors: ScoreFactor[];
  eligible: boolean;
  reason: string | null;
  offers: (Offer & { id: string | null; dueDate: Date; expiresAt: Date })[];
}

/** An agreement with its instalments, first first (what the GraphQL type maps to). */
export type FinancingAgreementRow = FinancingAgreement & { instalments: FinancingInstalment[] };

const OPEN = ['ISSUED', 'PARTIALLY_PAID', 'OVERDUE'] as const;
const REPAYMENT_METHODS: PaymentMethod[] = ['CASH', 'BANK_TRANSFER', 'MOBILE_MONEY', 'CARD'];
const INSTALMENTS = { instalments: { orderBy: { sequence: 'asc' as const } } };

/** Still owed under an agreement: principal, fee and late fees less what was repaid. */
export const outstandingOf = (a: FinancingAgreement) => dec(a.principal).plus(dec(a.fee)).plus(dec(a.lateFees)).minus(dec(a.repaid));

/** A rejection returned out of a transaction (which then commits nothing but reads). */
class Refusal extends Error {
  constructor(readonly result: Result<never>) {
    super('refused');
  }
}

/**
 * Financing: what a customer's credit score earns — buy-now-pay-later or financing of one invoice, as offers of a
 * limit and a fee for 7, 14 and 30 days with every point of the score explained — and the agreements made by
 * accepting an offer of an invoice: the financier pays the invoice now, the customer repays in instalments, late fees
 * accrue and an agreement unpaid too long defaults (credit hold). Money moves in one transaction with its postings.
 */
export class FinancingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly credit: CreditService,
    private readonly invoices: InvoiceService,
    private readonly ledger: LedgerService,
    private readonly policy: FinancingPolicy = DEFAULT_FINANCING_POLICY,
  ) {}

  async offers(scope: RequestScope, customerId: string, invoiceId?: string | null, now = new Date()): Promise<FinancingOffersView | null> {
    const v = authorize(financingPolicies['Query.financingOffers'], scope.viewer);
    return this.compute(this.prisma, v.tenantId, customerId, invoiceId ?? null, now);
  }

  /** The offers as of `now`, read through `db` (the acceptance's transaction recomputes them under the invoice lock). */
  private async compute(db: Tx | PrismaClient, tenantId: string, customerId: string, invoiceId: string | null, now: Date): Promise<FinancingOffersView | null> {
    const h = await this.credit.history(db, tenantId, customerId, now);
    if (!h) return null; // no credit line: nothing to score
    const [line, open, agreements] = await Promise.all([
      db.creditLine.findUnique({ where: { tenantId_customerId: { tenantId, customerId } } }),
      db.invoice.findMany({
        where: { tenantId, customerId, status: { in: [...OPEN] } },
        select: { id: true, total: true, amountPaid: true, dueDate: true, currency: true },
      }),
      db.financingAgreement.findMany({ where: { tenantId, customerId, status: { in: ['ACTIVE', 'DEFAULTED'] } } }),
    ]);
    const unpaid = open.filter((i) => dec(i.total).gt(dec(i.amountPaid)));
    let amountDue: Decimal | null = null;
    if (invoiceId) {
      const inv = unpaid.find((i) => i.id === invoiceId && i.currency === h.currency);
      if (!inv) return null; // not an open invoice of this customer
      amountDue = dec(inv.total).minus(dec(inv.amountPaid));
    }
    const score = creditScore(h.history);
    const o = financingOffers({
      score, currency: h.currency, baseLimit: dec(h.baseLimit), onHold: !!line!.heldAt, amountDue,
      maxDaysOverdue: Math.max(0, ...unpaid.map((i) => daysOverdue(i.dueDate, now))),
      financingDefaulted: agreements.some((a) => a.status === 'DEFAULTED'),
      financedOutstanding: agreements.filter((a) => a.currency === h.currency).reduce((s, a) => s.plus(outstandingOf(a)), new Decimal(0)),
    });
    return {
      customerId, invoiceId, currency: h.currency, score, factors: scoreFactors(h.history), eligible: o.eligible,
      reason: o.eligible ? null : o.reason,
      offers: o.offers.map((x) => ({
        ...x,
        id: invoiceId ? offerId({ tenantId, customerId, invoiceId, tenorDays: x.tenorDays, currency: h.currency, limit: x.limit.toString(), feeRate: x.feeRate.toString(), quotedAt: now.getTime() }) : null,
        dueDate: new Date(now.getTime() + x.tenorDays * 86_400_000),
        expiresAt: new Date(now.getTime() + OFFER_VALID_MS),
      })),
    };
  }

  async get(scope: RequestScope, id: string): Promise<FinancingAgreementRow | null> {
    const v = authorize(financingPolicies['Query.financingAgreement'], scope.viewer);
    return this.prisma.financingAgreement.findFirst({ where: { id, tenantId: v.tenantId }, include: INSTALMENTS });
  }

  async list(scope: RequestScope, args: ConnectionArgs & { customerId?: string | null; status?: FinancingAgreementStatus | null }): Promise<Connection<FinancingAgreementRow>> {
    const v = authorize(financingPolicies['Query.financingAgreements'], scope.viewer);
    const { first, afterId } = pageWindow(args);
    const rows = await this.prisma.financingAgreement.findMany({
      where: { tenantId: v.tenantId, ...(args.customerId ? { customerId: args.customerId } : {}), ...(args.status ? { status: args.status } : {}), ...(afterId ? { id: { lt: afterId } } : {}) },
      orderBy: { id: 'desc' },
      take: first + 1,
      include: INSTALMENTS,
    });
    return toConnection(rows, first, afterId);
  }

  /**
   * Accepts an offer of an invoice: the terms are recomputed under the invoice's lock and must be no worse than
   * quoted; then, in one transaction, the invoice is paid with the financier's money (a FINANCING payment: cash up,
   * receivable down, credit freed), the agreement and its instalments are written and the customer's debt to the
   * financier is posted. Idempotent on the key; one agreement per offer.
   */
  async accept(scope: RequestScope, input: { offerId: string; amount: string; currencyCode: CurrencyCode; idempotencyKey: string }, now = new Date()): Promise<Result<FinancingAgreementRow>> {
    const v = authorize(financingPolicies['Mutation.acceptFinancingOffer'], scope.viewer);
    const key = input.idempotencyKey.trim();
    if (!key || key.length > 200) return fail(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', ['idempotencyKey']);
    const ref = parseOfferId(input.offerId);
    // another tenant's offer is not found: its existence is not the caller's business
    if (!ref || ref.tenantId !== v.tenantId || ref.quotedAt > now.getTime() + 60_000) return fail(E.OFFER_NOT_FOUND, 'No such offer', ['offerId']);
    const replay = await this.replayAccept(v.tenantId, key, input.offerId);
    if (replay) return replay;
    if (await this.prisma.financingAgreement.findUnique({ where: { tenantId_offerId: { tenantId: v.tenantId, offerId: input.offerId } }, select: { id: true } })) {
      return fail(E.OFFER_ALREADY_ACCEPTED, 'This offer was accepted already', ['offerId']);
    }
    if (now.getTime() > ref.quotedAt + OFFER_VALID_MS) return fail(E.OFFER_EXPIRED, 'The offer has expired; ask for new offers', ['offerId']);
    if (input.currencyCode !== ref.currency) return fail(E.CURRENCY_MISMATCH, `The offer is in ${ref.currency}`, ['currencyCode']);
    if (!/^\d{1,15}(\.\d+)?$/.test(input.amount.trim())) return fail(E.INVALID_AMOUNT, 'amount must be a positive decimal', ['amount']);
    const amount = dec(input.amount.trim());
    if (amount.lte(0) || amount.decimalPlaces() > MINOR_UNITS[ref.currency]) return fail(E.INVALID_AMOUNT, `amount must be more than zero with at most ${MINOR_UNITS[ref.currency]} decimals`, ['amount']);

    try {
      const id = await this.prisma.$transaction(async (tx) => {
        const inv = await this.invoices.lock(tx, v.tenantId, { id: ref.invoiceId });
        if (!inv || inv.customerId !== ref.customerId) throw new Refusal(fail(E.OFFER_NOT_FOUND, 'No such offer', ['offerId']));
        if (!(OPEN as readonly string[]).includes(inv.status) || !inv.dueDate) throw new Refusal(fail(E.INVOICE_NOT_FINANCEABLE, `Invoice ${inv.number} is ${inv.status}`, ['offerId']));
        const now2 = now;
        const current = await this.compute(tx, v.tenantId, ref.customerId, ref.invoiceId, now2);
        if (!current) throw new Refusal(fail(E.INVOICE_NOT_FINANCEABLE, `Nothing is due on invoice ${inv.number}`, ['offerId']));
        if (!current.eligible) throw new Refusal(fail(E.NOT_ELIGIBLE, `No financing now: ${current.reason}`, ['offerId']));
        const offer = current.offers.find((o) => o.tenorDays === ref.tenorDays)!;
        if (offer.limit.lt(ref.limit) || offer.feeRate.gt(ref.feeRate)) {
          throw new Refusal(fail(E.OFFER_CHANGED, `The terms changed since the offer was shown (now ${offer.limit.toString()} ${ref.currency} at ${offer.feeRate.toString()}); ask for new offers`, ['offerId']));
        }
        if (amount.gt(offer.limit)) throw new Refusal(fail(E.AMOUNT_EXCEEDS_LIMIT, `At most ${offer.limit.toString()} ${ref.currency} can be financed`, ['amount']));
        // the quoted fee rate holds (the current one is no higher)
        const feeRate = dec(ref.feeRate);
        const fee = amount.times(feeRate).toDecimalPlaces(MINOR_UNITS[ref.currency], Decimal.ROUND_HALF_EVEN);
        const repayable = amount.plus(fee);
        const agreementId = newId('fag', now.getTime());
        const paymentId = newId('pay', now.getTime());
        await tx.payment.create({
          data: {
            id: paymentId, tenantId: v.tenantId, invoiceId: inv.id, currency: ref.currency, amount, method: 'FINANCING', status: 'SUCCEEDED',
            provider: 'financing', reference: `FIN-${agreementId}`, idempotencyKey: `financing:${key}`, receivedAt: now,
          },
        });
        await this.invoices.applyPayment(tx, inv, { paymentId, amount: money(amount, ref.currency), at: now });
        const schedule = instalmentSchedule(repayable, ref.tenorDays, ref.currency, now);
        await tx.financingAgreement.create({
          data: {
            id: agreementId, tenantId: v.tenantId, customerId: ref.customerId, invoiceId: inv.id, offerId: input.offerId, idempotencyKey: key,
            currency: ref.currency, tenorDays: ref.tenorDays, principal: amount, feeRate, fee, paymentId, acceptedAt: now, dueDate: schedule.at(-1)!.dueDate,
            instalments: { createMany: { data: schedule.map((s) => ({ id: newId('fin', now.getTime()), tenantId: v.tenantId, sequence: s.sequence, dueDate: s.dueDate, amount: s.amount })) } },
          },
        });
        await this.ledger.post(tx, financingDrawn({ tenantId: v.tenantId, currency: ref.currency, invoiceId: inv.id, paymentId, customerId: ref.customerId }, repayable, `${agreementId} (invoice ${inv.number})`), now);
        return agreementId;
      }, TX_OPTIONS);
      log.info('finance: financing offer accepted', { tenantId: v.tenantId, agreementId: id });
      return ok((await this.prisma.financingAgreement.findUnique({ where: { id }, include: INSTALMENTS }))!);
    } catch (error) {
      if (error instanceof Refusal) return error.result;
      if (!isUniqueViolation(error)) throw error;
      // a concurrent acceptance won: the same key gets its agreement, another key is told the offer is taken
      return (await this.replayAccept(v.tenantId, key, input.offerId)) ?? fail(E.OFFER_ALREADY_ACCEPTED, 'This offer was accepted already', ['offerId']);
    }
  }

  private async replayAccept(tenantId: string, key: string, offer: string): Promise<Result<FinancingAgreementRow> | null> {
    const a = await this.prisma.financingAgreement.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } }, include: INSTALMENTS });
    if (!a) return null;
    return a.offerId === offer ? ok(a) : fail(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for another offer', ['idempotencyKey']);
  }

  /**
   * Money received against an agreement: spread over the instalments oldest first (each one's late fee, then its
   * amount), collected and handed on to the financier in one posting; the last of it makes the agreement REPAID and
   * lifts a default's credit hold. Idempotent on the key.
   */
  async recordInstalment(scope: RequestScope, input: { agreementId: string; amount: string; currencyCode: CurrencyCode; method: PaymentMethod; idempotencyKey: string }, now = new Date()): Promise<Result<FinancingAgreementRow>> {
    const v = authorize(financingPolicies['Mutation.recordInstalmentPayment'], scope.viewer);
    const key = input.idempotencyKey.trim();
    if (!key || key.length > 200) return fail(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', ['idempotencyKey']);
    if (!REPAYMENT_METHODS.includes(input.method)) return fail(E.METHOD_NOT_SUPPORTED, `Instalments are recorded as ${REPAYMENT_METHODS.join(', ')}`, ['method']);
    if (!/^\d{1,15}(\.\d+)?$/.test(input.amount.trim())) return fail(E.INVALID_AMOUNT, 'amount must be a positive decimal', ['amount']);
    const amount = dec(input.amount.trim());
    const replay = async (): Promise<Result<FinancingAgreementRow> | null> => {
      const r = await this.prisma.financingRepayment.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } } });
      if (!r) return null;
      if (r.agreementId !== input.agreementId || !dec(r.amount).eq(amount)) return fail(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for another payment', ['idempotencyKey']);
      return ok((await this.prisma.financingAgreement.findUnique({ where: { id: r.agreementId }, include: INSTALMENTS }))!);
    };
    const first = await replay();
    if (first) return first;
    try {
      await this.prisma.$transaction(async (tx) => {
        const a = await this.lockAgreement(tx, v.tenantId, input.agreementId);
        if (!a) throw new Refusal(fail(E.AGREEMENT_NOT_FOUND, 'No such agreement', ['agreementId']));
        const currency = a.currency as CurrencyCode;
        if (a.status === 'REPAID') throw new Refusal(fail(E.AGREEMENT_REPAID, 'The agreement is repaid', ['agreementId']));
        if (input.currencyCode !== currency) throw new Refusal(fail(E.CURRENCY_MISMATCH, `The agreement is in ${currency}`, ['currencyCode']));
        if (amount.lte(0) || amount.decimalPlaces() > MINOR_UNITS[currency]) throw new Refusal(fail(E.INVALID_AMOUNT, `amount must be more than zero with at most ${MINOR_UNITS[currency]} decimals`, ['amount']));
        const outstanding = outstandingOf(a);
        if (amount.gt(outstanding)) throw new Refusal(fail(E.AMOUNT_EXCEEDS_OUTSTANDING, `${outstanding.toString()} ${currency} is outstanding`, ['amount']));
        const instalments = await tx.financingInstalment.findMany({ where: { agreementId: a.id }, orderBy: { sequence: 'asc' } });
        const spread = allocateRepayment(instalments.map((i) => ({ id: i.id, amount: dec(i.amount), lateFee: dec(i.lateFee), paid: dec(i.paid) })), amount);
        for (const s of spread) await tx.financingInstalment.update({ where: { id: s.id }, data: { paid: s.paid, ...(s.settled ? { paidAt: now } : {}) } });
        await tx.financingRepayment.create({ data: { id: newId('frp', now.getTime()), tenantId: v.tenantId, agreementId: a.id, amount, currency, method: input.method, idempotencyKey: key, receivedAt: now } });
        const done = amount.eq(outstanding);
        await tx.financingAgreement.update({ where: { id: a.id }, data: { repaid: dec(a.repaid).plus(amount), ...(done ? { status: 'REPAID', repaidAt: now } : {}) } });
        await this.ledger.post(tx, financingRepaid({ tenantId: v.tenantId, currency, invoiceId: a.invoiceId, customerId: a.customerId }, amount, a.id, a.status === 'DEFAULTED'), now);
        if (done && a.status === 'DEFAULTED') await this.liftDefaultHold(tx, v.tenantId, a.customerId);
      }, TX_OPTIONS);
    } catch (error) {
      if (error instanceof Refusal) return error.result;
      if (!isUniqueViolation(error)) throw error;
      return (await replay())!;
    }
    return ok((await this.prisma.financingAgreement.findUnique({ where: { id: input.agreementId }, include: INSTALMENTS }))!);
  }

  /** `runFinancingCycle`: the job for the caller's tenant (or one agreement of it), now. */
  async runFor(scope: RequestScope, agreementId?: string | null, now = new Date()): Promise<Result<{ lateFees: number; defaulted: number }>> {
    const v = authorize(financingPolicies['Mutation.runFinancingCycle'], scope.viewer);
    if (agreementId != null) {
      const known = await this.prisma.financingAgreement.findFirst({ where: { id: agreementId, tenantId: v.tenantId }, select: { id: true } });
      if (!known) return fail(E.AGREEMENT_NOT_FOUND, 'No such agreement', ['agreementId']);
    }
    return ok(await this.run(now, v.tenantId, agreementId ?? undefined));
  }

  /**
   * The daily job (all tenants, or one): brings each overdue instalment's late fee up to what the policy says it has
   * earned by today, then defaults agreements with an instalment unpaid beyond the policy's days — moving what is
   * outstanding to FINANCED_DEFAULTED and holding the customer's credit. Every step is a function of the day, so
   * running it again changes nothing.
   */
  async run(now = new Date(), tenantId?: string, agreementId?: string): Promise<{ lateFees: number; defaulted: number }> {
    const due = await this.prisma.financingAgreement.findMany({
      where: { status: 'ACTIVE', ...(tenantId ? { tenantId } : {}), ...(agreementId ? { id: agreementId } : {}), instalments: { some: { paidAt: null, dueDate: { lt: now } } } },
      select: { id: true, tenantId: true },
      take: 1000,
    });
    const out = { lateFees: 0, defaulted: 0 };
    for (const { id, tenantId: t } of due) {
      const r = await this.prisma.$transaction(async (tx) => {
        const a = await this.lockAgreement(tx, t, id);
        if (!a || a.status !== 'ACTIVE') return { lateFees: 0, defaulted: 0 };
        const currency = a.currency as CurrencyCode;
        const instalments = await tx.financingInstalment.findMany({ where: { agreementId: a.id, paidAt: null }, orderBy: { sequence: 'asc' } });
        let added = new Decimal(0);
        let grown = 0;
        let worst = 0;
        for (const i of instalments) {
          const days = instalmentDaysOverdue(i.dueDate, now);
          worst = Math.max(worst, days);
          const target = lateFeeDue(dec(i.amount), days, currency, this.policy);
          if (target.lte(dec(i.lateFee))) continue;
          added = added.plus(target.minus(dec(i.lateFee)));
          grown++;
          await tx.financingInstalment.update({ where: { id: i.id }, data: { lateFee: target } });
        }
        const base = { tenantId: t, currency, invoiceId: a.invoiceId, customerId: a.customerId };
        if (added.gt(0)) {
          await tx.financingAgreement.update({ where: { id: a.id }, data: { lateFees: dec(a.lateFees).plus(added) } });
          await this.ledger.post(tx, financingLateFee(base, added, a.id), now);
        }
        if (!isDefaulted(worst, this.policy)) return { lateFees: grown, defaulted: 0 };
        const outstanding = outstandingOf(a).plus(added);
        await tx.financingAgreement.update({ where: { id: a.id }, data: { status: 'DEFAULTED', defaultedAt: now } });
        if (outstanding.gt(0)) await this.ledger.post(tx, financingDefaulted(base, outstanding, a.id), now);
        await tx.creditLine.updateMany({
          where: { tenantId: t, customerId: a.customerId, heldAt: null },
          data: { heldAt: now, holdReason: `financing agreement ${a.id} defaulted (an instalment ${worst} days overdue, more than ${this.policy.defaultAfterDays})` },
        });
        log.warn('finance: financing agreement defaulted', { tenantId: t, agreementId: a.id });
        return { lateFees: grown, defaulted: 1 };
      }, TX_OPTIONS);
      out.lateFees += r.lateFees;
      out.defaulted += r.defaulted;
    }
    return out;
  }

  /** A default repaid in full: the hold it put on the customer's credit goes, unless another default remains. */
  private async liftDefaultHold(tx: Tx, tenantId: string, customerId: string): Promise<void> {
    const others = await tx.financingAgreement.count({ where: { tenantId, customerId, status: 'DEFAULTED' } });
    if (others > 0) return;
    await tx.creditLine.updateMany({ where: { tenantId, customerId, holdReason: { startsWith: 'financing agreement' } }, data: { heldAt: null, holdReason: null } });
  }

  private async lockAgreement(tx: Tx, tenantId: string, id: string): Promise<FinancingAgreement | null> {
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT "id" FROM "FinancingAgreement" WHERE "tenantId" = ${tenantId} AND "id" = ${id} FOR UPDATE`;
    return rows.length ? tx.financingAgreement.findUnique({ where: { id } }) : null;
  }
}
