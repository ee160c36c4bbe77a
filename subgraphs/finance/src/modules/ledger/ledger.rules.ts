import { Decimal, dec, type CurrencyCode } from '@omniroute/core';

export type LedgerAccount =
  | 'ACCOUNTS_RECEIVABLE' | 'REVENUE' | 'CASH' | 'CREDIT_EXPOSURE' | 'CREDIT_COMMITMENT' | 'WALLET'
  | 'WORKER_PAYABLE' | 'WORKER_EARNINGS' | 'PAYOUTS_IN_TRANSIT'
  | 'FINANCED_RECEIVABLE' | 'FINANCED_DEFAULTED' | 'FINANCIER_PAYABLE' | 'PROVIDER_FEES';
export type LedgerPostingKind =
  | 'CREDIT_RESERVED' | 'CREDIT_RELEASED' | 'INVOICE_ISSUED' | 'INVOICE_VOIDED' | 'PAYMENT_RECEIVED' | 'WALLET_TOP_UP' | 'WALLET_REFUND'
  | 'WORKER_EARNING' | 'PAYOUT_REQUESTED' | 'PAYOUT_SUCCEEDED' | 'PAYOUT_FAILED'
  | 'FINANCING_DRAWN' | 'FINANCING_REPAID' | 'FINANCING_LATE_FEE' | 'FINANCING_DEFAULTED' | 'SETTLEMENT_FEE';

/** One side of a posting: positive amounts are debits, negative ones credits. */
export interface PostingLine {
  account: LedgerAccount;
  amount: Decimal;
}

export interface PostingDraft {
  tenantId: string;
  kind: LedgerPostingKind;
  currency: CurrencyCode;
  description: string;
  invoiceId?: string | null;
  paymentId?: string | null;
  customerId?: string | null;
  /** The wallet whose sub-ledger the posting's WALLET lines belong to. */
  walletId?: string | null;
  /** The worker whose sub-ledger the posting's WORKER_PAYABLE lines belong to. */
  workerId?: string | null;
  lines: PostingLine[];
}

export class UnbalancedPostingError extends Error {
  constructor(message: string) {
    super(`unbalanced ledger posting: ${message}`);
  }
}

/**
 * Checks a posting before it is written: at least two lines, no zero or fractional-cent lines, one currency,
 * and debits equal credits. Zero lines are dropped (a posting of zero is skipped by the callers).
 */
export function assertBalanced(draft: PostingDraft): PostingDraft {
  const lines = draft.lines.filter((l) => !l.amount.isZero());
  if (lines.length < 2) throw new UnbalancedPostingError(`${draft.kind} needs at least two non-zero lines`);
  const total = lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));
  if (!total.isZero()) throw new UnbalancedPostingError(`${draft.kind} sums to ${total.toString()} ${draft.currency}`);
  if (lines.some((l) => l.amount.decimalPlaces() > 4)) throw new UnbalancedPostingError(`${draft.kind} has more than 4 decimals`);
  if (lines.some((l) => l.account === 'WALLET') && !draft.walletId) throw new UnbalancedPostingError(`${draft.kind} moves a wallet without naming it`);
  if (lines.some((l) => l.account === 'WORKER_PAYABLE') && !draft.workerId) throw new UnbalancedPostingError(`${draft.kind} moves a worker's payable without naming the worker`);
  return { ...draft, lines };
}

const debit = (account: LedgerAccount, amount: Decimal): PostingLine => ({ account, amount });
const credit = (account: LedgerAccount, amount: Decimal): PostingLine => ({ account, amount: amount.negated() });

type Base = Omit<PostingDraft, 'kind' | 'lines' | 'description'>;
type D = Decimal | string;

// The postings of the order-to-cash cycle. Exposure is tracked on a pair of memo accounts so the ledger shows how
// much credit is out without touching the balance sheet accounts.

/** Credit-term order approved: exposure up by the order total. */
export const creditReserved = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'CREDIT_RESERVED', description: `Credit reserved for order ${ref}`,
  lines: [debit('CREDIT_EXPOSURE', dec(amount)), credit('CREDIT_COMMITMENT', dec(amount))],
});

/** Credit given back (order cancelled or rejected): the reverse of creditReserved. */
export const creditReleased = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'CREDIT_RELEASED', description: `Credit released for order ${ref}`,
  lines: [debit('CREDIT_COMMITMENT', dec(amount)), credit('CREDIT_EXPOSURE', dec(amount))],
});

/** Goods delivered: the customer owes the total, revenue is recognised. */
export const invoiceIssued = (b: Base, amount: D, number: string): PostingDraft => ({
  ...b, kind: 'INVOICE_ISSUED', description: `Invoice ${number} issued`,
  lines: [debit('ACCOUNTS_RECEIVABLE', dec(amount)), credit('REVENUE', dec(amount))],
});

/** An issued invoice voided: the outstanding receivable and its revenue reversed. */
export const invoiceVoided = (b: Base, amount: D, number: string): PostingDraft => ({
  ...b, kind: 'INVOICE_VOIDED', description: `Invoice ${number} voided`,
  lines: [debit('REVENUE', dec(amount)), credit('ACCOUNTS_RECEIVABLE', dec(amount))],
});

/**
 * Money received: cash up (or, paid from a wallet, the wallet's balance down), receivable down; on credit terms the
 * exposure shrinks by the same amount.
 */
export const paymentReceived = (b: Base, amount: D, number: string, onCredit: boolean, from: 'CASH' | 'WALLET' = 'CASH'): PostingDraft => ({
  ...b, kind: 'PAYMENT_RECEIVED', description: from === 'WALLET' ? `Payment on invoice ${number} from wallet` : `Payment on invoice ${number}`,
  lines: [
    debit(from, dec(amount)),
    credit('ACCOUNTS_RECEIVABLE', dec(amount)),
    ...(onCredit ? [debit('CREDIT_COMMITMENT', dec(amount)), credit('CREDIT_EXPOSURE', dec(amount))] : []),
  ],
});

