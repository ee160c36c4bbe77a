import { describe, expect, it } from 'vitest';
import { normaliseLines, validatePlaceOrder } from './order-input.ts';

const base = { customerId: 'cus_1', channel: 'PORTAL', locationId: 'loc_1', lines: [{ sku: 'A', quantity: 1 }] };
const codes = (r: ReturnType<typeof validatePlaceOrder>) => (r.ok ? [] : r.errors.map((e) => `${e.code}@${e.field?.join('.')}`));

describe('placeOrder input', () => {
  it('accepts a good request and merges repeated SKUs, keeping first-seen order', () => {
    const r = validatePlaceOrder({ ...base, lines: [{ sku: 'B', quantity: 2 }, { sku: 'A', quantity: 1 }, { sku: 'B', quantity: 3 }] });
    expect(r.ok && r.value.lines).toEqual([{ sku: 'B', quantity: 5 }, { sku: 'A', quantity: 1 }]);
  });

  it('refuses empty, too many, bad quantities and oversized strings with a field path', () => {
    expect(codes(validatePlaceOrder({ ...base, lines: [] }))).toEqual(['INVALID_INPUT@input.lines']);
    const many = Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    expect(codes(validatePlaceOrder({ ...base, lines: many }))).toEqual(['INVALID_INPUT@input.lines']);
    expect(validatePlaceOrder({ ...base, lines: many.slice(0, 100) }).ok).toBe(true);
    for (const quantity of [0, -3, 1.5, 100_001, Number.NaN]) {
      expect(codes(validatePlaceOrder({ ...base, lines: [{ sku: 'A', quantity }] }))).toEqual(['INVALID_QUANTITY@input.lines.0.quantity']);
    }
    expect(validatePlaceOrder({ ...base, lines: [{ sku: 'A', quantity: 100_000 }] }).ok).toBe(true);
    expect(codes(validatePlaceOrder({ ...base, lines: [{ sku: 'A', quantity: 60_000 }, { sku: 'A', quantity: 60_000 }] }))).toEqual(['INVALID_QUANTITY@input.lines']);
    expect(codes(validatePlaceOrder({ ...base, lines: [{ sku: 'x'.repeat(201), quantity: 1 }] }))).toEqual(['INVALID_INPUT@input.lines.0.sku']);
    expect(codes(validatePlaceOrder({ ...base, customerId: 'c'.repeat(201), locationId: '' }))).toEqual(['INVALID_INPUT@input.customerId', 'INVALID_INPUT@input.locationId']);
    expect(codes(validatePlaceOrder({ ...base, idempotencyKey: 'k'.repeat(101) }))).toEqual(['INVALID_INPUT@input.idempotencyKey']);
    expect(codes(validatePlaceOrder({ ...base, idempotencyKey: '' }))).toEqual(['INVALID_INPUT@input.idempotencyKey']);
    expect(validatePlaceOrder({ ...base, idempotencyKey: 'k'.repeat(100) }).ok).toBe(true);
  });

  it('hashes the normalised request: same lines in another order or split → same hash; anything else → another', () => {
    const h = (x: object) => {
      const r = validatePlaceOrder({ ...base, ...x });
      return r.ok ? r.value.requestHash : 'invalid';
    };
    const two = [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }];
    expect(h({ lines: two })).toBe(h({ lines: [{ sku: 'B', quantity: 1 }, { sku: 'A', quantity: 1 }, { sku: 'A', quantity: 1 }] }));
    expect(h({ lines: two })).not.toBe(h({ lines: [{ sku: 'A', quantity: 3 }, { sku: 'B', quantity: 1 }] }));
    expect(h({ lines: two })).not.toBe(h({ lines: two, customerId: 'cus_2' }));
    expect(h({ lines: two })).not.toBe(h({ lines: two, paymentTerms: 'NET_7' }));
  });

  it('normaliseLines is shared with priceQuote', () => {
    expect(normaliseLines([{ sku: 'A', quantity: 1 }], ['input', 'lines'])).toEqual({ ok: true, value: [{ sku: 'A', quantity: 1 }] });
  });
});
