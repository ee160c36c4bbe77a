import { Decimal, dec } from '@omniroute/core';

export type InvoiceStatus = 'DRAFT' | 'ISSUED' | 'PARTIALLY_PAID' | 'PAID' | 'OVERDUE' | 'VOID';
type DecimalLike = Decimal | string | number | { toString(): string };

/** Statuses in which money is still owed (or will be, for a draft). */
export const OPEN_STATUSES: readonly InvoiceStatus[] = ['DRAFT', 'ISSUED', 'PARTIALLY_PAID', 'OVERDUE'];

/** Total minus paid; nothing is due on a void invoice. */
export function amountDue(inv: { status: InvoiceStatus | string; total: DecimalLike; amountPaid: DecimalLike }): Decimal {
  if (inv.status === 'VOID') return new Decimal(0);
  return Decimal.max(0, dec(inv.total).minus(dec(inv.amountPaid)));
}

/**
 * Status after a change of amounts or issue: VOID stays VOID; paid in full → PAID (also before issue, e.g. prepaid);
 * something paid → PARTIALLY_PAID; not issued → DRAFT; issued → ISSUED, or still OVERDUE when it was (only the
 * overdue sweep, `isOverdue` by `overdueCutoff`, makes an invoice OVERDUE).
 */
export function nextStatus(current: InvoiceStatus | null, inv: { total: DecimalLike; amountPaid: DecimalLike; issuedAt: Date | null }): InvoiceStatus {
  if (current === 'VOID') return 'VOID';
  const paid = dec(inv.amountPaid);
  if (paid.gte(dec(inv.total))) return 'PAID';
  if (paid.gt(0)) return 'PARTIALLY_PAID';
  if (!inv.issuedAt) return 'DRAFT';
  return current === 'OVERDUE' ? 'OVERDUE' : 'ISSUED';
}

/** An issued, wholly unpaid invoice whose due day has ended (due "on delivery" means by the end of that day). */
export function isOverdue(inv: { status: InvoiceStatus | string; dueDate: Date | null }, now: Date): boolean {
  return inv.status === 'ISSUED' && inv.dueDate !== null && inv.dueDate < overdueCutoff(now);
}
export const OVERDUE_GRACE_MS = 86_400_000;
/** An invoice due before this instant is past its day of grace at `now` (the sweep's statement filters by it). */
export function overdueCutoff(now: Date): Date {
  return new Date(now.getTime() - OVERDUE_GRACE_MS);
}

/** Invoice number prefix from the tenant id: `tnt_LAGOS` → `LAG` (the demo's INV-LAG-20001). */
export function invoicePrefix(tenantId: string): string {
  const name = tenantId.replace(/^tnt_/i, '').replace(/[^A-Za-z0-9]/g, '').toUpperCase();
  return name.slice(0, 3) || 'INV';
}

/** An invoice number's text before its sequence value (`INV-LAG-`). */
export function invoiceNumberStem(tenantId: string): string {
  return `INV-${invoicePrefix(tenantId)}-`;
}

export function invoiceNumber(tenantId: string, seq: number): string {
  return `${invoiceNumberStem(tenantId)}${seq}`;
}
