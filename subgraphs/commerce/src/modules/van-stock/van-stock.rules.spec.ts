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

describe('van reconciliation at its edges (issue 19, mutation testing)', () => {
  it('a SKU that was loaded and sold out, counted or not, is a line; one with no movement and no stock is not', () => {
    // loaded 5, sold 5: the book says 0, but the SKU moved that day, so the count must name it
    const moved: VanMovement[] = [{ variantId: 'a', type: 'TRANSFER_IN', quantity: 5 }, { variantId: 'a', type: 'SALE', quantity: -5 }];
    const missing = reconcileVan(new Map(), moved, new Map(), sku);
    expect(missing.ok ? [] : missing.errors.map((e) => [e.code, e.message, e.field])).toEqual([['COUNT_INCOMPLETE', 'Count every SKU on the van (0 for none left): A', ['input', 'counts']]]);
    const counted = reconcileVan(new Map(), moved, new Map([['a', 0]]), sku);
    expect(counted.ok && counted.value).toEqual([{ variantId: 'a', sku: 'A', opening: 0, loaded: 5, sold: 5, returned: 0, other: 0, expected: 0, counted: 0, variance: 0 }]);
    // loaded then all returned: also a line
    expect(reconcileVan(new Map(), [{ variantId: 'b', type: 'TRANSFER_IN', quantity: 2 }, { variantId: 'b', type: 'TRANSFER_OUT', quantity: -2 }], new Map(), sku).ok).toBe(false);
    // sold and returned by customers to nothing, never loaded: still moved
    expect(reconcileVan(new Map(), [{ variantId: 'c', type: 'SALE', quantity: -1 }, { variantId: 'c', type: 'ADJUSTMENT', quantity: 1 }], new Map(), sku).ok).toBe(false);
    // counted 0 and nothing happened: a line only because it was counted
    const zero = reconcileVan(new Map([['d', 0]]), [], new Map([['d', 0]]), sku);
    expect(zero.ok && zero.value.map((l) => [l.sku, l.counted, l.variance])).toEqual([['D', 0, 0]]);
    // not counted, nothing happened, no stock: skipped without error
    expect(reconcileVan(new Map([['d', 0]]), [], new Map(), sku)).toEqual({ ok: true, value: [] });
  });

  it('names at most ten missing SKUs and counts the rest', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    const r = reconcileVan(new Map(ids.map((id) => [id, 1])), [], new Map(), sku);
    expect(r.ok ? '' : r.errors[0]!.message).toBe(`Count every SKU on the van (0 for none left): ${ids.slice(0, 10).map(sku).join(', ')} and 2 more`);
    const ten = reconcileVan(new Map(ids.slice(0, 10).map((id) => [id, 1])), [], new Map(), sku);
    expect(ten.ok ? '' : ten.errors[0]!.message).toBe(`Count every SKU on the van (0 for none left): ${ids.slice(0, 10).map(sku).join(', ')}`);
  });

  it('sorts lines by SKU, takes each movement only for its own SKU, and a counted SKU the book never held is a gain', () => {
    const r = reconcileVan(new Map([['z', 2], ['m', 1]]), [{ variantId: 'z', type: 'SALE', quantity: -1 }], new Map([['z', 1], ['m', 1], ['a', 3]]), sku);
    expect(r.ok && r.value.map((l) => [l.sku, l.opening, l.sold, l.expected, l.counted, l.variance])).toEqual([
      ['A', 0, 0, 0, 3, 3], ['M', 1, 0, 1, 1, 0], ['Z', 2, 1, 1, 1, 0],
    ]);
  });
});

describe('van reconciliation: what counts as having moved (issue 19, mutation testing)', () => {
  it('a SKU loaded and written off to nothing, or returned to the warehouse to nothing, must still be counted', () => {
    // loaded 5, damaged 5: the book is 0 but 5 were loaded that day
    expect(reconcileVan(new Map(), [{ variantId: 'a', type: 'TRANSFER_IN', quantity: 5 }, { variantId: 'a', type: 'ADJUSTMENT', quantity: -5 }], new Map(), sku).ok).toBe(false);
    // opened with 2, both returned to the warehouse: the book is 0 but 2 went back
    expect(reconcileVan(new Map([['b', 2]]), [{ variantId: 'b', type: 'TRANSFER_OUT', quantity: -2 }], new Map(), sku).ok).toBe(false);
  });
});
