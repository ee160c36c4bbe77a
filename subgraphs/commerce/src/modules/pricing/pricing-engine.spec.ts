import { describe, expect, it } from 'vitest';
import { priceLine, priceOrder, type PricingRules } from './pricing-engine.ts';

const rules = (over: Partial<PricingRules> = {}): PricingRules => ({
  currency: 'NGN',
  priceLists: [
    { customerType: 'RETAILER', discountPercent: 0 },
    { customerType: 'MODERN_TRADE', discountPercent: 3 },
    { customerType: 'WHOLESALER', discountPercent: 5 },
    { customerType: 'DISTRIBUTOR', discountPercent: 8 },
  ],
  volumeTiers: [
    { minQuantity: 10, discountPercent: 2 },
    { minQuantity: 50, discountPercent: 5 },
    { minQuantity: 100, discountPercent: 8 },
  ],
  contractPrices: new Map(),
  ...over,
});
const line = (quantity: number, basePrice = '1000.00', variantId = 'var_1') => ({ variantId, sku: 'SKU-1', basePrice, quantity });
const view = (l: ReturnType<typeof priceLine>) => ({ rule: l.pricingRule, unit: l.unitPrice.amount.toFixed(2), total: l.total.amount.toFixed(2) });

describe('pricing engine', () => {
  it('charges the base price when no rule applies (a 0% price list is no rule)', () => {
    expect(view(priceLine(line(1), 'RETAILER', rules()))).toEqual({ rule: 'BASE_PRICE', unit: '1000.00', total: '1000.00' });
    expect(view(priceLine(line(9), 'RETAILER', rules()))).toEqual({ rule: 'BASE_PRICE', unit: '1000.00', total: '9000.00' });
  });

  it('applies the price list of the customer type', () => {
    expect(view(priceLine(line(2), 'WHOLESALER', rules()))).toEqual({ rule: 'PRICE_LIST:WHOLESALER', unit: '950.00', total: '1900.00' });
    expect(view(priceLine(line(1), 'DISTRIBUTOR', rules()))).toEqual({ rule: 'PRICE_LIST:DISTRIBUTOR', unit: '920.00', total: '920.00' });
    expect(view(priceLine(line(1), 'MODERN_TRADE', rules()))).toEqual({ rule: 'PRICE_LIST:MODERN_TRADE', unit: '970.00', total: '970.00' });
  });

  it('applies the highest volume tier the quantity reaches, per line', () => {
    expect(view(priceLine(line(10), 'RETAILER', rules()))).toEqual({ rule: 'VOLUME_TIER:10+', unit: '980.00', total: '9800.00' });
    expect(view(priceLine(line(49), 'RETAILER', rules()))).toMatchObject({ rule: 'VOLUME_TIER:10+' });
    expect(view(priceLine(line(50), 'RETAILER', rules()))).toEqual({ rule: 'VOLUME_TIER:50+', unit: '950.00', total: '47500.00' });
    expect(view(priceLine(line(100), 'RETAILER', rules()))).toEqual({ rule: 'VOLUME_TIER:100+', unit: '920.00', total: '92000.00' });
    // tiers are data: unsorted, and a custom tier
    const custom = rules({ volumeTiers: [{ minQuantity: 100, discountPercent: 8 }, { minQuantity: 3, discountPercent: 1 }] });
    expect(view(priceLine(line(3), 'RETAILER', custom))).toMatchObject({ rule: 'VOLUME_TIER:3+', unit: '990.00' });
    expect(view(priceLine(line(10), 'RETAILER', rules({ volumeTiers: [] })))).toMatchObject({ rule: 'BASE_PRICE' });
  });

  it('price list and volume tier never stack: the lower unit price wins, a tie goes to the price list', () => {
    expect(view(priceLine(line(10), 'WHOLESALER', rules()))).toMatchObject({ rule: 'PRICE_LIST:WHOLESALER', unit: '950.00' }); // 5% > 2%
    expect(view(priceLine(line(100), 'WHOLESALER', rules()))).toMatchObject({ rule: 'VOLUME_TIER:100+', unit: '920.00' }); // 8% > 5%
    expect(view(priceLine(line(50), 'WHOLESALER', rules()))).toMatchObject({ rule: 'PRICE_LIST:WHOLESALER', unit: '950.00' }); // 5% = 5%
    expect(view(priceLine(line(100), 'DISTRIBUTOR', rules()))).toMatchObject({ rule: 'PRICE_LIST:DISTRIBUTOR', unit: '920.00' }); // 8% = 8%
  });

  it('contract prices take precedence over everything, even when higher', () => {
    const contractPrices = new Map([['var_1', '700.00']]);
    for (const [qty, type] of [[1, 'RETAILER'], [100, 'DISTRIBUTOR'], [50, 'WHOLESALER']] as const) {
      expect(view(priceLine(line(qty), type, rules({ contractPrices })))).toEqual({ rule: 'CONTRACT', unit: '700.00', total: (700 * qty).toFixed(2) });
    }
    const above = priceLine(line(2), 'DISTRIBUTOR', rules({ contractPrices: new Map([['var_1', '1100']]) }));
    expect(view(above)).toMatchObject({ rule: 'CONTRACT', unit: '1100.00' });
    expect(above.discount.amount.toFixed(2)).toBe('-200.00');
    // another variant's contract does not apply
    expect(view(priceLine(line(1, '1000.00', 'var_2'), 'RETAILER', rules({ contractPrices })))).toMatchObject({ rule: 'BASE_PRICE' });
  });

  it('rounds unit prices half-even to the currency minor units, with exact decimals', () => {
    const half = rules({ priceLists: [{ customerType: 'WHOLESALER', discountPercent: 50 }] });
    expect(priceLine(line(1, '10.05'), 'WHOLESALER', half).unitPrice.amount.toFixed(2)).toBe('5.02'); // 5.025 → 5.02
    expect(priceLine(line(1, '10.15'), 'WHOLESALER', half).unitPrice.amount.toFixed(2)).toBe('5.08'); // 5.075 → 5.08
    expect(priceLine(line(3, '0.10'), 'RETAILER', rules()).total.amount.toString()).toBe('0.3'); // never 0.30000000000000004
    // base prices are stored with 4 dp; they are charged at the currency's precision
    expect(priceLine(line(1, '9800.0050'), 'RETAILER', rules()).unitPrice.amount.toFixed(4)).toBe('9800.0000');
    expect(priceLine(line(1, '9800.0150'), 'RETAILER', rules()).unitPrice.amount.toFixed(4)).toBe('9800.0200');
    // XOF has no minor units
    const xof = rules({ currency: 'XOF' });
    const l = priceLine(line(1, '1005'), 'MODERN_TRADE', xof); // 974.85 → 975
    expect([l.unitPrice.currencyCode, l.unitPrice.amount.toString()]).toEqual(['XOF', '975']);
  });

  it('totals an order: subtotal at base prices, discountTotal, total = sum of lines', () => {
    const contractPrices = new Map([['var_c', '500.00']]);
    const order = priceOrder(
      'WHOLESALER',
      [line(2, '1000.00', 'var_a'), line(100, '10.00', 'var_b'), line(1, '600.00', 'var_c')],
      rules({ contractPrices }),
    );
    expect(order.lines.map((l) => l.pricingRule)).toEqual(['PRICE_LIST:WHOLESALER', 'VOLUME_TIER:100+', 'CONTRACT']);
    // subtotal 2000 + 1000 + 600 = 3600; total 1900 + 920 + 500 = 3320
    expect([order.subtotal.amount.toFixed(2), order.discountTotal.amount.toFixed(2), order.total.amount.toFixed(2)]).toEqual(['3600.00', '280.00', '3320.00']);
    expect(order.total.currencyCode).toBe('NGN');
    expect(priceOrder('RETAILER', [], rules()).total.amount.toString()).toBe('0');
  });

  it('refuses quantities that are not positive integers', () => {
    for (const q of [0, -1, 1.5, Number.NaN]) expect(() => priceLine(line(q), 'RETAILER', rules())).toThrow(RangeError);
  });
});

describe('pricing engine edges (issue 19, mutation testing)', () => {
  it('says which quantity it refused', () => {
    expect(() => priceLine(line(0), 'RETAILER', rules())).toThrow('quantity must be a positive integer, got 0');
    expect(() => priceLine(line(2.5), 'RETAILER', rules())).toThrow('quantity must be a positive integer, got 2.5');
  });
});
