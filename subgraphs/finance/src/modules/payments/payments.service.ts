import {
  UserErrorCode as E, type UserErrorCode, authorize, dec, formatAmount, isCurrency, log, MINOR_UNITS, money, newId, userError,
  type CurrencyCode, type Decimal, type UserError,
} from '@omniroute/core';
import { enqueue } from '@omniroute/events';
import type { RequestScope } from '../../context.ts';
import type { Invoice, Payment, PaymentStatus, Prisma, PrismaClient, Wallet } from '../../generated/prisma/client.ts';
import { isUniqueViolation, SOURCE, TX_OPTIONS, type Tx } from '../../db.ts';
import { hasValidScale, type CreditService } from '../credit/credit.service.ts';
import { invoiceEventPayload, type InvoiceService } from '../invoices/invoices.service.ts';
import { amountDue, nextStatus } from '../invoices/invoice.rules.ts';
import type { LedgerService } from '../ledger/ledger.service.ts';
import { walletRefund, walletTopUp } from '../ledger/ledger.rules.ts';
import type { WalletOwner, WalletService } from '../wallets/wallets.service.ts';
import { lookupCharge, type ChargeAttempt, type ChargeRequest, type OrchestratedCharge, type PaymentMethod, type PaymentOrchestrator } from './providers.ts';
import type { ProviderAccountService } from './provider-accounts.service.ts';
import { RAIL_SLUGS, readWebhook, type CallbackReply, type IncomingCallback, type RailAccount, type RailConnector, type RailName, type RailOutcome } from './rails/index.ts';
import { normalizePhone, nextPollDelay } from './payment.rules.ts';
import { paymentPolicies } from './payments.policies.ts';
import { walletPolicies } from '../wallets/wallets.policies.ts';

export interface RecordPaymentInput {
  invoiceId: string;
  amount: Decimal;
  currencyCode?: string | null;
  method: PaymentMethod;
  idempotencyKey: string;
}

export interface InitiatePaymentInput extends RecordPaymentInput {
  /** The rail that collects the money. */
  provider: RailName;
  /** The payer's phone (E.164): mobile-money prompts go to it. */
  phone: string;
}

export interface TopUpWalletInput {
  customerId?: string | null;
  workerId?: string | null;
  provider: RailName;
  method: PaymentMethod;
  phone: string;
  amount: Decimal;
  currencyCode: CurrencyCode;
  idempotencyKey: string;
}

export interface WalletPaymentResult extends RecordPaymentResult {
  wallet: Wallet | null;
}

/** Payload of recordPayment and initiatePayment: the payment and invoice also accompany some errors (a failed charge, a replay). */
export interface RecordPaymentResult {
  payment: Payment | null;
  invoice: Invoice | null;
  userErrors: UserError[];
}

export interface PaymentTiming {
  /** Wait of a retry of recordPayment for the first request's outcome (default 15 s). */
  waitForPendingMs: number;
  /** A recordPayment PENDING longer than this is resumed by a retry instead of waited for (default 60 s). */
  staleAfterMs: number;
  /** First status poll of a rail payment, after its initiation (default 5 s; callbacks usually come first). */
  firstPollMs: number;
  /** Longest pause between two polls of one payment (default 60 s). */
  maxPollMs: number;
  /** A rail payment with no outcome after this long is FAILED (default 15 min; prompts expire long before). */
  expireAfterMs: number;
  /** A rail payment the provider still does not know after this long never reached it: FAILED (default 2 min). */
  notFoundAfterMs: number;
}

export const DEFAULT_PAYMENT_TIMING: PaymentTiming = {
  waitForPendingMs: 15_000, staleAfterMs: 60_000, firstPollMs: 5_000, maxPollMs: 60_000, expireAfterMs: 15 * 60_000, notFoundAfterMs: 2 * 60_000,
};

/** What else settling a payment touches besides the invoice. */
export interface PaymentDeps {
  wallets: WalletService;
  credit: CreditService;
  ledger: LedgerService;
}

export interface PaymentRails {
  connectors: Record<RailName, RailConnector>;
  accounts: ProviderAccountService;
  /** Public base URL of the gateway, where providers send callbacks (…/webhooks/payments/<rail>/<tenant>). */
  callbackBaseUrl: () => string;
}

const refused = (code: UserErrorCode, message: string, field: string[]): RecordPaymentResult => ({ payment: null, invoice: null, userErrors: [userError(code, message, ['input', ...field])] });

function errorsFor(p: Payment, pendingIsNormal = false): UserError[] {
  if (p.status === 'FAILED') return [userError(E.PAYMENT_FAILED, `Payment failed: ${p.failureReason ?? 'declined'}`, ['input'])];
  if (p.status === 'PENDING' && !pendingIsNormal) return [userError(E.PAYMENT_PENDING, 'The payment is still being processed; retry later with the same idempotencyKey', ['input'])];
  return [];
}

type Claim = { kind: 'claimed'; payment: Payment; invoice: Invoice } | { kind: 'refused'; result: RecordPaymentResult };
/** A claim's extra checks against the invoice (rail currencies, amount precision): [code, message, field] or null. */
type Accept = (currency: CurrencyCode, amount: Decimal) => [UserErrorCode, string, string] | null;

/** A concurrent request holds the idempotency key: wait for its outcome instead of charging again. */
class KeyTaken extends Error {}

/** How a PENDING payment ends. */
interface Settlement {
  status: 'SUCCEEDED' | 'FAILED';
  provider?: string | null;
  reference?: string | null;
  receipt?: string | null;
  reason?: string;
  /** The amount the provider says it collected; a different one is not credited. */
  reportedAmount?: Decimal | null;
  attempts?: ChargeAttempt[];
}

