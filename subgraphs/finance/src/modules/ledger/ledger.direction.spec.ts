// Issue 19: each order-to-cash posting debits and credits the right accounts (a posting in the wrong direction still
// sums to zero, so "balanced" alone cannot catch it), and the 4-decimal limit of a ledger line holds at its edge.
import { describe, expect, it } from 'vitest';
import { Decimal } from '@omniroute/core';
import {
  assertBalanced, creditReleased, creditReserved, invoiceIssued, invoiceVoided, paymentReceived, payoutFailed, payoutRequested, payoutSucceeded, UnbalancedPostingError,
  walletRefund, walletTopUp, workerEarning, type PostingDraft,
} from './ledger.rules.ts';

const base = { tenantId: 'tnt_X', currency: 'NGN' as const, customerId: 'cus_1', walletId: 'wal_1' };
/** [account, signed amount]: positive debits, negative credits. */
const lines = (d: PostingDraft) => d.lines.map((l) => [l.account, l.amount.toFixed(2)]);

describe('posting directions (issue 19)', () => {
  it('credit reserved: exposure debited, commitment credited', () => {
    expect(lines(creditReserved(base, '10', 'o'))).toEqual([['CREDIT_EXPOSURE', '10.00'], ['CREDIT_COMMITMENT', '-10.00']]);
  });
  it('credit released: the exact reverse of reserved', () => {
    expect(lines(creditReleased(base, '10', 'o'))).toEqual([['CREDIT_COMMITMENT', '10.00'], ['CREDIT_EXPOSURE', '-10.00']]);
    const net = new Map<string, Decimal>();
    for (const l of [...creditReserved(base, '10', 'o').lines, ...creditReleased(base, '10', 'o').lines]) net.set(l.account, (net.get(l.account) ?? new Decimal(0)).plus(l.amount));
    expect(net.size).toBe(2);
    expect([...net.values()].every((v) => v.isZero())).toBe(true);
  });
  it('invoice issued: receivable debited, revenue credited; voided: the reverse', () => {
    expect(lines(invoiceIssued(base, '7', 'i'))).toEqual([['ACCOUNTS_RECEIVABLE', '7.00'], ['REVENUE', '-7.00']]);
    expect(lines(invoiceVoided(base, '7', 'i'))).toEqual([['REVENUE', '7.00'], ['ACCOUNTS_RECEIVABLE', '-7.00']]);
  });
  it('payment received: cash (or the wallet) debited, receivable credited; on cash terms no memo lines', () => {
    expect(lines(paymentReceived(base, '3', 'i', false))).toEqual([['CASH', '3.00'], ['ACCOUNTS_RECEIVABLE', '-3.00']]);
    expect(lines(paymentReceived(base, '3', 'i', false, 'WALLET'))).toEqual([['WALLET', '3.00'], ['ACCOUNTS_RECEIVABLE', '-3.00']]);
  });
  it('wallet top-up and refund: the wallet is credited (the tenant owes its owner more)', () => {
    expect(lines(walletTopUp(base, '5', 'r'))).toEqual([['CASH', '5.00'], ['WALLET', '-5.00']]);
    expect(lines(walletRefund(base, '5', 'i', false))).toEqual([['ACCOUNTS_RECEIVABLE', '5.00'], ['WALLET', '-5.00']]);
    expect(lines(walletRefund(base, '5', 'i', true))).toEqual([['REVENUE', '5.00'], ['WALLET', '-5.00']]);
  });
  it('each posting carries its kind and the invoice/customer it is about', () => {
    expect(creditReleased({ ...base, invoiceId: 'inv_1' }, '1', 'o')).toMatchObject({ kind: 'CREDIT_RELEASED', customerId: 'cus_1', invoiceId: 'inv_1', description: 'Credit released for order o' });
    expect(invoiceVoided(base, '1', 'INV-9')).toMatchObject({ kind: 'INVOICE_VOIDED', description: 'Invoice INV-9 voided' });
  });
});

describe('decimal places of a ledger line (issue 19)', () => {
  it('takes 4 decimals and refuses a 5th', () => {
    expect(assertBalanced(invoiceIssued(base, '0.0001', 'i')).lines).toHaveLength(2);
    expect(assertBalanced(invoiceIssued(base, '123.4567', 'i')).lines.map((l) => l.amount.toString())).toEqual(['123.4567', '-123.4567']);
    expect(() => assertBalanced(invoiceIssued(base, '0.00001', 'i'))).toThrow(/more than 4 decimals/);
    expect(() => assertBalanced(invoiceIssued(base, '123.45671', 'i'))).toThrow(UnbalancedPostingError);
  });
  it('drops zero lines but keeps two non-zero ones', () => {
    const d = { ...invoiceIssued(base, '2', 'i'), lines: [...invoiceIssued(base, '2', 'i').lines, { account: 'CASH' as const, amount: new Decimal(0) }] };
    expect(assertBalanced(d).lines.map((l) => l.account)).toEqual(['ACCOUNTS_RECEIVABLE', 'REVENUE']);
  });
});

