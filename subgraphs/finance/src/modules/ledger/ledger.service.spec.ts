import { describe, expect, it } from 'vitest';
import { Decimal } from '@omniroute/core';
import { postingRows } from './ledger.service.ts';
import { creditReserved, UnbalancedPostingError, walletTopUp, workerEarning } from './ledger.rules.ts';

// The rows a posting writes (found by the mutation run of ledger.service.ts: its ids, sub-ledger columns and
// nulls were not pinned by any test).
describe('postingRows', () => {
  const at = new Date('2026-12-06T08:00:00.000Z');

  it('names the posting and its entries (lgp_, lge_), time-sorted from `at`, the entries pointing at the posting', () => {
    const { posting, entries } = postingRows(creditReserved({ tenantId: 'tnt_X', currency: 'NGN', customerId: 'cus_1', invoiceId: 'inv_1' }, '10.50', 'LAG-1'), at);
    expect(posting.id).toMatch(/^lgp_/);
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      expect(e.id).toMatch(/^lge_/);
      expect(e).toMatchObject({ postingId: posting.id, tenantId: 'tnt_X', currency: 'NGN', customerId: 'cus_1', walletId: null, workerId: null, createdAt: at });
    }
    expect(new Set(entries.map((e) => e.id)).size).toBe(2);
    expect(posting).toEqual({
      id: posting.id, tenantId: 'tnt_X', kind: 'CREDIT_RESERVED', currency: 'NGN', description: 'Credit reserved for order LAG-1',
      invoiceId: 'inv_1', paymentId: null, customerId: 'cus_1', walletId: null, workerId: null, postedAt: at,
    });
    expect(entries.map((e) => [e.account, e.amount.toFixed(2)])).toEqual([['CREDIT_EXPOSURE', '10.50'], ['CREDIT_COMMITMENT', '-10.50']]);
  });

  it('puts the wallet on WALLET lines only and the worker on WORKER_PAYABLE lines only', () => {
    const top = postingRows(walletTopUp({ tenantId: 'tnt_X', currency: 'NGN', customerId: 'cus_1', walletId: 'wal_1', paymentId: 'pay_1' }, '5', 'ws_1'), at);
    expect(top.posting).toMatchObject({ walletId: 'wal_1', workerId: null, paymentId: 'pay_1', customerId: 'cus_1' });
    expect(top.entries.map((e) => [e.account, e.walletId, e.workerId])).toEqual([['CASH', null, null], ['WALLET', 'wal_1', null]]);
    const earned = postingRows(workerEarning({ tenantId: 'tnt_X', currency: 'NGN', workerId: 'wrk_1' }, '7', 'tsk_1'), at);
    expect(earned.posting).toMatchObject({ workerId: 'wrk_1', walletId: null, customerId: null, invoiceId: null });
    expect(earned.entries.map((e) => [e.account, e.walletId, e.workerId, e.customerId])).toEqual([['WORKER_EARNINGS', null, null, null], ['WORKER_PAYABLE', null, 'wrk_1', null]]);
  });

  it('refuses an unbalanced draft before building anything', () => {
    expect(() => postingRows({ tenantId: 'tnt_X', currency: 'NGN', kind: 'CREDIT_RESERVED', description: 'x', lines: [{ account: 'CASH', amount: new Decimal('1') }, { account: 'REVENUE', amount: new Decimal('-2') }] }, at)).toThrow(UnbalancedPostingError);
  });
});
