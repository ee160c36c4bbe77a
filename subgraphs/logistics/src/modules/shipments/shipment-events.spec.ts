import { describe, expect, it } from 'vitest';
import { parseOrderCancelled, parseOrderConfirmed } from './shipment-events.ts';

describe('parseOrderConfirmed', () => {
  it('keeps the fields logistics needs', () => {
    const p = parseOrderConfirmed({
      orderId: 'ord_1', number: 'LAG-1', customerId: 'cus_1', customerName: 'Ada Stores', locationId: 'loc_1', territoryId: 'ter_1',
      destination: { lat: 6.5, lng: 3.3 }, total: { amount: '1500.00', currencyCode: 'NGN' }, weightKg: 42, volumeM3: 0.35, temperature: { minC: 2, maxC: 8 },
    });
    expect(p).toEqual({ orderId: 'ord_1', number: 'LAG-1', customerId: 'cus_1', customerName: 'Ada Stores', locationId: 'loc_1', territoryId: 'ter_1', destination: { lat: 6.5, lng: 3.3 }, weightKg: 42, volumeM3: 0.35, temperature: { minC: 2, maxC: 8 } });
  });

  it('accepts numbers sent as strings and drops what is unusable', () => {
    const p = parseOrderConfirmed({ orderId: 'ord_1', destination: { lat: '6.5', lng: 'x' }, weightKg: '12.5', locationId: 7 });
    expect(p).toMatchObject({ orderId: 'ord_1', destination: null, weightKg: 12.5, locationId: null, temperature: null });
    expect(parseOrderConfirmed({ orderId: 'ord_1', temperature: { minC: '2', maxC: 'cold' } })?.temperature).toBeNull();
    expect(parseOrderConfirmed({ orderId: 'ord_1', destination: { lat: 95, lng: 3 } })?.destination).toBeNull();
  });

  it('rejects payloads without an orderId', () => {
    for (const bad of [null, 'x', {}, { orderId: '' }, { orderId: 5 }, { orderId: 'x'.repeat(201) }]) expect(parseOrderConfirmed(bad)).toBeNull();
  });
});

describe('parseOrderCancelled', () => {
  it('needs an orderId', () => {
    expect(parseOrderCancelled({ orderId: 'ord_1', customerId: 'cus_1' })).toEqual({ orderId: 'ord_1', customerId: 'cus_1' });
    expect(parseOrderCancelled({})).toBeNull();
  });
});
