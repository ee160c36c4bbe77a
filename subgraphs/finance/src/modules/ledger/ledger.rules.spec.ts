import { describe, expect, it } from 'vitest';
import { Decimal } from '@omniroute/core';
import { assertBalanced, creditReleased, creditReserved, financingDefaulted, financingDrawn, financingLateFee, financingRepaid, invoiceIssued, invoiceVoided, paymentReceived, settlementFee, UnbalancedPostingError, walletRefund, walletTopUp } from './ledger.rules.ts';

const base = { tenantId: 'tnt_X', currency: 'NGN' as const, customerId: 'cus_1' };
const sum = (lines: { amount: Decimal }[]) => lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));

describe('ledger postings', () => {
  it('every order-to-cash posting balances', () => {
    const drafts = [
      creditReserved(base, '1500.50', 'LAG-1'),
      creditReleased(base, '1500.50', 'LAG-1'),
      invoiceIssued(base, '1500.50', 'INV-1'),
      invoiceVoided(base, '700', 'INV-1'),
      paymentReceived(base, '800.50', 'INV-1', true),
      paymentReceived(base, '800.50', 'INV-1', false),
      paymentReceived({ ...base, walletId: 'wal_1' }, '800.50', 'INV-1', true, 'WALLET'),
      walletTopUp({ ...base, walletId: 'wal_1' }, '500', 'ws_CO_1'),
      walletRefund({ ...base, walletId: 'wal_1' }, '200', 'INV-1', false),
      walletRefund({ ...base, walletId: 'wal_1' }, '200', 'INV-1', true),
    ];
    for (const d of drafts) {
      expect(sum(assertBalanced(d).lines).isZero()).toBe(true);
    }
  });

  it('a payment on credit terms also shrinks the exposure memo accounts', () => {
    const p = paymentReceived(base, '100', 'INV-1', true);
    expect(p.lines.map((l) => [l.account, l.amount.toString()])).toEqual([
      ['CASH', '100'], ['ACCOUNTS_RECEIVABLE', '-100'], ['CREDIT_COMMITMENT', '100'], ['CREDIT_EXPOSURE', '-100'],
    ]);
  });

  it('wallet postings move the wallet\'s sub-account and must name the wallet', () => {
    expect(walletTopUp({ ...base, walletId: 'wal_1' }, '500', 'r').lines.map((l) => [l.account, l.amount.toString()])).toEqual([['CASH', '500'], ['WALLET', '-500']]);
    expect(paymentReceived({ ...base, walletId: 'wal_1' }, '10', 'INV-1', false, 'WALLET').lines[0]).toMatchObject({ account: 'WALLET' });
    expect(walletRefund({ ...base, walletId: 'wal_1' }, '7', 'INV-1', true).lines.map((l) => l.account)).toEqual(['REVENUE', 'WALLET']);
    expect(() => assertBalanced(walletTopUp(base, '500', 'r'))).toThrow(/without naming it/);
  });

  it('refuses unbalanced or one-sided postings', () => {
    const bad = { ...base, kind: 'INVOICE_ISSUED' as const, description: 'x', lines: [{ account: 'ACCOUNTS_RECEIVABLE' as const, amount: new Decimal(10) }, { account: 'REVENUE' as const, amount: new Decimal(-9.99) }] };
    expect(() => assertBalanced(bad)).toThrow(UnbalancedPostingError);
    expect(() => assertBalanced({ ...bad, lines: [bad.lines[0]!] })).toThrow(/two/);
    expect(() => assertBalanced(invoiceIssued(base, '0', 'INV-0'))).toThrow(UnbalancedPostingError);
  });

  it('financing: drawn, late fee, repaid (collected and handed on), defaulted, and settlement fees balance', () => {
    const drafts = [financingDrawn(base, '1040', 'fag_1'), financingLateFee(base, '2.08', 'fag_1'), financingRepaid(base, '346.67', 'fag_1', false), financingRepaid(base, '100', 'fag_1', true), financingDefaulted(base, '693.33', 'fag_1'), settlementFee(base, '12.5', 'QK1')];
    for (const d of drafts) expect(sum(assertBalanced(d).lines).isZero()).toBe(true);
    // a repayment leaves cash where it was (received, then handed to the financier) and shrinks both financing accounts
    const net = (d: ReturnType<typeof financingRepaid>, a: string) => sum(d.lines.filter((l) => l.account === a));
    const r = financingRepaid(base, '100', 'fag_1', false);
    expect([net(r, 'CASH').toString(), net(r, 'FINANCED_RECEIVABLE').toString(), net(r, 'FINANCIER_PAYABLE').toString()]).toEqual(['0', '-100', '100']);
    expect(net(financingRepaid(base, '100', 'fag_1', true), 'FINANCED_DEFAULTED').toString()).toBe('-100');
    expect(settlementFee(base, '12.5', 'QK1').lines.map((l) => [l.account, l.amount.toString()])).toEqual([['PROVIDER_FEES', '12.5'], ['CASH', '-12.5']]);
  });
});