/** A callback as stored (PaymentCallback rows record payments' and payouts' callbacks alike). */
export interface CallbackRecord {
  rail: RailName;
  reference: string | null;
  outcome: PaymentStatus;
  payload: unknown;
}

/**
 * Payments: takes money against invoices exactly once per idempotency key — recorded (recordPayment: money received
 * outside the rails, through the provider orchestration) or collected through a payment rail (initiatePayment: the
 * provider's callback or a status poll settles it later).
 *
 * recordPayment runs two short transactions around the provider call, so no database transaction waits on a provider:
 *  1. claim — lock the invoice, validate against what is due (minus payments in flight), insert a PENDING payment
 *     (the unique (tenantId, idempotencyKey) index makes a concurrent retry lose and wait for the winner);
 *  2. charge through the providers (fallback on failure);
 *  3. settle — mark the payment SUCCEEDED/FAILED and apply it to the invoice (credit, ledger, outbox, review).
 * initiatePayment claims the same way, asks the rail to collect, and returns the PENDING payment; settle runs when
 * the callback or the poll brings the outcome — once, whatever arrives how often and in which order.
 */
export class PaymentService {
  private readonly timing: PaymentTiming;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly invoices: InvoiceService,
    private readonly orchestrator: PaymentOrchestrator,
    private readonly rails: PaymentRails,
    private readonly deps: PaymentDeps,
    private readonly onCommitted: () => void = () => {},
    timing: Partial<PaymentTiming> = {},
  ) {
    this.timing = { ...DEFAULT_PAYMENT_TIMING, ...timing };
  }

  /** One payment of the caller's tenant (same readers as invoices); null when unknown. */
  async get({ viewer }: RequestScope, id: string): Promise<Payment | null> {
    const v = authorize(paymentPolicies['Query.payment'], viewer);
    return this.prisma.payment.findFirst({ where: { id, tenantId: v.tenantId } });
  }

  async record({ viewer }: RequestScope, input: RecordPaymentInput): Promise<RecordPaymentResult> {
    const v = authorize(paymentPolicies['Mutation.recordPayment'], viewer);
    const invalid = validate(input);
    if (invalid) return invalid;
    if (input.method === 'WALLET') return refused(E.METHOD_NOT_SUPPORTED, 'Pay from a wallet with payInvoiceFromWallet', ['method']);
    if (input.method === 'FINANCING') return refused(E.METHOD_NOT_SUPPORTED, 'Financing pays an invoice through acceptFinancingOffer', ['method']);
    const key = input.idempotencyKey.trim();
    const amount = dec(input.amount);

    const existing = await this.byKey(v.tenantId, key);
    if (existing) return this.replay(v.tenantId, existing, input);

    let claimed: Claim;
    try {
      claimed = await this.claim(v.tenantId, key, amount, input, {});
    } catch (error) {
      const winner = await this.loser(error, v.tenantId, key);
      return this.replay(v.tenantId, winner, input);
    }
    if (claimed.kind === 'refused') return claimed.result;
    return this.chargeAndSettle(claimed.payment);
  }

  /**
   * Asks a payment rail to collect the amount from the payer's phone (FINANCE, ADMIN, or a partner key with
   * finance:write). Returns the PENDING payment at once; its callback or the status poll settles it. A retry with
   * the same key returns the same payment and asks the provider nothing.
   */
  async initiate({ viewer }: RequestScope, input: InitiatePaymentInput): Promise<RecordPaymentResult> {
    const v = authorize(paymentPolicies['Mutation.initiatePayment'], viewer);
    const invalid = validate(input);
    if (invalid) return invalid;
    const phone = normalizePhone(input.phone);
    if (!phone) return refused(E.INVALID_PHONE, 'phone must be an international number such as +254712345678', ['phone']);
    const connector = this.rails.connectors[input.provider];
    if (!connector) return refused(E.INVALID_INPUT, 'Unknown provider', ['provider']);
    if (!connector.methods.includes(input.method)) {
      return refused(E.METHOD_NOT_SUPPORTED, `${input.provider} takes ${connector.methods.join(', ')}, not ${input.method}`, ['method']);
    }
    const key = input.idempotencyKey.trim();
    const amount = dec(input.amount);
    const request = { ...input, phone };

    const existing = await this.byKey(v.tenantId, key);
    if (existing) return this.replayInitiated(v.tenantId, existing, request);

    const account = await this.rails.accounts.account(v.tenantId, input.provider);
    if (!account) return refused(E.PROVIDER_NOT_CONFIGURED, `The tenant has no ${input.provider} account configured`, ['provider']);
    const accept: Accept = (currency, amt) => {
      if (!account.currencies.includes(currency)) return [E.CURRENCY_NOT_SUPPORTED, `The ${input.provider} account collects ${account.currencies.join(', ')}, not ${currency}`, 'provider'];
      const why = connector.check({ amount: amt, currency, phone });
      return why ? [E.AMOUNT_NOT_SUPPORTED, why, 'amount'] : null;
    };
    let claimed: Claim;
    try {
      claimed = await this.claim(v.tenantId, key, amount, input, {
        rail: input.provider, phone, provider: input.provider, reference: null, newReference: (id) => connector.newReference(id),
        nextPollAt: new Date(Date.now() + this.timing.firstPollMs), accept,
      });
    } catch (error) {
      const winner = await this.loser(error, v.tenantId, key);
      return this.replayInitiated(v.tenantId, winner, request);
    }
    if (claimed.kind === 'refused') return claimed.result;
    this.onCommitted(); // the payment.updated (PENDING) event
    return this.collect(account, connector, claimed.payment, claimed.invoice.number);
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
      // rail payments are PENDING by design until their callback or the status poll (pollPending) settles them
      where: { status: 'PENDING', rail: null, createdAt: { lt: new Date(Date.now() - olderThanMs) } },
      orderBy: { createdAt: 'asc' },
      take: limit,
    });
    let repaired = 0;
    for (const payment of stuck) {
      const known = await lookupCharge(this.orchestrator, this.chargeRequest(payment));
      if (known === 'unknown') continue;
      const outcome: OrchestratedCharge = known ?? { ok: false, provider: null, reason: 'interrupted before any provider took the charge', attempts: [] };
      if ((await this.settleTx(payment.tenantId, payment.id, settlementOf(outcome))).applied) repaired++;
    }
    if (repaired > 0) this.onCommitted();
    return { stuck: stuck.length, repaired };
  }

  private chargeRequest(payment: Payment): ChargeRequest {
    return {
      tenantId: payment.tenantId, paymentId: payment.id, amount: dec(payment.amount), currencyCode: payment.currency as CurrencyCode,
      method: payment.method as PaymentMethod, idempotencyKey: `${payment.tenantId}:${payment.idempotencyKey}`,
    };
  }

  /**
   * Tops up a customer's or worker's wallet through a payment rail: a PENDING payment with no invoice, settled like
   * any rail payment; when it SUCCEEDS the wallet grows (WALLET_TOP_UP: cash in, the wallet's sub-ledger credited).
   */
  async topUp({ viewer }: RequestScope, input: TopUpWalletInput): Promise<WalletPaymentResult> {
    const v = authorize(walletPolicies['Mutation.topUpWallet'], viewer);
    const no = (code: UserErrorCode, message: string, field: string): WalletPaymentResult => ({ ...refused(code, message, [field]), wallet: null });
    const owners = [input.customerId && { type: 'CUSTOMER' as const, id: input.customerId }, input.workerId && { type: 'WORKER' as const, id: input.workerId }].filter(Boolean) as WalletOwner[];
    if (owners.length !== 1 || owners[0]!.id.length > 200) return no(E.INVALID_INPUT, 'Name exactly one of customerId and workerId', 'customerId');
    const owner = owners[0]!;
    const key = input.idempotencyKey.trim();
    if (!key || key.length > 200) return no(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', 'idempotencyKey');
    const amount = dec(input.amount);
    if (amount.lte(0) || !hasValidScale(amount, input.currencyCode)) return no(E.INVALID_AMOUNT, `amount must be greater than zero with at most ${MINOR_UNITS[input.currencyCode]} decimals`, 'amount');
    const phone = normalizePhone(input.phone);
    if (!phone) return no(E.INVALID_PHONE, 'phone must be an international number such as +254712345678', 'phone');
    const connector = this.rails.connectors[input.provider];
    if (!connector.methods.includes(input.method)) return no(E.METHOD_NOT_SUPPORTED, `${input.provider} takes ${connector.methods.join(', ')}, not ${input.method}`, 'method');

    const existing = await this.byKey(v.tenantId, key);
    if (existing) return this.replayTopUp(v.tenantId, existing, input, owner, phone);
    const account = await this.rails.accounts.account(v.tenantId, input.provider);
    if (!account) return no(E.PROVIDER_NOT_CONFIGURED, `The tenant has no ${input.provider} account configured`, 'provider');
    if (!account.currencies.includes(input.currencyCode)) return no(E.CURRENCY_NOT_SUPPORTED, `The ${input.provider} account collects ${account.currencies.join(', ')}, not ${input.currencyCode}`, 'currencyCode');
    const why = connector.check({ amount, currency: input.currencyCode, phone });
    if (why) return no(E.AMOUNT_NOT_SUPPORTED, why, 'amount');
    let payment: Payment;
    try {
      payment = await this.prisma.$transaction(async (tx) => {
        const wallet = await this.deps.wallets.lockOrCreate(tx, v.tenantId, owner, input.currencyCode);
        if (await tx.payment.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } }, select: { id: true } })) throw new KeyTaken();
        const id = newId('pay');
        const p = await tx.payment.create({
          data: {
            id, tenantId: v.tenantId, walletId: wallet.id, currency: input.currencyCode, amount, method: input.method, status: 'PENDING', idempotencyKey: key,
            rail: input.provider, phone, provider: input.provider, reference: connector.newReference(id), nextPollAt: new Date(Date.now() + this.timing.firstPollMs),
          },
        });
        await paymentEvent(tx, p, null, owner.type === 'CUSTOMER' ? owner.id : null);
        return p;
      }, TX_OPTIONS);
    } catch (error) {
      return this.replayTopUp(v.tenantId, await this.loser(error, v.tenantId, key), input, owner, phone);
    }
    this.onCommitted();
    const r = await this.collect(account, connector, payment, 'Wallet top-up');
    return { ...r, wallet: await this.prisma.wallet.findUnique({ where: { id: payment.walletId! } }) };
  }

  /** A retry of topUpWallet: the payment as it is now; nothing is asked of the provider. */
  private async replayTopUp(tenantId: string, first: Payment, input: TopUpWalletInput, owner: WalletOwner, phone: string): Promise<WalletPaymentResult> {
    const wallet = first.walletId ? await this.prisma.wallet.findFirst({ where: { id: first.walletId, tenantId } }) : null;
    const same = !first.invoiceId && wallet?.ownerType === owner.type && wallet.ownerId === owner.id && first.rail === input.provider && first.phone === phone
      && dec(first.amount).eq(dec(input.amount)) && first.currency === input.currencyCode && first.method === input.method;
    if (!same) return { ...refused(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different payment', ['idempotencyKey']), wallet: null };
    return { payment: first, invoice: null, wallet, userErrors: errorsFor(first, true) };
  }

  /**
   * Pays an invoice from its customer's wallet in the invoice's currency, in one transaction: invoice then wallet
   * locked (the order every wallet movement that touches an invoice takes), the amount checked against what is due
   * and against the balance, a SUCCEEDED payment (method WALLET) applied like any other — the ledger debits the
   * wallet's sub-account instead of cash.
   */
  async payFromWallet({ viewer }: RequestScope, input: { invoiceId: string; amount: Decimal; idempotencyKey: string }): Promise<WalletPaymentResult> {
    const v = authorize(walletPolicies['Mutation.payInvoiceFromWallet'], viewer);
    const request: RecordPaymentInput = { ...input, method: 'WALLET' };
    const invalid = validate(request);
    if (invalid) return { ...invalid, wallet: null };
    const key = input.idempotencyKey.trim();
    const amount = dec(input.amount);
    const replay = async (p: Payment): Promise<WalletPaymentResult> => {
      if (!sameRequest(p, request)) return { ...refused(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different payment', ['idempotencyKey']), wallet: null };
      const [invoice, wallet] = await Promise.all([
        this.prisma.invoice.findFirst({ where: { id: p.invoiceId!, tenantId: v.tenantId } }),
        p.walletId ? this.prisma.wallet.findUnique({ where: { id: p.walletId } }) : null,
      ]);
      return { payment: p, invoice, wallet, userErrors: [] };
    };
    const existing = await this.byKey(v.tenantId, key);
    if (existing) return replay(existing);
    type Outcome = { kind: 'paid'; r: WalletPaymentResult } | { kind: 'refused'; r: WalletPaymentResult };
    let outcome: Outcome;
    try {
      outcome = await this.prisma.$transaction(async (tx): Promise<Outcome> => {
        const no = (code: UserErrorCode, message: string, field: string): Outcome => ({ kind: 'refused', r: { ...refused(code, message, [field]), wallet: null } });
        const inv = await this.invoices.lock(tx, v.tenantId, { id: input.invoiceId });
        if (!inv) return no(E.INVOICE_NOT_FOUND, 'No such invoice', 'invoiceId');
        if (await tx.payment.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } }, select: { id: true } })) throw new KeyTaken();
        const refusal = await payable(tx, inv, amount, null);
        if (refusal) return no(...refusal);
        const currency = inv.currency as CurrencyCode;
        const wallet = await this.deps.wallets.lockOrCreate(tx, v.tenantId, { type: 'CUSTOMER', id: inv.customerId }, currency);
        if (dec(wallet.balance).lt(amount)) return no(E.INSUFFICIENT_FUNDS, `The wallet holds ${formatAmount(wallet.balance, currency)} ${currency}`, 'amount');
        const at = new Date();
        const id = newId('pay');
        const payment = await tx.payment.create({
          data: { id, tenantId: v.tenantId, invoiceId: inv.id, walletId: wallet.id, currency, amount, method: 'WALLET', status: 'SUCCEEDED', idempotencyKey: key, provider: 'wallet', reference: `WALLET-${id}`, receivedAt: at },
        });
        const moved = (await this.deps.wallets.move(tx, wallet, { amount: amount.negated(), kind: 'INVOICE_PAYMENT', paymentId: id, invoiceId: inv.id, description: `Invoice ${inv.number}` }))!;
        const invoice = await this.invoices.applyPayment(tx, inv, { paymentId: id, amount: money(amount, currency), at, fromWalletId: wallet.id });
        await paymentEvent(tx, payment, null, inv.customerId);
        return { kind: 'paid', r: { payment, invoice, wallet: moved.wallet, userErrors: [] } };
      }, TX_OPTIONS);
    } catch (error) {
      return replay(await this.loser(error, v.tenantId, key));
    }
    if (outcome.kind === 'paid') this.onCommitted();
    return outcome.r;
  }

  /**
   * Gives (part of) a SUCCEEDED invoice payment back to the customer's wallet. The invoice is owed that much again
   * (amount paid down, status recomputed, credit held again on credit terms) unless it is void; the WALLET_REFUND
   * posting moves the money from the receivable (or, void, the revenue the payment kept) to the wallet.
   */
  async refundToWallet({ viewer }: RequestScope, input: { paymentId: string; amount: Decimal; idempotencyKey: string }): Promise<WalletPaymentResult> {
    const v = authorize(walletPolicies['Mutation.refundToWallet'], viewer);
    const no = (code: UserErrorCode, message: string, field: string): WalletPaymentResult => ({ ...refused(code, message, [field]), wallet: null });
    const key = input.idempotencyKey.trim();
    if (!key || key.length > 200) return no(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', 'idempotencyKey');
    if (!input.paymentId || input.paymentId.length > 200) return no(E.INVALID_INPUT, 'paymentId must be 1–200 characters', 'paymentId');
    const amount = dec(input.amount);
    if (amount.lte(0)) return no(E.INVALID_AMOUNT, 'amount must be greater than zero', 'amount');
    const replay = async (): Promise<WalletPaymentResult | null> => {
      const m = await this.prisma.walletMovement.findUnique({ where: { tenantId_idempotencyKey: { tenantId: v.tenantId, idempotencyKey: key } } });
      if (!m) return null;
      if (m.paymentId !== input.paymentId || !dec(m.amount).eq(amount)) return no(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different refund', 'idempotencyKey');
      const [payment, wallet] = await Promise.all([this.prisma.payment.findUnique({ where: { id: m.paymentId! } }), this.prisma.wallet.findUnique({ where: { id: m.walletId } })]);
      const invoice = payment?.invoiceId ? await this.prisma.invoice.findUnique({ where: { id: payment.invoiceId } }) : null;
      return { payment, invoice, wallet, userErrors: [] };
    };
    const earlier = await replay();
    if (earlier) return earlier;
    try {
      const r = await this.prisma.$transaction(async (tx): Promise<WalletPaymentResult> => {
        const found = await tx.payment.findFirst({ where: { id: input.paymentId, tenantId: v.tenantId }, select: { invoiceId: true } });
        if (!found) return no(E.PAYMENT_NOT_FOUND, 'No such payment', 'paymentId');
        if (!found.invoiceId) return no(E.REFUND_NOT_ALLOWED, 'Only invoice payments can be refunded to a wallet', 'paymentId');
        const inv = (await this.invoices.lock(tx, v.tenantId, { id: found.invoiceId }))!;
        const p = (await tx.payment.findUnique({ where: { id: input.paymentId } }))!;
        if (p.status !== 'SUCCEEDED') return no(E.REFUND_NOT_ALLOWED, `The payment is ${p.status}`, 'paymentId');
        if (p.method === 'FINANCING') return no(E.REFUND_NOT_ALLOWED, "A financier's payment is not the customer's to refund", 'paymentId');
        const currency = p.currency as CurrencyCode;
        if (!hasValidScale(amount, currency)) return no(E.INVALID_AMOUNT, `${currency} amounts have at most ${MINOR_UNITS[currency]} decimals`, 'amount');
        const refundable = dec(p.amount).minus(dec(p.refunded));
        if (amount.gt(refundable)) return no(E.AMOUNT_EXCEEDS_REFUNDABLE, `At most ${formatAmount(refundable, currency)} ${currency} of this payment can be refunded`, 'amount');
        const wallet = await this.deps.wallets.lockOrCreate(tx, v.tenantId, { type: 'CUSTOMER', id: inv.customerId }, currency);
        const payment = await tx.payment.update({ where: { id: p.id }, data: { refunded: dec(p.refunded).plus(amount) } });
        const isVoid = inv.status === 'VOID';
        let invoice = inv;
        if (!isVoid) {
          const amountPaid = dec(inv.amountPaid).minus(amount);
          invoice = await tx.invoice.update({ where: { id: inv.id }, data: { amountPaid, status: nextStatus(inv.status, { total: inv.total, amountPaid, issuedAt: inv.issuedAt }), paidAt: null } });
          if (inv.onCredit) await this.deps.credit.hold(tx, { tenantId: v.tenantId, customerId: inv.customerId, amount: money(amount, currency), ref: inv.number, invoiceId: inv.id });
        }
        await this.deps.ledger.post(tx, walletRefund({ tenantId: v.tenantId, currency, invoiceId: inv.id, paymentId: p.id, customerId: inv.customerId, walletId: wallet.id }, amount, inv.number, isVoid));
        const moved = (await this.deps.wallets.move(tx, wallet, { amount, kind: 'REFUND', paymentId: p.id, invoiceId: inv.id, description: `Refund from invoice ${inv.number}`, idempotencyKey: key }))!;
        await enqueue(tx, SOURCE, [{ type: 'payment.refunded', tenantId: v.tenantId, aggregateId: inv.id, payload: { ...invoiceEventPayload(invoice, money(amount, currency)), paymentId: p.id, walletId: wallet.id } }]);
        return { payment, invoice, wallet: moved.wallet, userErrors: [] };
      }, TX_OPTIONS);
      if (r.wallet) this.onCommitted();
      return r;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      return (await replay()) ?? Promise.reject(error);
    }
  }

  /** Sends the collection request and records what the provider answered. */
  private async collect(account: RailAccount, connector: RailConnector, payment: Payment, description: string): Promise<RecordPaymentResult> {
    const endpoint = `${this.rails.callbackBaseUrl().replace(/\/$/, '')}/webhooks/payments/${RAIL_SLUGS[connector.rail]}/${payment.tenantId}`;
    const t0 = Date.now();
    const r = await connector.collect(account, {
      paymentId: payment.id, reference: payment.reference, amount: dec(payment.amount), currency: payment.currency as CurrencyCode, phone: payment.phone!,
      method: payment.method as PaymentMethod, callbackUrl: connector.callbackUrl(account, endpoint, payment.id), description,
    });
    const attempt: ChargeAttempt = { provider: connector.rail, ok: r.status !== 'FAILED', ...(r.status === 'PENDING' ? {} : { reason: r.reason }), ms: Date.now() - t0 };
    if (r.status === 'FAILED') {
      await this.settleTx(payment.tenantId, payment.id, { status: 'FAILED', reason: r.reason, attempts: [attempt] });
    } else {
      // The callback may have overtaken this answer and settled the payment already: only fill in what is missing.
      await this.prisma.payment.update({ where: { id: payment.id }, data: { attempts: [attempt] as never } });
      if (r.status === 'PENDING') await this.prisma.payment.updateMany({ where: { id: payment.id, reference: null }, data: { reference: r.reference } });
      else log.warn('finance: no clear answer from the provider; the callback or the status poll will tell', { paymentId: payment.id, rail: connector.rail, reason: r.reason });
    }
    this.onCommitted();
    const now = (await this.prisma.payment.findUnique({ where: { id: payment.id } }))!;
    const inv = now.invoiceId ? await this.prisma.invoice.findUnique({ where: { id: now.invoiceId } }) : null;
    return { payment: now, invoice: inv, userErrors: errorsFor(now, true) };
  }

  /**
   * A provider's callback, as the gateway forwarded it (`POST /webhooks/payments/<rail>/<tenant id>`): 404 for an
   * unknown rail or tenant account, 401 when it is not authentic (nothing is stored), 400 when unreadable, else
   * 200 — the callback is stored, and settles its payment when it is the first outcome to arrive.
   */
  async handleCallback(railSlug: string, tenantId: string, cb: IncomingCallback): Promise<CallbackReply> {
    const read = await readWebhook('callback', railSlug, tenantId, (t, r) => this.rails.accounts.account(t, r), (r, account) => this.rails.connectors[r].readCallback(account, cb));
    if ('reply' in read) return read.reply;
    const { rail, parsed } = read;
    const payment = parsed.paymentId
      ? await this.prisma.payment.findFirst({ where: { id: parsed.paymentId, tenantId, rail } })
      : parsed.reference
        ? await this.prisma.payment.findFirst({ where: { tenantId, provider: rail, reference: parsed.reference } })
        : null;
    const record: CallbackRecord = { rail, reference: parsed.reference ?? payment?.reference ?? null, outcome: parsed.outcome.status, payload: parsed.payload };
    if (!payment || parsed.outcome.status === 'PENDING') {
      if (!payment) log.warn('finance: callback for no known payment; kept for reconciliation', { rail, tenantId, reference: parsed.reference });
      await this.prisma.paymentCallback.create({ data: callbackRow(tenantId, payment?.id ?? null, record, false) });
      return { status: 200, body: { received: true, applied: false } };
    }
    const o = parsed.outcome;
    const { applied } = await this.settleTx(
      tenantId, payment.id,
      o.status === 'SUCCEEDED' ? { status: 'SUCCEEDED', reference: parsed.reference, receipt: o.receipt, reportedAmount: o.amount } : { status: 'FAILED', reference: parsed.reference, reason: o.reason },
      record,
    );
    this.onCommitted();
    return { status: 200, body: { received: true, applied } };
  }

  /**
   * The status poll: asks the providers about rail payments still PENDING whose next poll is due, settles those
   * with an outcome, fails those the provider never got or that outlived `expireAfterMs`, and backs off the rest.
   * Safe to run on several replicas at once (settling is idempotent under the invoice lock).
   */
  async pollPending(now = new Date()): Promise<number> {
    const due = await this.prisma.payment.findMany({ where: { status: 'PENDING', rail: { not: null }, nextPollAt: { lte: now } }, orderBy: { nextPollAt: 'asc' }, take: 50 });
    let settled = 0;
    for (const p of due) {
      const age = now.getTime() - p.createdAt.getTime();
      let outcome: RailOutcome = { status: 'PENDING' };
      try {
        const account = await this.rails.accounts.account(p.tenantId, p.rail!);
        if (account) outcome = await this.rails.connectors[p.rail!].status(account, p);
      } catch (error) {
        log.warn('finance: status poll failed', { paymentId: p.id, rail: p.rail, error: String(error) });
      }
      let settlement: Settlement | null = null;
      if (outcome.status === 'SUCCEEDED') settlement = { status: 'SUCCEEDED', receipt: outcome.receipt, reportedAmount: outcome.amount };
      else if (outcome.status === 'FAILED') settlement = { status: 'FAILED', reason: outcome.reason };
      else if (outcome.status === 'NOT_FOUND' && age >= this.timing.notFoundAfterMs) settlement = { status: 'FAILED', reason: `${p.rail} has no record of the request` };
      else if (age >= this.timing.expireAfterMs) settlement = { status: 'FAILED', reason: `no outcome from ${p.rail} within ${Math.round(this.timing.expireAfterMs / 60_000)} min` };
      if (settlement) {
        if ((await this.settleTx(p.tenantId, p.id, settlement)).applied) settled++;
      } else {
        await this.prisma.payment.updateMany({
          where: { id: p.id, status: 'PENDING' },
          data: { polls: { increment: 1 }, nextPollAt: new Date(now.getTime() + nextPollDelay(p.polls + 1, this.timing.firstPollMs, this.timing.maxPollMs)) },
        });
      }
    }
    if (settled) this.onCommitted();
    return settled;
  }

  /** Steps 2 and 3 of recordPayment for a PENDING payment: charge through the providers, then settle. */
  private async chargeAndSettle(payment: Payment): Promise<RecordPaymentResult> {
    const outcome = await this.orchestrator.charge(this.chargeRequest(payment));
    const { payment: settled, invoice } = await this.settleTx(payment.tenantId, payment.id, settlementOf(outcome));
    this.onCommitted();
    return { payment: settled, invoice, userErrors: errorsFor(settled) };
  }

  /**
   * Settles a payment, idempotently: under the invoice lock, a payment still PENDING becomes FAILED or SUCCEEDED
   * (applied to the invoice: amount paid, credit, ledger, events); one settled already stays as it is — a duplicate,
   * replayed or late callback changes nothing. A callback is stored in the same transaction, with whether it applied.
   */
  private settleTx(tenantId: string, paymentId: string, s: Settlement, callback?: CallbackRecord): Promise<{ payment: Payment; invoice: Invoice | null; applied: boolean }> {
    return this.prisma.$transaction(async (tx) => {
      // An invoice payment settles under its invoice's lock, a top-up under its wallet's.
      const first = (await tx.payment.findFirst({ where: { id: paymentId, tenantId }, select: { invoiceId: true, walletId: true } }))!;
      const inv = first.invoiceId ? (await this.invoices.lock(tx, tenantId, { id: first.invoiceId }))! : null;
      const wallet = !inv && first.walletId ? (await this.deps.wallets.lock(tx, tenantId, first.walletId))! : null;
      let payment = (await tx.payment.findUnique({ where: { id: paymentId } }))!;
      let invoice = inv;
      let applied = false;
      if (payment.status === 'PENDING') {
        const currency = payment.currency as CurrencyCode;
        let outcome = s;
        if (s.status === 'SUCCEEDED' && s.reportedAmount && !s.reportedAmount.eq(payment.amount)) {
          // Never credit an amount the provider did not collect; the money that did move is for reconciliation.
          log.error('finance: provider reports another amount than the payment; not credited', { paymentId, reported: s.reportedAmount.toString(), expected: payment.amount.toString() });
          outcome = { ...s, status: 'FAILED', reason: `amount mismatch: the provider collected ${formatAmount(s.reportedAmount, currency)} ${currency}, not ${formatAmount(payment.amount, currency)} ${currency}; reconcile by hand` };
        }
        const at = new Date();
        const data: Prisma.PaymentUpdateInput = {
          status: outcome.status,
          ...(outcome.provider !== undefined ? { provider: outcome.provider } : {}),
          ...(outcome.reference && !payment.reference ? { reference: outcome.reference } : {}),
          ...(outcome.receipt ? { receipt: outcome.receipt } : {}),
          ...(outcome.attempts ? { attempts: outcome.attempts as never } : {}),
          ...(outcome.status === 'FAILED' ? { failureReason: (outcome.reason ?? 'declined').slice(0, 500) } : { receivedAt: at }),
          nextPollAt: null,
        };
        payment = await tx.payment.update({ where: { id: paymentId }, data });
        if (payment.status === 'SUCCEEDED' && inv) invoice = await this.invoices.applyPayment(tx, inv, { paymentId, amount: money(payment.amount, currency), at });
        if (payment.status === 'SUCCEEDED' && wallet) {
          const customerId = wallet.ownerType === 'CUSTOMER' ? wallet.ownerId : null;
          await this.deps.ledger.post(tx, walletTopUp({ tenantId, currency, paymentId, customerId, walletId: wallet.id }, payment.amount, payment.reference ?? paymentId), at);
          await this.deps.wallets.move(tx, wallet, { amount: dec(payment.amount), kind: 'TOP_UP', paymentId, description: `Top-up by ${payment.rail ?? payment.method}` });
        }
        await paymentEvent(tx, payment, 'PENDING', inv?.customerId ?? (wallet?.ownerType === 'CUSTOMER' ? wallet.ownerId : null));
        applied = true;
      } else {
        // A later word on the same outcome may know more (the callback's receipt after the poll's bare "succeeded").
        const fill = {
          ...(s.reference && !payment.reference ? { reference: s.reference } : {}),
          ...(s.receipt && !payment.receipt && s.status === payment.status ? { receipt: s.receipt } : {}),
        };
        if (Object.keys(fill).length) payment = await tx.payment.update({ where: { id: paymentId }, data: fill });
        if (callback && callback.outcome !== payment.status) log.warn('finance: callback disagrees with the settled payment; not applied', { paymentId, status: payment.status, callback: callback.outcome });
      }
      if (callback) await tx.paymentCallback.create({ data: callbackRow(tenantId, paymentId, callback, applied) });
      return { payment, invoice, applied };
    }, TX_OPTIONS);
  }

  /** Step 1: validate against the locked invoice and insert the PENDING payment, or return why not. */
  private claim(
    tenantId: string, key: string, amount: Decimal, input: RecordPaymentInput,
    rail: { rail?: RailName; phone?: string; provider?: string; reference?: null; newReference?: (paymentId: string) => string | null; nextPollAt?: Date; accept?: Accept },
  ): Promise<Claim> {
    const no = (code: UserErrorCode, message: string, field: string): Claim => ({ kind: 'refused', result: refused(code, message, [field]) });
    return this.prisma.$transaction(async (tx): Promise<Claim> => {
      const inv = await this.invoices.lock(tx, tenantId, { id: input.invoiceId });
      if (!inv) return no(E.INVOICE_NOT_FOUND, 'No such invoice', 'invoiceId');
      // Checked again under the invoice lock: a concurrent retry that got here first has committed its claim.
      if (await tx.payment.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } }, select: { id: true } })) throw new KeyTaken();
      const currency = inv.currency as CurrencyCode;
      const refusal = await payable(tx, inv, amount, input.currencyCode);
      if (refusal) return no(...refusal);
      const unacceptable = rail.accept?.(currency, amount);
      if (unacceptable) return no(...unacceptable);
      const id = newId('pay');
      const payment = await tx.payment.create({
        data: {
          id, tenantId, invoiceId: inv.id, currency, amount, method: input.method, status: 'PENDING', idempotencyKey: key,
          rail: rail.rail ?? null, phone: rail.phone ?? null, provider: rail.provider ?? null, reference: rail.newReference?.(id) ?? null, nextPollAt: rail.nextPollAt ?? null,
        },
      });
      await paymentEvent(tx, payment, null, inv.customerId);
      return { kind: 'claimed', payment, invoice: inv };
    }, TX_OPTIONS);
  }

  private byKey(tenantId: string, key: string): Promise<Payment | null> {
    return this.prisma.payment.findUnique({ where: { tenantId_idempotencyKey: { tenantId, idempotencyKey: key } } });
  }

  /** The claim lost to a concurrent request with the same key: that request's payment. */
  private async loser(error: unknown, tenantId: string, key: string): Promise<Payment> {
    if (!(error instanceof KeyTaken) && !isUniqueViolation(error)) throw error;
    const winner = await this.byKey(tenantId, key);
    if (!winner) throw error;
    return winner;
  }

  /** A retry of recordPayment: the first request's payment (waiting while it is being charged) and the invoice as it is now. */
  private async replay(tenantId: string, first: Payment, input: RecordPaymentInput): Promise<RecordPaymentResult> {
    if (!sameRequest(first, input) || first.rail) return refused(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different payment', ['idempotencyKey']);
    let payment = first;
    const deadline = Date.now() + this.timing.waitForPendingMs;
    while (payment.status === 'PENDING' && Date.now() < deadline && Date.now() - payment.createdAt.getTime() < this.timing.staleAfterMs) {
      await new Promise((r) => setTimeout(r, 25));
      payment = (await this.prisma.payment.findUnique({ where: { id: first.id } }))!;
    }
    // Claimed long ago and never settled (the process died mid-charge): finish it. Providers answer a known
    // idempotency key with the first outcome, so this never charges twice; settling applies it at most once.
    if (payment.status === 'PENDING' && Date.now() - payment.createdAt.getTime() >= this.timing.staleAfterMs) return this.chargeAndSettle(payment);
    const invoice = await this.prisma.invoice.findFirst({ where: { id: payment.invoiceId!, tenantId } });
    return { payment, invoice, userErrors: errorsFor(payment) };
  }

  /** A retry of initiatePayment: the payment as it is now (PENDING is a normal answer); the provider is not asked again. */
  private async replayInitiated(tenantId: string, first: Payment, input: InitiatePaymentInput): Promise<RecordPaymentResult> {
    if (!sameRequest(first, input) || first.rail !== input.provider || first.phone !== input.phone) {
      return refused(E.IDEMPOTENCY_KEY_REUSED, 'This idempotencyKey was used for a different payment', ['idempotencyKey']);
    }
    const invoice = await this.prisma.invoice.findFirst({ where: { id: first.invoiceId!, tenantId } });
    return { payment: first, invoice, userErrors: errorsFor(first, true) };
  }
}