describe('what the ledger shows and refuses (issue 19, mutation testing)', () => {
  it('describes each posting with its reference, and says when a payment came from the wallet', () => {
    expect([
      creditReserved(base, '1', 'LAG-7').description,
      invoiceIssued(base, '1', 'INV-LAG-1').description,
      paymentReceived(base, '1', 'INV-LAG-1', false).description,
      paymentReceived(base, '1', 'INV-LAG-1', false, 'WALLET').description,
      walletTopUp(base, '1', 'ws_CO_9').description,
      walletRefund(base, '1', 'INV-LAG-1', false).description,
    ]).toEqual([
      'Credit reserved for order LAG-7',
      'Invoice INV-LAG-1 issued',
      'Payment on invoice INV-LAG-1',
      'Payment on invoice INV-LAG-1 from wallet',
      'Wallet top-up ws_CO_9',
      'Refund to wallet from invoice INV-LAG-1',
    ]);
  });

  it('names the posting kind, the difference and the currency when a posting does not balance', () => {
    const d = { ...invoiceIssued(base, '10', 'i'), lines: [{ account: 'ACCOUNTS_RECEIVABLE' as const, amount: new Decimal('10') }, { account: 'REVENUE' as const, amount: new Decimal('-9.5') }] };
    expect(() => assertBalanced(d)).toThrow('unbalanced ledger posting: INVOICE_ISSUED sums to 0.5 NGN');
  });

  it('refuses a posting when any one line has a 5th decimal, not only when all do', () => {
    const d = { ...invoiceIssued(base, '1', 'i'), lines: [{ account: 'ACCOUNTS_RECEIVABLE' as const, amount: new Decimal('1.00001') }, { account: 'REVENUE' as const, amount: new Decimal('-1') }, { account: 'CASH' as const, amount: new Decimal('-0.00001') }] };
    expect(() => assertBalanced(d)).toThrow('INVOICE_ISSUED has more than 4 decimals');
  });
});

describe("workers' earnings and payouts (issue 19, mutation testing)", () => {
  const w = { tenantId: 'tnt_X', currency: 'KES' as const, workerId: 'wrk_1' };
  it('earning: an expense owed to the worker; a payout parks it in transit, then cash leaves or it goes back', () => {
    expect([workerEarning(w, '10', 't1'), payoutRequested(w, '4', 'po1'), payoutSucceeded(w, '4', 'po1'), payoutFailed(w, '4', 'po2')].map((d) => [d.kind, d.description, lines(d)])).toEqual([
      ['WORKER_EARNING', 'Worker earnings t1', [['WORKER_EARNINGS', '10.00'], ['WORKER_PAYABLE', '-10.00']]],
      ['PAYOUT_REQUESTED', 'Payout po1 requested', [['WORKER_PAYABLE', '4.00'], ['PAYOUTS_IN_TRANSIT', '-4.00']]],
      ['PAYOUT_SUCCEEDED', 'Payout po1 paid', [['PAYOUTS_IN_TRANSIT', '4.00'], ['CASH', '-4.00']]],
      ['PAYOUT_FAILED', "Payout po2 failed; back to the worker's balance", [['PAYOUTS_IN_TRANSIT', '4.00'], ['WORKER_PAYABLE', '-4.00']]],
    ]);
    expect(workerEarning(w, '10', 't1')).toMatchObject({ workerId: 'wrk_1', tenantId: 'tnt_X', currency: 'KES' });
  });
  it("refuses to move a worker's payable without naming the worker, and a wallet without naming it", () => {
    const { workerId: _w, ...anonymous } = w;
    expect(() => assertBalanced(workerEarning(anonymous, '10', 't1'))).toThrow("WORKER_EARNING moves a worker's payable without naming the worker");
    expect(() => assertBalanced(payoutRequested(anonymous, '10', 'p'))).toThrow(UnbalancedPostingError);
    // lines that do not touch WORKER_PAYABLE need no worker
    expect(assertBalanced(payoutSucceeded(anonymous, '10', 'p')).lines).toHaveLength(2);
    expect(assertBalanced(workerEarning(w, '10', 't1')).lines).toHaveLength(2);
    const { walletId: _x, ...noWallet } = base;
    expect(() => assertBalanced(walletTopUp(noWallet, '5', 'r'))).toThrow('WALLET_TOP_UP moves a wallet without naming it');
  });
  it('names the kind of every order-to-cash posting', () => {
    expect([creditReserved(base, '1', 'o'), paymentReceived(base, '1', 'i', false), walletTopUp(base, '1', 'r'), walletRefund(base, '1', 'i', false)].map((d) => d.kind))
      .toEqual(['CREDIT_RESERVED', 'PAYMENT_RECEIVED', 'WALLET_TOP_UP', 'WALLET_REFUND']);
  });
});
