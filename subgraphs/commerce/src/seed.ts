import { Decimal } from 'decimal.js';
import { seededId } from '@omniroute/core';
import type { DemoTenant } from '@omniroute/demo';
import type { PrismaClient } from './generated/prisma/client.ts';

/** Volume tiers every demo tenant starts with: percent off a line of at least `minQuantity` units. */
export const DEMO_VOLUME_TIERS = [
  { minQuantity: 10, discountPercent: 2 },
  { minQuantity: 50, discountPercent: 5 },
  { minQuantity: 100, discountPercent: 8 },
];
/** Statuses whose stock is still reserved at the location (not yet dispatched, not released). */
const HOLDS_STOCK = new Set(['PENDING', 'CONFIRMED', 'PACKED']);

/** A few negotiated prices: the first two distributors get 12% off the first three variants. */
export function demoContracts(t: DemoTenant) {
  const variants = t.products.flatMap((p) => p.variants).slice(0, 3);
  return t.customers
    .filter((c) => c.type === 'DISTRIBUTOR')
    .slice(0, 2)
    .flatMap((c) => variants.map((v) => ({ customerId: c.id, variantId: v.id, unitPrice: new Decimal(v.basePrice).times(0.88).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2) })));
}

/** Writes the commerce part of the demo plan, one transaction per tenant; skips tenants already seeded. */
export async function seedCommerce(prisma: PrismaClient, plan: DemoTenant[]): Promise<void> {
  const seeded = new Set((await prisma.tenantSettings.findMany({ where: { tenantId: { in: plan.map((t) => t.id) } } })).map((s) => s.tenantId));
  for (const t of plan) {
    if (seeded.has(t.id)) continue;
    const tenantId = t.id;
    const currency = t.currency;
    const id = (prefix: string, n: number) => seededId(prefix, t.key, n);
    const variants = t.products.flatMap((p) => p.variants.map((v) => ({ ...v, productId: p.id })));
    const basePrice = new Map(variants.map((v) => [v.id, v.basePrice]));

    const reserved = new Map<string, number>(); // `${locationId}|${variantId}` → units held by open orders
    for (const o of t.orders) {
      if (!HOLDS_STOCK.has(o.status)) continue;
      for (const l of o.lines) reserved.set(`${o.locationId}|${l.variantId}`, (reserved.get(`${o.locationId}|${l.variantId}`) ?? 0) + l.quantity);
    }
    let stockN = 0;
    let lineN = 0;
    const stock = t.locations.flatMap((l) =>
      l.stock.map((x) => {
        const held = reserved.get(`${l.id}|${x.variantId}`) ?? 0;
        return { id: id('stk', ++stockN), tenantId, locationId: l.id, variantId: x.variantId, onHand: Math.max(x.onHand, held), reserved: held };
      }),
    );
    // the first van is the sales rep's: they load, sell from and reconcile it (object rule OWN_VAN)
    const salesRep = t.users.find((u) => u.roles.includes('SALES_REP'));
    const firstVan = t.locations.find((l) => l.kind === 'VAN');
    await prisma.$transaction([
      prisma.tenantSettings.create({ data: { tenantId, currency, orderPrefix: t.key.slice(0, 3).toUpperCase() } }),
      prisma.category.createMany({ data: t.categories.map((c) => ({ id: c.id, tenantId, name: c.name })) }),
      prisma.product.createMany({ data: t.products.map((p) => ({ id: p.id, tenantId, name: p.name, brand: p.brand, categoryId: p.categoryId, tempMinC: p.temperature?.minC ?? null, tempMaxC: p.temperature?.maxC ?? null })) }),
      prisma.productVariant.createMany({
        data: variants.map((v) => ({ id: v.id, tenantId, productId: v.productId, sku: v.sku, name: v.name, basePrice: v.basePrice, currency, weightKg: v.weightKg, volumeL: v.volumeL })),
      }),
      prisma.priceList.createMany({
        data: t.priceLists.map((p, i) => ({ id: id('prl', i + 1), tenantId, customerType: p.customerType, discountPercent: p.discountPercent })),
      }),
      prisma.volumeTier.createMany({ data: DEMO_VOLUME_TIERS.map((v, i) => ({ id: id('vtr', i + 1), tenantId, ...v })) }),
      prisma.customer.createMany({
        data: t.customers.map((c) => ({
          id: c.id, tenantId, name: c.name, type: c.type, tier: c.tier, phone: c.phone, territoryId: c.territoryId, lat: c.lat, lng: c.lng,
        })),
      }),
      // the replica of logistics' sales rep assignments (territory.reps_changed keeps it current)
      prisma.repTerritory.createMany({
        data: t.repTerritories.flatMap((r) => r.territoryIds.map((territoryId) => ({ tenantId, userId: r.userId, territoryId, assignedAt: new Date(0) }))),
      }),
      prisma.contractPrice.createMany({ data: demoContracts(t).map((c, i) => ({ id: id('ctp', i + 1), tenantId, currency, ...c })) }),
      prisma.location.createMany({
        data: t.locations.map((l) => ({ id: l.id, tenantId, name: l.name, kind: l.kind, lat: l.lat, lng: l.lng, operatorUserId: l === firstVan ? (salesRep?.id ?? null) : null })),
      }),
      prisma.stockLevel.createMany({ data: stock }),
      // on hand = sum of the ledger: every seeded quantity is an opening balance
      prisma.stockMovement.createMany({
        data: stock.filter((x) => x.onHand !== 0).map((x) => ({
          id: `smv_open_${x.id}`, tenantId, type: 'OPENING_BALANCE' as const, locationId: x.locationId, variantId: x.variantId, quantity: x.onHand, reference: 'opening balance',
        })),
      }),
      prisma.order.createMany({
        data: t.orders.map((o) => ({
          id: o.id, tenantId, number: o.number, customerId: o.customerId, locationId: o.locationId, channel: o.channel, status: o.status,
          paymentTerms: o.paymentTerms, currency, subtotal: o.subtotal, discountTotal: o.discountTotal, total: o.total, placedAt: o.placedAt,
          updatedAt: o.placedAt, rejectionReason: o.status === 'REJECTED' ? 'Credit limit exceeded' : null,
        })),
      }),
      prisma.orderLine.createMany({
        data: t.orders.flatMap((o) =>
          o.lines.map((l, position) => ({
            id: id('oln', ++lineN), tenantId, orderId: o.id, position, variantId: l.variantId, sku: l.sku, quantity: l.quantity,
            basePrice: basePrice.get(l.variantId)!, unitPrice: l.unitPrice, total: l.total, currency, pricingRule: l.pricingRule,
          })),
        ),
      }),
    ]);
  }
}
