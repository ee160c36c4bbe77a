import { describe, expect, it } from 'vitest';
import { badId, checkAdjustment, countVariances, normaliseCountLines, noteOf, planReceipt, poStatusOf, sumByKey } from './stock-movements.rules.ts';
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

describe('stock rules at their edges (issue 19, mutation testing)', () => {
  it('takes exactly 100000 units either way and tells which rule refused and where', () => {
    expect(checkAdjustment('CORRECTION', 100_000)).toBeNull();
    expect(checkAdjustment('CORRECTION', -100_000)).toBeNull();
    expect(checkAdjustment('CORRECTION', 100_001)).toEqual({ code: 'INVALID_QUANTITY', message: 'quantity must be a whole number from -100000 to 100000, not 0', field: ['input', 'quantity'] });
    expect(checkAdjustment('THEFT', 1)).toEqual({ code: 'REASON_SIGN_MISMATCH', message: 'THEFT only takes stock away: the quantity must be negative', field: ['input', 'quantity'] });
    expect(checkAdjustment('FOUND', -1)).toEqual({ code: 'REASON_SIGN_MISMATCH', message: 'FOUND only adds stock: the quantity must be positive', field: ['input', 'quantity'] });
  });

  it('trims a note, drops an empty one, and takes up to the limit', () => {
    expect(noteOf('  short  ', ['input', 'note'])).toEqual({ ok: true, value: 'short' });
    expect(noteOf('   ', ['input', 'note'])).toEqual({ ok: true, value: null });
    expect(noteOf(null, ['input', 'note'])).toEqual({ ok: true, value: null });
    expect(noteOf(undefined, ['input', 'note'])).toEqual({ ok: true, value: null });
    expect(noteOf('x'.repeat(500), ['input', 'note'])).toEqual({ ok: true, value: 'x'.repeat(500) });
    expect(noteOf(` ${'x'.repeat(500)} `, ['input', 'note']).ok).toBe(true); // the limit applies after trimming
    expect(noteOf('x'.repeat(501), ['input', 'note'])).toEqual({ ok: false, errors: [{ code: 'INVALID_INPUT', message: 'note is at most 500 characters', field: ['input', 'note'] }] });
    expect(noteOf('x'.repeat(11), ['n'], 10).ok).toBe(false);
  });

  it('checks ids: a non-empty string of at most 200 characters', () => {
    expect([badId('loc_1'), badId('x'.repeat(200)), badId(''), badId('   '), badId('x'.repeat(201)), badId(7), badId(null)]).toEqual([false, false, true, true, true, true, true]);
  });

  it('reports each bad count line at its own path, and counts of up to 100000', () => {
    const r = normaliseCountLines([{ sku: '', countedQuantity: 1 }, { sku: 'A', countedQuantity: 100_000 }, { sku: 'A', countedQuantity: 100_001 }, { sku: 'x'.repeat(201), countedQuantity: 0 }], ['input', 'lines']);
    expect(r.ok ? [] : r.errors).toEqual([
      { code: 'INVALID_INPUT', message: 'SKU must be 1 to 200 characters', field: ['input', 'lines', '0', 'sku'] },
      { code: 'INVALID_INPUT', message: 'A is counted twice', field: ['input', 'lines', '2', 'sku'] },
      { code: 'INVALID_QUANTITY', message: 'countedQuantity must be a whole number from 0 to 100000', field: ['input', 'lines', '2', 'countedQuantity'] },
      { code: 'INVALID_INPUT', message: 'SKU must be 1 to 200 characters', field: ['input', 'lines', '3', 'sku'] },
    ]);
    expect(normaliseCountLines([], ['input', 'lines'])).toEqual({ ok: false, errors: [{ code: 'INVALID_INPUT', message: 'A count needs at least one line', field: ['input', 'lines'] }] });
    expect(normaliseCountLines(null as never, ['input', 'lines']).ok).toBe(false);
    const many = Array.from({ length: 1001 }, (_, i) => ({ sku: `S${i}`, countedQuantity: 1 }));
    expect(normaliseCountLines(many, ['input', 'lines'])).toEqual({ ok: false, errors: [{ code: 'INVALID_INPUT', message: 'A count has at most 1000 lines', field: ['input', 'lines'] }] });
    // only sku and countedQuantity are kept
    expect(normaliseCountLines([{ sku: 'A', countedQuantity: 2, extra: 1 } as never], ['l'])).toEqual({ ok: true, value: [{ sku: 'A', countedQuantity: 2 }] });
  });

  it('a purchase order is partially received from the first unit, received when every line is', () => {
    expect(poStatusOf([{ sku: 'A', orderedQuantity: 2, receivedQuantity: 1 }, { sku: 'B', orderedQuantity: 2, receivedQuantity: 0 }])).toBe('PARTIALLY_RECEIVED');
    expect(poStatusOf([{ sku: 'A', orderedQuantity: 2, receivedQuantity: 2 }, { sku: 'B', orderedQuantity: 2, receivedQuantity: 0 }])).toBe('PARTIALLY_RECEIVED');
    expect(poStatusOf([{ sku: 'A', orderedQuantity: 2, receivedQuantity: 2 }, { sku: 'B', orderedQuantity: 2, receivedQuantity: 1 }])).toBe('PARTIALLY_RECEIVED');
    expect(poStatusOf([{ sku: 'A', orderedQuantity: 2, receivedQuantity: 2 }, { sku: 'B', orderedQuantity: 2, receivedQuantity: 2 }])).toBe('RECEIVED');
    expect(poStatusOf([{ sku: 'A', orderedQuantity: 2, receivedQuantity: 0 }])).toBe('OPEN');
  });

  it('receives exactly what is still open, and says what was expected when over', () => {
    const po = [{ sku: 'A', orderedQuantity: 10, receivedQuantity: 7 }];
    expect(planReceipt(po, [{ sku: 'A', quantity: 3 }])).toEqual({ ok: true, value: { lines: [{ sku: 'A', orderedQuantity: 10, receivedQuantity: 10 }], status: 'RECEIVED' } });
    expect(planReceipt(po, [{ sku: 'A', quantity: 4 }])).toEqual({ ok: false, errors: [{ code: 'OVER_RECEIPT', message: 'A: 4 received but only 3 of 10 still expected', field: ['input', 'lines', '0', 'quantity'] }] });
    const long = 'Z'.repeat(60);
    expect(planReceipt(po, [{ sku: 'A', quantity: 1 }, { sku: long, quantity: 1 }])).toEqual({ ok: false, errors: [{ code: 'SKU_NOT_ON_PURCHASE_ORDER', message: `${'Z'.repeat(50)} is not on this purchase order`, field: ['input', 'lines', '1', 'sku'] }] });
    // both problems at once are both reported, and nothing is applied
    const both = planReceipt(po, [{ sku: 'Q', quantity: 1 }, { sku: 'A', quantity: 9 }]);
    expect(both.ok ? [] : both.errors.map((e) => e.code)).toEqual(['SKU_NOT_ON_PURCHASE_ORDER', 'OVER_RECEIPT']);
  });
});
