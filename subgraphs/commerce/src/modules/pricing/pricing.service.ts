import type { RequestScope } from '../../context.ts';
import { authorize, badUserInput, objectRuleOf, requireBoundCustomer, requireViewer, type CurrencyCode } from '@omniroute/core';
import type { Customer, Prisma, PrismaClient, ProductVariant } from '../../generated/prisma/client.ts';
import { MAX_STRING, normaliseLines, type LineInput } from '../orders/order-input.ts';
import { priceOrder, type PricedOrder, type PricingRules } from './pricing-engine.ts';
import { pricingPolicies } from './pricing.policies.ts';
import { repReachesCustomer } from '../territories/rep-territories.ts';

export interface PriceQuoteResult extends PricedOrder {
  customer: Customer;
}

type Db = Pick<PrismaClient | Prisma.TransactionClient, 'tenantSettings' | 'priceList' | 'volumeTier' | 'contractPrice'>;

/** Pricing: loads a tenant's rules for a customer and prices lines with the pure engine (quotes and placeOrder). */
export class PricingService {
  constructor(private readonly prisma: PrismaClient) {}

  /** The rules that apply to this customer for these variants (price lists, volume tiers, its contract prices). */
  private async rulesFor(tenantId: string, customerId: string, variantIds: string[], db: Db = this.prisma): Promise<PricingRules> {
    const [settings, priceLists, volumeTiers, contracts] = await Promise.all([
      db.tenantSettings.findUnique({ where: { tenantId } }),
      db.priceList.findMany({ where: { tenantId } }),
      db.volumeTier.findMany({ where: { tenantId } }),
      db.contractPrice.findMany({ where: { tenantId, customerId, variantId: { in: variantIds } } }),
    ]);
    if (!settings) throw new Error(`commerce settings missing for tenant ${tenantId}`);
    const currency = settings.currency as CurrencyCode;
    return {
      currency,
      priceLists: priceLists.map((p) => ({ customerType: p.customerType, discountPercent: p.discountPercent })),
      volumeTiers: volumeTiers.map((t) => ({ minQuantity: t.minQuantity, discountPercent: t.discountPercent })),
      // a contract in another currency cannot apply to this tenant's orders
      contractPrices: new Map(contracts.filter((c) => c.currency === currency).map((c) => [c.variantId, c.unitPrice])),
    };
  }

  /** Prices merged lines whose variants are known, with the rules of the caller's tenant. */
  async price({ viewer }: RequestScope, customer: Customer, lines: { variant: ProductVariant; quantity: number }[], db?: Db): Promise<PricedOrder> {
    const rules = await this.rulesFor(requireViewer(viewer).tenantId, customer.id, lines.map((l) => l.variant.id), db);
    return priceOrder(
      customer.type,
      lines.map((l) => ({ variantId: l.variant.id, sku: l.variant.sku, basePrice: l.variant.basePrice, quantity: l.quantity })),
      rules,
    );
  }

  /**
   * What these lines would cost this customer now. Unknown customer (or, for a retailer, another customer: its
   * contract prices are its own; for a sales rep, a customer outside their territories) → null; bad lines or SKUs →
   * BAD_USER_INPUT.
   */
  async quote(scope: RequestScope, input: { customerId: string; lines: LineInput[] }): Promise<PriceQuoteResult | null> {
    const policy = pricingPolicies['Query.priceQuote'];
    const v = authorize(policy, scope.viewer);
    const rule = objectRuleOf(policy, v);
    if (rule === 'OWN_CUSTOMER' && input.customerId !== requireBoundCustomer(v)) return null;
    if (input.customerId.length > MAX_STRING) throw badUserInput('customerId is too long', ['input', 'customerId']);
    if (rule === 'OWN_TERRITORY' && !(await repReachesCustomer(this.prisma, v, input.customerId))) return null;
    const lines = normaliseLines(input.lines, ['input', 'lines']);
    if (!lines.ok) throw badUserInput(lines.errors.map((e) => e.message).join('; '), lines.errors[0]?.field ?? undefined);
    const [customer, variants] = await Promise.all([
      this.prisma.customer.findFirst({ where: { id: input.customerId, tenantId: v.tenantId } }),
      this.prisma.productVariant.findMany({ where: { tenantId: v.tenantId, sku: { in: lines.value.map((l) => l.sku) } } }),
    ]);
    if (!customer) return null;
    const bySku = new Map(variants.map((x) => [x.sku, x]));
    const unknown = lines.value.filter((l) => !bySku.has(l.sku)).map((l) => l.sku);
    if (unknown.length) throw badUserInput(`Unknown SKU: ${unknown.join(', ')}`, ['input', 'lines']);
    const priced = await this.price(scope, customer, lines.value.map((l) => ({ variant: bySku.get(l.sku)!, quantity: l.quantity })));
    return { customer, ...priced };
  }
}
