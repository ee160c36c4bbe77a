import { authorize, dec, isCurrency, MINOR_UNITS, money, newId, userError, type CurrencyCode, type Decimal, type UserError, type Viewer } from '@omniroute/core';
import type { Invoice, Payment, PrismaClient } from '../../generated/prisma/client.ts';
import { isUniqueViolation, TX_OPTIONS } from '../../db.ts';
import { FinanceErrorCode as E, hasValidScale } from '../credit/credit.service.ts';
import type { InvoiceService } from '../invoices/invoices.service.ts';
import { amountDue } from '../invoices/invoice.rules.ts';
import { lookupCharge, type OrchestratedCharge, type PaymentMethod, type PaymentOrchestrator } from './providers.ts';
import { paymentPolicies } from './payments.policies.ts';

export interface RecordPaymentInput {
  invoiceId: string;
  amount: Decimal;
  currencyCode?: string | null;
  method: PaymentMethod;
  idempotencyKey: string;
}

/** Payload of recordPayment: the payment and invoice also accompany some errors (a failed charge, a replay). */
export interface RecordPaymentResult {
  payment: Payment | null;
  invoice: Invoice | null;
  userErrors: UserError[];
}

const refused = (code: string, message: string, field: string[]): RecordPaymentResult => ({ payment: null, invoice: null, userErrors: [userError(code, message, ['input', ...field])] });

function errorsFor(p: Payment): UserError[] {
  if (p.status === 'FAILED') return [userError(E.PAYMENT_FAILED, `Payment failed: ${p.failureReason ?? 'declined'}`, ['input'])];
  if (p.status === 'PENDING') return [userError(E.PAYMENT_PENDING, 'The payment is still being processed; retry later with the same idempotencyKey', ['input'])];
  return [];
}

type Claim = { kind: 'claimed'; payment: Payment; invoice: Invoice } | { kind: 'refused'; result: RecordPaymentResult };

/** A concurrent request holds the idempotency key: wait for its outcome instead of charging again. */
class KeyTaken extends Error {}

/**
 * Payments: takes money against invoices through the provider orchestration, exactly once per idempotency key.
 *
 * Two short transactions around the provider call, so no database transaction waits on a provider:
 *  1. claim — lock the invoice, validate against what is due (minus charges in flight), insert a PENDING payment
 *     (the unique (tenantId, idempotencyKey) index makes a concurrent retry lose and wait for the winner);
 *  2. charge through the providers (fallback on failure);
 *  3. settle — mark the payment SUCCEEDED/FAILED and apply it to the invoice (credit, ledger, outbox, review).
 */
