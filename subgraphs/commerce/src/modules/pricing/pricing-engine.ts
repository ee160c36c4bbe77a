import { Decimal, dec, MINOR_UNITS, type CurrencyCode, type Money } from '@omniroute/core';

/**
 * The pricing engine: pure, no I/O. Given a customer's type, the tenant's rules and the lines, it prices every
 * line with exactly one rule and says which:
 *   1. CONTRACT                  a contract price for this customer and variant beats everything;
 *   2. PRICE_LIST:<TYPE>         percent off for the customer's type, or
 *      VOLUME_TIER:<min>+        percent off for lines of at least <min> units (the highest tier reached) —
 *                               whichever gives the lower unit price (a tie goes to the price list); they never stack;
 *   3. BASE_PRICE                otherwise.
 * Unit prices are rounded half-even to the currency's minor units; line total = unit price × quantity.
 * Order subtotal is at base prices, discountTotal = subtotal − total (negative if a contract is above base).
 */

export type DecimalInput = Decimal | string | number | { toString(): string };

export interface PricingRules {
  currency: CurrencyCode;
  /** Percent off by customer type, e.g. { WHOLESALER: 5 }. */
  priceLists: { customerType: string; discountPercent: DecimalInput }[];
  /** Percent off by minimum line quantity, e.g. [{ minQuantity: 10, discountPercent: 2 }]. */
  volumeTiers: { minQuantity: number; discountPercent: DecimalInput }[];
  /** This customer's contract unit prices by variant id. */
  contractPrices: ReadonlyMap<string, DecimalInput>;
}

export interface LineToPrice {
  variantId: string;
  sku: string;
  basePrice: DecimalInput;
  quantity: number;
}

export interface PricedLine {
  variantId: string;
  sku: string;
  quantity: number;
  basePrice: Money;
  unitPrice: Money;
  total: Money;
  /** (basePrice − unitPrice) × quantity. */
  discount: Money;
  /** CONTRACT | PRICE_LIST:<TYPE> | VOLUME_TIER:<min>+ | BASE_PRICE */
  pricingRule: string;
}

export interface PricedOrder {
  currency: CurrencyCode;
  lines: PricedLine[];
  subtotal: Money;
  discountTotal: Money;
  total: Money;
}

const HUNDRED = new Decimal(100);

function roundTo(currency: CurrencyCode, d: Decimal): Decimal {
  return d.toDecimalPlaces(MINOR_UNITS[currency], Decimal.ROUND_HALF_EVEN);
}

function percentOff(base: Decimal, percent: Decimal): Decimal {
  return base.times(HUNDRED.minus(percent)).div(HUNDRED);
}

/** Prices one line; `customerType` selects the price list. */
export function priceLine(line: LineToPrice, customerType: string, rules: PricingRules): PricedLine {
  const { currency } = rules;
  if (!Number.isInteger(line.quantity) || line.quantity <= 0) throw new RangeError(`quantity must be a positive integer, got ${line.quantity}`);
  const base = roundTo(currency, dec(line.basePrice));
  let unit = base;
  let rule = 'BASE_PRICE';

  const contract = rules.contractPrices.get(line.variantId);
  if (contract !== undefined) {
    unit = roundTo(currency, dec(contract));
    rule = 'CONTRACT';
  } else {
    const list = rules.priceLists.find((p) => p.customerType === customerType && dec(p.discountPercent).gt(0));
    const tier = rules.volumeTiers
      .filter((t) => t.minQuantity <= line.quantity && dec(t.discountPercent).gt(0))
      .sort((a, b) => b.minQuantity - a.minQuantity)[0];
    const listPrice = list ? roundTo(currency, percentOff(base, dec(list.discountPercent))) : null;
    const tierPrice = tier ? roundTo(currency, percentOff(base, dec(tier.discountPercent))) : null;
    if (listPrice && (!tierPrice || listPrice.lte(tierPrice))) {
      unit = listPrice;
      rule = `PRICE_LIST:${customerType}`;
    } else if (tierPrice && tier) {
      unit = tierPrice;
      rule = `VOLUME_TIER:${tier.minQuantity}+`;
    }
  }

  const total = unit.times(line.quantity);
  return {
    variantId: line.variantId,
    sku: line.sku,
    quantity: line.quantity,
    basePrice: { amount: base, currencyCode: currency },
    unitPrice: { amount: unit, currencyCode: currency },
    total: { amount: total, currencyCode: currency },
    discount: { amount: base.minus(unit).times(line.quantity), currencyCode: currency },
    pricingRule: rule,
  };
}

/** Prices every line and totals the order. */
export function priceOrder(customerType: string, lines: LineToPrice[], rules: PricingRules): PricedOrder {
  const priced = lines.map((l) => priceLine(l, customerType, rules));
  const zero = new Decimal(0);
  const subtotal = priced.reduce((s, l) => s.plus(l.basePrice.amount.times(l.quantity)), zero);
  const total = priced.reduce((s, l) => s.plus(l.total.amount), zero);
  const m = (amount: Decimal): Money => ({ amount, currencyCode: rules.currency });
  return { currency: rules.currency, lines: priced, subtotal: m(subtotal), discountTotal: m(subtotal.minus(total)), total: m(total) };
}
