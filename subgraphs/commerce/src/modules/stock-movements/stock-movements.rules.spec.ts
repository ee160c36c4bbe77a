import { describe, expect, it } from 'vitest';
import { checkAdjustment, countVariances, normaliseCountLines, planReceipt, poStatusOf, sumByKey } from './stock-movements.rules.ts';
import { rng } from '@omniroute/demo';

describe('adjustments (issue 15)', () => {
  it('takes the sign from the reason: write-offs remove, found adds, corrections go either way', () => {
    for (const r of ['DAMAGE', 'EXPIRY', 'THEFT', 'LOSS', 'SAMPLE'] as const) {
      expect(checkAdjustment(r, -3)).toBeNull();
      expect(checkAdjustment(r, 3)?.code).toBe('REASON_SIGN_MISMATCH');
    }
    expect(checkAdjustment('FOUND', 2)).toBeNull();
    expect(checkAdjustment('FOUND', -2)?.code).toBe('REASON_SIGN_MISMATCH');
    expect(checkAdjustment('CORRECTION', -2)).toBeNull();
    expect(checkAdjustment('CORRECTION', 2)).toBeNull();
  });

  it('refuses zero, fractions and more than 100000 units either way', () => {
    for (const q of [0, 1.5, 100_001, -100_001, Number.NaN]) expect(checkAdjustment('CORRECTION', q)?.code).toBe('INVALID_QUANTITY');
  });
});

describe('goods receipts (issue 15)', () => {
  const po = [
    { sku: 'A', orderedQuantity: 10, receivedQuantity: 0 },
    { sku: 'B', orderedQuantity: 5, receivedQuantity: 0 },
  ];

  it('receives in parts: OPEN → PARTIALLY_RECEIVED → RECEIVED', () => {
    expect(poStatusOf(po)).toBe('OPEN');
    const first = planReceipt(po, [{ sku: 'A', quantity: 4 }]);
    expect(first.ok && first.value.status).toBe('PARTIALLY_RECEIVED');
    const lines = first.ok ? first.value.lines : [];
    expect(lines.map((l) => l.receivedQuantity)).toEqual([4, 0]);
    const second = planReceipt(lines, [{ sku: 'A', quantity: 6 }, { sku: 'B', quantity: 5 }]);
    expect(second.ok && second.value.status).toBe('RECEIVED');
    expect(po.map((l) => l.receivedQuantity)).toEqual([0, 0]); // the input is not mutated
  });

  it('refuses an over-receipt whole, and SKUs not on the order', () => {
    const over = planReceipt([{ sku: 'A', orderedQuantity: 10, receivedQuantity: 8 }], [{ sku: 'A', quantity: 3 }]);
    expect(over.ok ? [] : over.errors.map((e) => [e.code, e.field])).toEqual([['OVER_RECEIPT', ['input', 'lines', '0', 'quantity']]]);
    const other = planReceipt(po, [{ sku: 'A', quantity: 1 }, { sku: 'Z', quantity: 1 }]);
    expect(other.ok ? [] : other.errors.map((e) => e.code)).toEqual(['SKU_NOT_ON_PURCHASE_ORDER']);
  });

  it('never lets received exceed ordered over any sequence of receipts (fixed seed)', () => {
    const r = rng(15);
    for (let run = 0; run < 100; run++) {
      let lines = [{ sku: 'A', orderedQuantity: r.int(1, 50), receivedQuantity: 0 }, { sku: 'B', orderedQuantity: r.int(1, 50), receivedQuantity: 0 }];
      for (let step = 0; step < 10; step++) {
        const got = planReceipt(lines, [{ sku: r.int(0, 1) ? 'A' : 'B', quantity: r.int(1, 30) }]);
        if (got.ok) lines = got.value.lines;
        for (const l of lines) expect(l.receivedQuantity).toBeLessThanOrEqual(l.orderedQuantity);
        expect(poStatusOf(lines) === 'RECEIVED').toBe(lines.every((l) => l.receivedQuantity === l.orderedQuantity));
      }
    }
  });
});

describe('cycle counts (issue 15)', () => {
  it('computes variance = counted − book, per SKU', () => {
    expect(countVariances(new Map([['A', 10], ['B', 3]]), [{ sku: 'A', countedQuantity: 8 }, { sku: 'B', countedQuantity: 3 }, { sku: 'C', countedQuantity: 2 }])).toEqual([
      { sku: 'A', expectedQuantity: 10, countedQuantity: 8, variance: -2 },
      { sku: 'B', expectedQuantity: 3, countedQuantity: 3, variance: 0 },
      { sku: 'C', expectedQuantity: 0, countedQuantity: 2, variance: 2 },
    ]);
  });

  it('accepts counts of 0 and refuses negative, fractional or repeated lines', () => {
    expect(normaliseCountLines([{ sku: 'A', countedQuantity: 0 }], ['input', 'lines']).ok).toBe(true);
    const bad = normaliseCountLines([{ sku: 'A', countedQuantity: -1 }, { sku: 'B', countedQuantity: 0.5 }, { sku: 'B', countedQuantity: 1 }], ['input', 'lines']);
    expect(bad.ok ? [] : bad.errors.map((e) => e.code)).toEqual(['INVALID_QUANTITY', 'INVALID_QUANTITY', 'INVALID_INPUT']);
    expect(normaliseCountLines([], ['input', 'lines']).ok).toBe(false);
    // a whole van or aisle is counted at once: up to 1000 lines
    const many = (n: number) => Array.from({ length: n }, (_, i) => ({ sku: `S${i}`, countedQuantity: 1 }));
    expect(normaliseCountLines(many(1000), ['input', 'lines']).ok).toBe(true);
    expect(normaliseCountLines(many(1001), ['input', 'lines']).ok).toBe(false);
  });

  it('sums a ledger by key', () => {
    expect([...sumByKey([{ k: 'a', q: 2 }, { k: 'b', q: 1 }, { k: 'a', q: -1 }], (x) => x.k, (x) => x.q)]).toEqual([['a', 1], ['b', 1]]);
  });
});