export class PaymentService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly invoices: InvoiceService,
    private readonly orchestrator: PaymentOrchestrator,
    private readonly onCommitted: () => void = () => {},
    private readonly waitForPendingMs = 15_000,
    /** A PENDING payment older than this is resumed by a retry instead of waited for. */
    private readonly staleAfterMs = 60_000,
  ) {}

  async record(viewer: Viewer | null, input: RecordPaymentInput): Promise<RecordPaymentResult> {
    const v = authorize(paymentPolicies['Mutation.recordPayment'], viewer);
    const key = input.idempotencyKey.trim();
    if (!key || key.length > 200) return refused(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', ['idempotencyKey']);
    if (!input.invoiceId || input.invoiceId.length > 200) return refused(E.INVALID_INPUT, 'invoiceId must be 1–200 characters', ['invoiceId']);
    if (input.currencyCode != null && !isCurrency(input.currencyCode)) return refused(E.INVALID_INPUT, 'Unknown currency', ['currencyCode']);
    const amount = dec(input.amount);
    if (amount.lte(0)) return refused(E.INVALID_AMOUNT, 'amount must be greater than zero', ['amount']);

    const existing = await this.prisma.payment.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } } });
    if (existing) return this.replay(v.tenantId, existing, input);

    let claimed: Claim;
    try {
      claimed = await this.claim(v.tenantId, key, amount, input);
    } catch (error) {
      if (!(error instanceof KeyTaken) && !isUniqueViolation(error)) throw error;
      const winner = await this.prisma.payment.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } } });
      if (!winner) throw error;
      return this.replay(v.tenantId, winner, input);
    }
    if (claimed.kind === 'refused') return claimed.result;

    return this.chargeAndSettle(claimed.payment);
  }

  /**
   * Reconciler (every process, all tenants): payments PENDING longer than `olderThanMs` were interrupted between
   * claim and settle (a crash mid-charge) and count against what is payable on their invoice. Each provider is
   * asked what it did with the payment's idempotency key: a charge it took settles the payment SUCCEEDED, a
   * decline or no record at all FAILED (nothing was taken; the hold is released). A provider that cannot answer
   * leaves the payment PENDING for the next run. A client retry with the same key in the same instant can race
   * a FAILED settle, hence a threshold well above `staleAfterMs`.
   */
  async reconcilePending(olderThanMs = 5 * 60_000, limit = 100): Promise<{ stuck: number; repaired: number }> {
    const stuck = await this.prisma.payment.findMany({
      where: { status: 'PENDING', createdAt: { lt: new Date(Date.now() - olderThanMs) } },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
    let repaired = 0;
    for (const payment of stuck) {
      const known = await lookupCharge(this.orchestrator, this.chargeRequest(payment));
      if (known === 'unknown') continue;
      await this.settle(payment, known ?? { ok: false, provider: null, reason: 'interrupted before any provider took the charge', attempts: [] });
      repaired++;
    }
    if (repaired > 0) this.onCommitted();
    return { stuck: stuck.length, repaired };
  }

  private chargeRequest(payment: Payment) {
    return {
      tenantId: payment.tenantId, paymentId: payment.id, amount: dec(payment.amount), currencyCode: payment.currency as CurrencyCode,
      method: payment.method, idempotencyKey: `${payment.tenantId}:${payment.idempotencyKey}`,
    };
  }

  /** Steps 2 and 3 for a PENDING payment: charge through the providers, then settle. */
  private async chargeAndSettle(payment: Payment): Promise<RecordPaymentResult> {
    const outcome = await this.orchestrator.charge(this.chargeRequest(payment));
    const result = await this.settle(payment, outcome);
    this.onCommitted();
    return result;
  }

  /**
   * Step 3, idempotent: under the invoice lock, a payment still PENDING becomes FAILED or SUCCEEDED and is applied
   * to the invoice; one settled already (by a resumed retry) is returned as it is.
   */
  private settle(payment: Payment, outcome: OrchestratedCharge): Promise<RecordPaymentResult> {
    const paymentId = payment.id;
    return this.prisma.$transaction(async (tx) => {
      const inv = (await this.invoices.lock(tx, payment.tenantId, { id: payment.invoiceId }))!;
      const current = (await tx.payment.findUnique({ where: { id: paymentId } }))!;
      if (current.status !== 'PENDING') return { payment: current, invoice: inv, userErrors: errorsFor(current) };
      if (!outcome.ok) {
        const failed = await tx.payment.update({
          where: { id: paymentId },
          data: { status: 'FAILED', provider: outcome.provider, failureReason: outcome.reason.slice(0, 500), attempts: outcome.attempts as never },
        });
        return { payment: failed, invoice: inv, userErrors: errorsFor(failed) };
      }
      const at = new Date();
      const succeeded = await tx.payment.update({
        where: { id: paymentId },
        data: { status: 'SUCCEEDED', provider: outcome.provider, reference: outcome.reference, receivedAt: at, attempts: outcome.attempts as never },
      });
      const invoice = await this.invoices.applyPayment(tx, inv, { paymentId, amount: money(current.amount, current.currency as CurrencyCode), at });
      return { payment: succeeded, invoice, userErrors: [] };
    }, TX_OPTIONS);
  }

  /** Step 1: validate against the locked invoice and insert the PENDING payment, or return why not. */
  private claim(tenantId: string, key: string, amount: Decimal, input: RecordPaymentInput): Promise<Claim> {
    const no = (code: string, message: string, field: string): Claim => ({ kind: 'refused', result: refused(code, message, [field]) });
    return this.prisma.$transaction(async (tx): Promise<Claim> => {
      const inv = await this.invoices.lock(tx, tenantId, { id: input.invoiceId });
      if (!inv) return no(E.INVOICE_NOT_FOUND, 'No such invoice', 'invoiceId');
      // Checked again under the invoice lock: a concurrent retry that got here first has committed its claim.
      if (await tx.payment.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } }, select: { id: true } })) throw new KeyTaken();
      const currency = inv.currency as CurrencyCode;
      if (input.currencyCode && input.currencyCode !== currency) {
        return no(E.CURRENCY_MISMATCH, `The invoice is in ${currency}; pay in ${currency}, not ${input.currencyCode}`, 'currencyCode');
      }
      if (!hasValidScale(amount, currency)) return no(E.INVALID_AMOUNT, `${currency} amounts have at most ${MINOR_UNITS[currency]} decimals`, 'amount');
      if (inv.status === 'VOID') return no(E.INVOICE_VOID, `Invoice ${inv.number} is void`, 'invoiceId');
      const due = amountDue(inv);
      if (due.lte(0)) return no(E.INVOICE_ALREADY_PAID, `Invoice ${inv.number} is paid`, 'invoiceId');
      const inFlight = await tx.payment.aggregate({ where: { invoiceId: inv.id, tenantId, status: 'PENDING' }, _sum: { amount: true } });
      const payable = due.minus(dec(inFlight._sum.amount ?? 0));
      if (amount.gt(payable)) {
        return no(E.AMOUNT_EXCEEDS_DUE, `Amount exceeds what is due on ${inv.number} (${payable.toFixed(MINOR_UNITS[currency])} ${currency})`, 'amount');
      }
      const payment = await tx.payment.create({
        data: { id: newId('pay'), tenantId, invoiceId: inv.id, currency, amount, method: input.method, status: 'PENDING', idempotencyKey: key },
      });
      return { kind: 'claimed', payment, invoice: inv };
    }, TX_OPTIONS);
  }

  /** A retry: the first request's payment (waiting while it is being charged) and the invoice as it is now. */
  private async replay(tenantId: string, first: Payment, input: RecordPaymentInput): Promise<RecordPaymentResult> {
    const sameRequest =
      first.invoiceId === input.invoiceId && dec(first.amount).eq(dec(input.amount)) && first.method === input.method && (!input.currencyCode || input.currencyCode === first.currency);
    if (!sameRequest) return refused(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different payment', ['idempotencyKey']);
    let payment = first;
    const deadline = Date.now() + this.waitForPendingMs;
    while (payment.status === 'PENDING' && Date.now() < deadline && Date.now() - payment.createdAt.getTime() < this.staleAfterMs) {
      await new Promise((r) => setTimeout(r, 25));
      payment = (await this.prisma.payment.findUnique({ where: { id: first.id } }))!;
    }
    // Claimed long ago and never settled (the process died mid-charge): finish it. Providers answer a known
    // idempotency key with the first outcome, so this never charges twice; settle() applies it at most once.
    if (payment.status === 'PENDING' && Date.now() - payment.createdAt.getTime() >= this.staleAfterMs) return this.chargeAndSettle(payment);
    const invoice = await this.prisma.invoice.findFirst({ where: { id: payment.invoiceId, tenantId } });
    return { payment, invoice, userErrors: errorsFor(payment) };
  }
}