/** A wallet topped up through a payment rail: cash in, and the tenant owes the wallet's owner as much. */
export const walletTopUp = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'WALLET_TOP_UP', description: `Wallet top-up ${ref}`,
  lines: [debit('CASH', dec(amount)), credit('WALLET', dec(amount))],
});

/**
 * Part of an invoice payment given back as wallet balance. The customer owes it again (receivable up) — unless the
 * invoice is void (the order was cancelled after payment): then the revenue that payment kept is given back.
 */
export const walletRefund = (b: Base, amount: D, number: string, invoiceVoid: boolean): PostingDraft => ({
  ...b, kind: 'WALLET_REFUND', description: `Refund to wallet from invoice ${number}`,
  lines: [debit(invoiceVoid ? 'REVENUE' : 'ACCOUNTS_RECEIVABLE', dec(amount)), credit('WALLET', dec(amount))],
});

// Workers' earnings and payouts. Workforce keeps each worker's balance; finance mirrors it in WORKER_PAYABLE (one
// sub-ledger per worker), so minus a worker's WORKER_PAYABLE entries equals their workforce balance once the events
// are through. A payout parks the money in PAYOUTS_IN_TRANSIT until the rail's word: cash out, or back to the worker.

/** Earnings credited by workforce (a completed task, or the opening balance of a seeded worker): an expense owed to the worker. */
export const workerEarning = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'WORKER_EARNING', description: `Worker earnings ${ref}`,
  lines: [debit('WORKER_EARNINGS', dec(amount)), credit('WORKER_PAYABLE', dec(amount))],
});

/** A withdrawal requested: the worker is owed less, the money is on its way. */
export const payoutRequested = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'PAYOUT_REQUESTED', description: `Payout ${ref} requested`,
  lines: [debit('WORKER_PAYABLE', dec(amount)), credit('PAYOUTS_IN_TRANSIT', dec(amount))],
});

/** The rail paid the worker: the cash left. */
export const payoutSucceeded = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'PAYOUT_SUCCEEDED', description: `Payout ${ref} paid`,
  lines: [debit('PAYOUTS_IN_TRANSIT', dec(amount)), credit('CASH', dec(amount))],
});

/** The rail refused or failed the transfer: the money is the worker's balance again. */
export const payoutFailed = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'PAYOUT_FAILED', description: `Payout ${ref} failed; back to the worker's balance`,
  lines: [debit('PAYOUTS_IN_TRANSIT', dec(amount)), credit('WORKER_PAYABLE', dec(amount))],
});

// Financing (issue 16 part 5). Accepting an offer pays the invoice with the financier's money: the usual
// PAYMENT_RECEIVED (cash up, the invoice's receivable gone — it is the financier's now). What the customer owes the
// financier (principal, fee, late fees) is kept on a pair of accounts the tenant services for the financier:
// FINANCED_RECEIVABLE (owed by the customer) against FINANCIER_PAYABLE (to be handed to the financier). Each
// repayment is collected and handed on at once, so after the last one both are zero and the tenant kept the principal.

/** Agreement made: the customer owes the financier principal plus fee. */
export const financingDrawn = (b: Base, repayable: D, ref: string): PostingDraft => ({
  ...b, kind: 'FINANCING_DRAWN', description: `Financing ${ref}: owed to the financier`,
  lines: [debit('FINANCED_RECEIVABLE', dec(repayable)), credit('FINANCIER_PAYABLE', dec(repayable))],
});

/** A late fee accrued on an overdue instalment: owed by the customer to the financier. */
export const financingLateFee = (b: Base, amount: D, ref: string): PostingDraft => ({
  ...b, kind: 'FINANCING_LATE_FEE', description: `Late fee on financing ${ref}`,
  lines: [debit('FINANCED_RECEIVABLE', dec(amount)), credit('FINANCIER_PAYABLE', dec(amount))],
});

/** An instalment received (cash in) and handed on to the financier (cash out); on a defaulted agreement the defaulted balance shrinks. */
export const financingRepaid = (b: Base, amount: D, ref: string, defaulted: boolean): PostingDraft => ({
  ...b, kind: 'FINANCING_REPAID', description: `Instalment on financing ${ref}, handed on to the financier`,
  lines: [debit('CASH', dec(amount)), credit(defaulted ? 'FINANCED_DEFAULTED' : 'FINANCED_RECEIVABLE', dec(amount)), debit('FINANCIER_PAYABLE', dec(amount)), credit('CASH', dec(amount))],
});

/** Agreement defaulted: what is outstanding moves to the defaulted receivable (collections take over). */
export const financingDefaulted = (b: Base, outstanding: D, ref: string): PostingDraft => ({
  ...b, kind: 'FINANCING_DEFAULTED', description: `Financing ${ref} defaulted`,
  lines: [debit('FINANCED_DEFAULTED', dec(outstanding)), credit('FINANCED_RECEIVABLE', dec(outstanding))],
});

/**
 * A provider's fee on one settlement line (reconciliation): an expense, taken out of the money the rail holds for the
 * tenant — CASH is where rail collections land, so it is the rails' clearing account in this chart.
 */
export const settlementFee = (b: Base, fee: D, ref: string): PostingDraft => ({
  ...b, kind: 'SETTLEMENT_FEE', description: `Provider fee on ${ref}`,
  lines: [debit('PROVIDER_FEES', dec(fee)), credit('CASH', dec(fee))],
});