/** An orchestrated charge (recordPayment's providers) as a settlement. */
function settlementOf(outcome: OrchestratedCharge): Settlement {
  return outcome.ok
    ? { status: 'SUCCEEDED', provider: outcome.provider, reference: outcome.reference, attempts: outcome.attempts }
    : { status: 'FAILED', provider: outcome.provider, reason: outcome.reason, attempts: outcome.attempts };
}

/** The checks both mutations make before touching the database. */
function validate(input: RecordPaymentInput): RecordPaymentResult | null {
  const key = input.idempotencyKey.trim();
  if (!key || key.length > 200) return refused(E.INVALID_INPUT, 'idempotencyKey must be 1–200 characters', ['idempotencyKey']);
  if (!input.invoiceId || input.invoiceId.length > 200) return refused(E.INVALID_INPUT, 'invoiceId must be 1–200 characters', ['invoiceId']);
  if (input.currencyCode != null && !isCurrency(input.currencyCode)) return refused(E.INVALID_INPUT, 'Unknown currency', ['currencyCode']);
  if (dec(input.amount).lte(0)) return refused(E.INVALID_AMOUNT, 'amount must be greater than zero', ['amount']);
  return null;
}

/** Why `amount` cannot be paid on the locked invoice now ([code, message, field]), or null. */
async function payable(tx: Tx, inv: Invoice, amount: Decimal, currencyCode: string | null | undefined): Promise<[UserErrorCode, string, string] | null> {
  const currency = inv.currency as CurrencyCode;
  if (currencyCode && currencyCode !== currency) return [E.CURRENCY_MISMATCH, `The invoice is in ${currency}; pay in ${currency}, not ${currencyCode}`, 'currencyCode'];
  if (!hasValidScale(amount, currency)) return [E.INVALID_AMOUNT, `${currency} amounts have at most ${MINOR_UNITS[currency]} decimals`, 'amount'];
  if (inv.status === 'VOID') return [E.INVOICE_VOID, `Invoice ${inv.number} is void`, 'invoiceId'];
  const due = amountDue(inv);
  if (due.lte(0)) return [E.INVOICE_ALREADY_PAID, `Invoice ${inv.number} is paid`, 'invoiceId'];
  const inFlight = await tx.payment.aggregate({ where: { invoiceId: inv.id, tenantId: inv.tenantId, status: 'PENDING' }, _sum: { amount: true } });
  const left = due.minus(dec(inFlight._sum.amount ?? 0));
  if (amount.gt(left)) return [E.AMOUNT_EXCEEDS_DUE, `Amount exceeds what is due on ${inv.number} (${left.toFixed(MINOR_UNITS[currency])} ${currency})`, 'amount'];
  return null;
}

