import { describe, expect, it } from 'vitest';
import { OVERDUE_GRACE_MS, amountDue, invoiceNumber, invoiceNumberStem, invoicePrefix, isOverdue, nextStatus, overdueCutoff } from './invoice.rules.ts';

const issuedAt = new Date('2026-11-20T10:00:00Z');

describe('invoice status', () => {
  it('follows the amounts: draft, issued, partially paid, paid', () => {
    expect(nextStatus(null, { total: '100', amountPaid: '0', issuedAt: null })).toBe('DRAFT');
    expect(nextStatus('DRAFT', { total: '100', amountPaid: '0', issuedAt })).toBe('ISSUED');
    expect(nextStatus('ISSUED', { total: '100', amountPaid: '40', issuedAt })).toBe('PARTIALLY_PAID');
    expect(nextStatus('PARTIALLY_PAID', { total: '100', amountPaid: '100', issuedAt })).toBe('PAID');
    expect(nextStatus('DRAFT', { total: '100', amountPaid: '100', issuedAt: null })).toBe('PAID'); // prepaid
  });
  it('keeps VOID and OVERDUE until paid', () => {
    expect(nextStatus('VOID', { total: '100', amountPaid: '100', issuedAt })).toBe('VOID');
    expect(nextStatus('OVERDUE', { total: '100', amountPaid: '0', issuedAt })).toBe('OVERDUE');
    expect(nextStatus('OVERDUE', { total: '100', amountPaid: '10', issuedAt })).toBe('PARTIALLY_PAID');
  });
  it('owes total minus paid, nothing when void', () => {
    expect(amountDue({ status: 'PARTIALLY_PAID', total: '100.50', amountPaid: '40.25' }).toFixed(2)).toBe('60.25');
    expect(amountDue({ status: 'VOID', total: '100', amountPaid: '0' }).toString()).toBe('0');
  });
  it('is overdue only when issued and a day past due', () => {
    const dueDate = new Date('2026-11-27T10:00:00Z');
    expect(isOverdue({ status: 'ISSUED', dueDate }, new Date('2026-11-28T09:59:00Z'))).toBe(false);
    expect(isOverdue({ status: 'ISSUED', dueDate }, new Date('2026-11-28T10:01:00Z'))).toBe(true);
    expect(isOverdue({ status: 'PAID', dueDate }, new Date('2026-12-28T10:01:00Z'))).toBe(false);
  });
  it('numbers invoices per tenant like the demo', () => {
    expect(invoicePrefix('tnt_LAGOS')).toBe('LAG');
    expect(invoiceNumber('tnt_ACCRA', 20071)).toBe('INV-ACC-20071');
    expect(invoiceNumberStem('tnt_LAGOS')).toBe('INV-LAG-');
  });
});

describe('invoice rules at their edges (issue 19, mutation testing)', () => {
  const dueDate = new Date('2026-11-27T10:00:00Z');
  it('is not overdue at the very end of the grace day, only after it', () => {
    const end = new Date(dueDate.getTime() + OVERDUE_GRACE_MS);
    expect(isOverdue({ status: 'ISSUED', dueDate }, end)).toBe(false);
    expect(isOverdue({ status: 'ISSUED', dueDate }, new Date(end.getTime() + 1))).toBe(true);
  });
  it('the cutoff is one day of grace before now', () => {
    expect(overdueCutoff(new Date('2026-11-28T10:00:00Z'))).toEqual(new Date('2026-11-27T10:00:00Z'));
  });
  it('an invoice without a due date (a draft) is never overdue', () => {
    expect(isOverdue({ status: 'ISSUED', dueDate: null }, new Date('2030-01-01T00:00:00Z'))).toBe(false);
  });
  it('part-paid, paid and void invoices are not swept to overdue, however late', () => {
    expect(['PARTIALLY_PAID', 'PAID', 'VOID', 'DRAFT', 'OVERDUE'].map((status) => isOverdue({ status, dueDate }, new Date('2030-01-01T00:00:00Z')))).toEqual([false, false, false, false, false]);
  });
  it('strips only a leading tnt_ and every non-alphanumeric character from the prefix', () => {
    expect(invoicePrefix('xtnt_abc')).toBe('XTN');
    expect(invoicePrefix('tnt_a-b.c')).toBe('ABC');
    expect(invoicePrefix('TNT_kano')).toBe('KAN');
    expect(invoicePrefix('tnt_')).toBe('INV');
    expect(invoicePrefix('tnt_--')).toBe('INV');
  });
});
