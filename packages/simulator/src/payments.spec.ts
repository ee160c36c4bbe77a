import { describe, expect, it } from 'vitest';
import { invoiceToPay, OPEN_INVOICES_KEPT } from './index.ts';

describe('the simulated customers’ payments', () => {
  it('pay one of the issued invoices only while more than OPEN_INVOICES_KEPT are open', () => {
    const page = (n: number) => Array.from({ length: n }, (_, i) => `inv${i}`);
    expect(invoiceToPay([])).toBeUndefined();
    expect(invoiceToPay(page(OPEN_INVOICES_KEPT))).toBeUndefined();
    expect(invoiceToPay(page(OPEN_INVOICES_KEPT + 1), () => 0)).toBe('inv0');
    expect(invoiceToPay(page(20), () => 0.99)).toBe('inv19');
  });
});
