import { describe, expect, it } from 'vitest';
import { rng } from '@omniroute/demo';
import { reconcileVan, type VanMovement } from './van-stock.rules.ts';

const sku = (id: string) => id.toUpperCase();

describe('van reconciliation (issue 15)', () => {
  it('balances loaded = sold + returned + remaining, with the variance against the count', () => {
    const movements: VanMovement[] = [
      { variantId: 'a', type: 'TRANSFER_IN', quantity: 20 },
      { variantId: 'a', type: 'SALE', quantity: -12 },
      { variantId: 'a', type: 'CUSTOMER_RETURN', quantity: 1 },
      { variantId: 'a', type: 'TRANSFER_OUT', quantity: -3 },
      { variantId: 'b', type: 'TRANSFER_IN', quantity: 5 },
    ];
    const r = reconcileVan(new Map([['a', 4]]), movements, new Map([['a', 9], ['b', 5]]), sku);
    expect(r.ok && r.value).toEqual([
      { variantId: 'a', sku: 'A', opening: 4, loaded: 20, sold: 11, returned: 3, other: 0, expected: 10, counted: 9, variance: -1 },
      { variantId: 'b', sku: 'B', opening: 0, loaded: 5, sold: 0, returned: 0, other: 0, expected: 5, counted: 5, variance: 0 },
    ]);
  });

  it("opens the van's first day with its opening balance; adjustments are 'other'", () => {
    const r = reconcileVan(new Map(), [{ variantId: 'a', type: 'OPENING_BALANCE', quantity: 30 }, { variantId: 'a', type: 'ADJUSTMENT', quantity: -2 }], new Map([['a', 28]]), sku);
    expect(r.ok && r.value[0]).toMatchObject({ opening: 30, other: -2, expected: 28, variance: 0 });
  });

  it('refuses a count that leaves out a SKU the van holds, and skips SKUs that never were on it', () => {
    const r = reconcileVan(new Map([['a', 3], ['b', 0]]), [], new Map(), sku);
    expect(r.ok ? [] : r.errors.map((e) => [e.code, e.message])).toEqual([['COUNT_INCOMPLETE', expect.stringContaining('A')]]);
    const fine = reconcileVan(new Map([['a', 3], ['b', 0]]), [], new Map([['a', 3]]), sku);
    expect(fine.ok && fine.value.map((l) => l.sku)).toEqual(['A']);
  });

  it('keeps opening + loaded + other = sold + returned + counted − variance for random days (fixed seed)', () => {
    const r = rng(1504);
    const types = ['TRANSFER_IN', 'TRANSFER_OUT', 'SALE', 'CUSTOMER_RETURN', 'ADJUSTMENT', 'VAN_VARIANCE'];
    for (let run = 0; run < 150; run++) {
      const ids = ['a', 'b', 'c'];
      const opening = new Map(ids.map((id) => [id, r.int(0, 40)]));
      const movements = Array.from({ length: r.int(0, 25) }, () => {
        const type = types[r.int(0, types.length - 1)]!;
        const q = r.int(1, 15);
        return { variantId: ids[r.int(0, 2)]!, type, quantity: ['TRANSFER_OUT', 'SALE'].includes(type) || (type !== 'TRANSFER_IN' && type !== 'CUSTOMER_RETURN' && r.int(0, 1)) ? -q : q };
      });
      const counted = new Map(ids.map((id) => [id, r.int(0, 60)]));
      const out = reconcileVan(opening, movements, counted, sku);
      expect(out.ok).toBe(true);
      if (!out.ok) continue;
      for (const l of out.value) {
        const book = (opening.get(l.variantId) ?? 0) + movements.filter((m) => m.variantId === l.variantId).reduce((s, m) => s + m.quantity, 0);
        expect(l.expected).toBe(book); // the book is the ledger's sum
        expect(l.opening + l.loaded + l.other).toBe(l.sold + l.returned + l.counted - l.variance);
      }
    }
  });
});