function sameRequest(first: Payment, input: RecordPaymentInput): boolean {
  return first.invoiceId === input.invoiceId && dec(first.amount).eq(dec(input.amount)) && first.method === input.method && (!input.currencyCode || input.currencyCode === first.currency);
}

export function callbackRow(tenantId: string, paymentId: string | null, c: CallbackRecord, applied: boolean): Prisma.PaymentCallbackCreateInput {
  return { id: newId('pcb'), tenantId, rail: c.rail, reference: c.reference, paymentId, outcome: c.outcome, applied, payload: (c.payload ?? {}) as never };
}

/** `payment.updated`: every status change of a payment, for subscribers (paymentUpdated) and dashboards. */
async function paymentEvent(tx: Tx, p: Payment, previousStatus: PaymentStatus | null, customerId: string | null): Promise<void> {
  const currency = p.currency as CurrencyCode;
  await enqueue(tx, SOURCE, [{
    type: 'payment.updated', tenantId: p.tenantId, aggregateId: p.id,
    payload: {
      paymentId: p.id, invoiceId: p.invoiceId, walletId: p.walletId, customerId, previousStatus, status: p.status, rail: p.rail, method: p.method,
      amount: { amount: formatAmount(p.amount, currency), currencyCode: currency }, at: new Date().toISOString(),
    },
  }]);
}
