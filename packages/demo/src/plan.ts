import { Decimal } from 'decimal.js';
import { boundingRing, containingPolygon, partition, seededId, type GeoJsonPolygon } from '@omniroute/core';
import { rng } from './random.ts';

/**
 * The demo world, computed deterministically and shared by every subgraph's seed: each subgraph writes only its
 * own part, and cross-subgraph references (order ↔ shipment ↔ invoice ↔ rider) agree because they come from here.
 */
export type CustomerType = 'RETAILER' | 'WHOLESALER' | 'DISTRIBUTOR' | 'MODERN_TRADE';
export type CustomerTier = 'BRONZE' | 'SILVER' | 'GOLD' | 'PLATINUM';
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'REJECTED' | 'PACKED' | 'DISPATCHED' | 'DELIVERED' | 'CANCELLED';
export type Channel = 'PORTAL' | 'MOBILE_APP' | 'WHATSAPP' | 'SALES_REP' | 'PARTNER_API';
export type PaymentTerms = 'CASH_ON_DELIVERY' | 'PREPAID' | 'NET_7' | 'NET_14' | 'NET_30';
export type ShipmentStatus = 'PENDING' | 'ASSIGNED' | 'IN_TRANSIT' | 'DELIVERED' | 'FAILED' | 'CANCELLED';
export type InvoiceStatus = 'DRAFT' | 'ISSUED' | 'PARTIALLY_PAID' | 'PAID' | 'OVERDUE' | 'VOID';
export type KycStatus = 'PENDING' | 'VERIFIED' | 'REJECTED';
export type Currency = 'NGN' | 'GHS';

/** `customerId`: the customer a RETAILER account orders for; `workerId`: the worker a RIDER account is. */
export interface DemoUser { id: string; email: string; name: string; roles: string[]; customerId?: string; workerId?: string }
/** `volumeL`: packed volume in litres; null where the catalogue does not know it (planning then goes by weight). */
export interface DemoVariant { id: string; sku: string; name: string; basePrice: string; weightKg: number; volumeL: number | null }
/** `temperature`: the range (°C) the goods must stay in, for chilled products; null for ambient ones. */
export interface DemoProduct { id: string; name: string; brand: string; categoryId: string; variants: DemoVariant[]; temperature: { minC: number; maxC: number } | null }
/**
 * `territoryId`: the territory whose polygon contains the customer (point-in-polygon); `deliveryWindow`: when the
 * customer takes deliveries, HH:MM UTC like the planning shift (null: any time of the shift).
 */
export interface DemoCustomer {
  id: string; name: string; type: CustomerType; tier: CustomerTier; phone: string; territoryId: string; lat: number; lng: number; creditLimit: string;
  deliveryWindow: { start: string; end: string } | null;
}
export interface DemoLocation { id: string; name: string; kind: 'WAREHOUSE' | 'VAN'; lat: number; lng: number; stock: { variantId: string; onHand: number }[] }
/** A region, area or territory: a GeoJSON polygon in the hierarchy region → area → territory. */
export interface DemoTerritory {
  id: string; name: string; kind: 'REGION' | 'AREA' | 'TERRITORY'; parentId: string | null; boundary: GeoJsonPolygon;
  center: { lat: number; lng: number }; radiusKm: number;
}
/** A sales rep (identity user with role SALES_REP) and the territories they work. */
export interface DemoRepAssignment { userId: string; territoryIds: string[] }
export interface DemoVehicle { id: string; plate: string; kind: 'MOTORBIKE' | 'VAN' | 'TRUCK' | 'TRICYCLE'; capacityKg: number; /** cargo m³ */ capacityM3: number; coldChain: boolean; territoryId: string; lat: number; lng: number }
/** `userId`/`email`: the identity user the rider signs in as (role RIDER), e.g. rider1@lagos.demo. */
export interface DemoRider { id: string; userId: string; email: string; name: string; phone: string; kycStatus: KycStatus; xp: number; rating: string }
export interface DemoOrderLine { variantId: string; sku: string; quantity: number; unitPrice: string; total: string; pricingRule: string }
export interface DemoOrder {
  id: string; number: string; customerId: string; locationId: string; channel: Channel; status: OrderStatus;
  paymentTerms: PaymentTerms; placedAt: Date; lines: DemoOrderLine[]; subtotal: string; discountTotal: string; total: string;
}
export interface DemoShipment { id: string; orderId: string; vehicleId: string | null; riderId: string | null; territoryId: string; status: ShipmentStatus; createdAt: Date; deliveredAt: Date | null }
export interface DemoInvoice { id: string; number: string; orderId: string; customerId: string; status: InvoiceStatus; total: string; amountPaid: string; issuedAt: Date | null; dueDate: Date | null }
export interface DemoTenant {
  key: string; id: string; slug: string; name: string; currency: Currency; country: string; city: string; /** IANA time zone (KPIs' 'today'). */ timeZone: string;
  users: DemoUser[]; categories: { id: string; name: string }[]; products: DemoProduct[];
  /** Customer-type price lists: percentage off the base price. */
  priceLists: { customerType: CustomerType; discountPercent: number }[];
  customers: DemoCustomer[]; locations: DemoLocation[];
  /** The territories (kind TERRITORY, the level customers and vehicles belong to); `regions` and `areas` above them. */
  territories: DemoTerritory[]; regions: DemoTerritory[]; areas: DemoTerritory[];
  /** Sales reps' territories: `sales@` works the first two, `sales2@` the rest. */
  repTerritories: DemoRepAssignment[];
  vehicles: DemoVehicle[];
  riders: DemoRider[]; orders: DemoOrder[]; shipments: DemoShipment[]; invoices: DemoInvoice[];
}

export const DEMO_PASSWORD = 'omniroute-demo';

const BRANDS: [string, string, string[], number][] = [
  // brand, category, product lines, base price in NGN per unit (carton/pack)
  ['Indomie', 'Noodles', ['Chicken Noodles', 'Onion Chicken Noodles', 'Pepper Soup Noodles', 'Hungry Man Noodles'], 9800],
  ['Peak', 'Dairy', ['Evaporated Milk', 'Full Cream Powder', 'Yoghurt Drink', '456 Milk'], 24500],
  ['Milo', 'Beverages', ['Energy Drink Powder', 'Ready to Drink', 'Cereal'], 18700],
  ['Golden Penny', 'Flour & Pasta', ['Spaghetti', 'Semovita', 'Macaroni', 'Wheat Flour'], 15200],
  ['Dangote', 'Staples', ['Granulated Sugar', 'Cube Sugar', 'Table Salt', 'Seasoning'], 21000],
  ['Coca-Cola', 'Soft Drinks', ['Coke PET', 'Fanta Orange', 'Sprite', 'Schweppes Tonic'], 7200],
  ['Maltina', 'Malt Drinks', ['Classic Can', 'Pineapple', 'Vanilla'], 8900],
  ['Omo', 'Home Care', ['Detergent Powder', 'Liquid Detergent', 'Bar Soap'], 12600],
  ['Harpic', 'Home Care', ['Toilet Cleaner', 'Power Plus'], 11400],
  ['Dettol', 'Personal Care', ['Antiseptic Liquid', 'Soap Bar', 'Hand Wash'], 16300],
  ['Power Oil', 'Cooking Oil', ['Vegetable Oil', 'Pure Soya'], 28900],
  ['Gino', 'Condiments', ['Tomato Paste Sachet', 'Tomato Paste Tin', 'Curry', 'Thyme'], 6400],
  ['Three Crowns', 'Dairy', ['Milk Tin', 'Milk Powder Sachet'], 19800],
  ['Cowbell', 'Dairy', ['Chocolate Milk', 'Milk Powder Pouch'], 13300],
  ['Titus', 'Canned Fish', ['Sardines in Oil', 'Sardines Tomato'], 22500],
];
/** Product lines sold chilled: they travel in refrigerated vehicles only (issue 15, cold chain by product). */
const CHILLED: Record<string, { minC: number; maxC: number }> = { 'Yoghurt Drink': { minC: 2, maxC: 8 }, 'Chocolate Milk': { minC: 2, maxC: 8 } };
const PACKS = [['Carton 40x70g', 1], ['Carton 24x', 1.6], ['Pack 12x', 0.55]] as const;
const FIRST = ['Adaeze', 'Chinedu', 'Tunde', 'Bola', 'Ngozi', 'Emeka', 'Funmi', 'Yusuf', 'Kemi', 'Segun', 'Amaka', 'Ibrahim', 'Kwame', 'Ama', 'Kofi', 'Esi', 'Femi', 'Halima', 'Obinna', 'Zainab'];
const LAST = ['Okafor', 'Adeyemi', 'Balogun', 'Eze', 'Bello', 'Mensah', 'Owusu', 'Abubakar', 'Nwosu', 'Ogunleye', 'Boateng', 'Danjuma', 'Ihejirika', 'Asante'];
const SHOP = ['Stores', 'Supermarket', 'Ventures', 'Enterprises', 'Mini Mart', 'Wholesale', 'Trading Co.', 'Provisions'];
const PLACES_LAGOS = ['Ikeja', 'Surulere', 'Yaba', 'Lekki', 'Ajah', 'Ikorodu', 'Apapa', 'Oshodi', 'Mushin', 'Festac', 'Agege', 'Ojota'];
const PLACES_ACCRA = ['Osu', 'Madina', 'Tema', 'Kaneshie', 'Dansoman', 'Achimota', 'Spintex', 'Labadi'];
/** Real coordinates of the districts the territories are named after. */
const PLACE_COORDS: Record<string, { lat: number; lng: number }> = {
  Ikeja: { lat: 6.6018, lng: 3.3515 }, Surulere: { lat: 6.5006, lng: 3.3581 }, Yaba: { lat: 6.5095, lng: 3.3711 },
  Lekki: { lat: 6.4474, lng: 3.4723 }, Ajah: { lat: 6.4698, lng: 3.5852 },
  Osu: { lat: 5.556, lng: -0.1769 }, Madina: { lat: 5.6685, lng: -0.1657 }, Tema: { lat: 5.6698, lng: -0.0166 },
  Kaneshie: { lat: 5.5663, lng: -0.2366 }, Dansoman: { lat: 5.5397, lng: -0.2681 },
};
const STATUS_MIX: OrderStatus[] = ['DELIVERED', 'DELIVERED', 'DELIVERED', 'DISPATCHED', 'DISPATCHED', 'PACKED', 'CONFIRMED', 'CONFIRMED', 'PENDING', 'REJECTED', 'CANCELLED'];
const TERMS: PaymentTerms[] = ['NET_7', 'NET_14', 'NET_30', 'CASH_ON_DELIVERY', 'PREPAID'];
const TYPE_DISCOUNT: Record<CustomerType, number> = { RETAILER: 0, MODERN_TRADE: 3, WHOLESALER: 5, DISTRIBUTOR: 8 };
const XP_SPREAD = [0, 120, 480, 650, 1200, 2100, 3300, 5200, 8000, 15500, 22000, 51000];
const TERM_DAYS: Record<PaymentTerms, number> = { CASH_ON_DELIVERY: 0, PREPAID: 0, NET_7: 7, NET_14: 14, NET_30: 30 };

interface TenantSpec {
  key: string; name: string; slug: string; currency: Currency; country: string; city: string; timeZone: string; center: { lat: number; lng: number };
  places: string[]; /** Areas of the region: names and the places (territories) in each. */ areas: [string, string[]][]; priceFactor: number; plate: (n: number) => string; phone: (n: number) => string;
  counts: { products: number; customers: number; vehicles: number; riders: number; orders: number };
}

const SPECS: TenantSpec[] = [
  {
    key: 'lagos', name: 'Lagos FMCG Distribution', slug: 'lagos-fmcg', currency: 'NGN', country: 'NG', city: 'Lagos', timeZone: 'Africa/Lagos',
    center: { lat: 6.5244, lng: 3.3792 }, places: PLACES_LAGOS, priceFactor: 1,
    areas: [['Mainland', ['Ikeja', 'Surulere', 'Yaba']], ['Island & Lekki', ['Lekki', 'Ajah']]],
    plate: (n) => `LAG-${String(100 + n)}-${'ABCDEFGH'[n % 8]}${'KLMNPRST'[(n * 3) % 8]}`, phone: (n) => `+234803${String(1000000 + n * 7919).slice(-7)}`,
    counts: { products: 60, customers: 120, vehicles: 24, riders: 36, orders: 240 },
  },
  {
    key: 'accra', name: 'Accra Wholesale', slug: 'accra-wholesale', currency: 'GHS', country: 'GH', city: 'Accra', timeZone: 'Africa/Accra',
    center: { lat: 5.6037, lng: -0.187 }, places: PLACES_ACCRA, priceFactor: 0.0085,
    areas: [['Central', ['Osu', 'Kaneshie', 'Dansoman']], ['East', ['Madina', 'Tema']]],
    plate: (n) => `GR-${String(2000 + n)}-24`, phone: (n) => `+233244${String(100000 + n * 4243).slice(-6)}`,
    counts: { products: 24, customers: 40, vehicles: 8, riders: 12, orders: 70 },
  },
];

const money = (d: Decimal) => d.toFixed(2);

function buildTenant(spec: TenantSpec, index: number): DemoTenant {
  const r = rng(20261125 + index * 7777);
  const id = (p: string, n: number) => seededId(p, spec.key, n);
  const tenantId = `tnt_${spec.key.toUpperCase()}`;
  const users: DemoUser[] = [
    { id: id('usr', 1), email: `ops@${spec.key}.demo`, name: `${spec.city} Operations`, roles: ['ADMIN'] },
    { id: id('usr', 2), email: `finance@${spec.key}.demo`, name: `${spec.city} Finance`, roles: ['FINANCE'] },
    { id: id('usr', 3), email: `sales@${spec.key}.demo`, name: `${spec.city} Sales Rep`, roles: ['SALES_REP'] },
    { id: id('usr', 4), email: `dispatch@${spec.key}.demo`, name: `${spec.city} Dispatch`, roles: ['OPERATIONS'] },
  ];
  const categoryNames = [...new Set(BRANDS.map((b) => b[1]))];
  const categories = categoryNames.map((name, i) => ({ id: id('cat', i + 1), name }));

  const products: DemoProduct[] = [];
  let variantN = 0;
  for (let i = 0; products.length < spec.counts.products; i++) {
    const [brand, cat, lines, base] = BRANDS[i % BRANDS.length]!;
    const line = lines[Math.floor(i / BRANDS.length) % lines.length]!;
    const round = Math.floor(i / (BRANDS.length * 4));
    const pid = id('prd', products.length + 1);
    const variants: DemoVariant[] = PACKS.slice(0, 1 + (products.length % 3)).map(([pack, factor]) => {
      variantN++;
      const price = new Decimal(base).times(factor).times(spec.priceFactor).times(1 + round * 0.07).toDecimalPlaces(2);
      return {
        id: id('var', variantN),
        sku: `${spec.key.slice(0, 3).toUpperCase()}-${brand.replace(/[^A-Z]/gi, '').slice(0, 4).toUpperCase()}-${String(variantN).padStart(4, '0')}`,
        name: pack,
        basePrice: money(price),
        weightKg: Math.round(4 + factor * 6),
        volumeL: volumeOf(cat, Math.round(4 + factor * 6)),
      };
    });
    products.push({ id: pid, name: `${brand} ${line}${round ? ` (Series ${round + 1})` : ''}`, brand, categoryId: categories[categoryNames.indexOf(cat)]!.id, variants, temperature: CHILLED[line] ?? null });
  }
  const allVariants = products.flatMap((p) => p.variants);

  const { regions, areas, territories } = territoryTree(spec, id);

  const types: CustomerType[] = ['RETAILER', 'RETAILER', 'RETAILER', 'WHOLESALER', 'DISTRIBUTOR', 'MODERN_TRADE'];
  const tiers: CustomerTier[] = ['BRONZE', 'BRONZE', 'SILVER', 'SILVER', 'GOLD', 'PLATINUM'];
  const customers: DemoCustomer[] = Array.from({ length: spec.counts.customers }, (_, i) => {
    const type = types[i % types.length]!;
    const ter = territories[i % territories.length]!;
    const limitBase = { RETAILER: 500_000, WHOLESALER: 3_000_000, DISTRIBUTOR: 8_000_000, MODERN_TRADE: 5_000_000 }[type];
    return {
      id: id('cus', i + 1),
      name: `${r.pick(FIRST)} ${r.pick(LAST)} ${r.pick(SHOP)}`,
      type,
      tier: r.pick(tiers),
      phone: spec.phone(i + 11),
      territoryId: ter.id,
      lat: ter.center.lat + (r.next() - 0.5) * 0.05,
      lng: ter.center.lng + (r.next() - 0.5) * 0.05,
      creditLimit: money(new Decimal(limitBase).times(spec.priceFactor === 1 ? 1 : 0.01)),
      deliveryWindow: windowOf(type, i),
    };
  });
  // Customers belong to the territory whose polygon contains them (not to the one they were scattered around).
  for (const c of customers) c.territoryId = containingPolygon(c, territories)?.id ?? c.territoryId;
  // a shop owner who signs in to order for their own shop (RETAILER, bound to the first retail customer)
  const shop = customers.find((c) => c.type === 'RETAILER')!;
  users.push({ id: id('usr', 5), email: `retailer@${spec.key}.demo`, name: shop.name, roles: ['RETAILER'], customerId: shop.id });
  // a second sales rep, so that each rep has customers the other may not see (object rule OWN_TERRITORY)
  users.push({ id: id('usr', 6), email: `sales2@${spec.key}.demo`, name: `${spec.city} Sales Rep 2`, roles: ['SALES_REP'] });
  const repTerritories: DemoRepAssignment[] = [
    { userId: id('usr', 3), territoryIds: territories.slice(0, 2).map((x) => x.id) },
    { userId: id('usr', 6), territoryIds: territories.slice(2).map((x) => x.id) },
  ];

  const locations: DemoLocation[] = [
    { id: id('loc', 1), name: `${spec.city} Central Warehouse`, kind: 'WAREHOUSE', lat: spec.center.lat, lng: spec.center.lng, stock: [] },
    { id: id('loc', 2), name: `${spec.places[1]} Depot`, kind: 'WAREHOUSE', lat: territories[1]!.center.lat, lng: territories[1]!.center.lng, stock: [] },
    { id: id('loc', 3), name: 'Van Sales 1', kind: 'VAN', lat: territories[2]!.center.lat, lng: territories[2]!.center.lng, stock: [] },
    { id: id('loc', 4), name: 'Van Sales 2', kind: 'VAN', lat: territories[3]!.center.lat, lng: territories[3]!.center.lng, stock: [] },
  ];
  for (const loc of locations) loc.stock = allVariants.map((v) => ({ variantId: v.id, onHand: loc.kind === 'WAREHOUSE' ? r.int(400, 2000) : r.int(20, 80) }));

  const kinds: DemoVehicle['kind'][] = ['MOTORBIKE', 'MOTORBIKE', 'TRICYCLE', 'VAN', 'VAN', 'TRUCK'];
  const capacity = { MOTORBIKE: 120, TRICYCLE: 400, VAN: 1500, TRUCK: 8000 };
  const vehicles: DemoVehicle[] = Array.from({ length: spec.counts.vehicles }, (_, i) => {
    const kind = kinds[i % kinds.length]!;
    const ter = territories[i % territories.length]!;
    return {
      id: id('veh', i + 1), plate: spec.plate(i + 1), kind, capacityKg: capacity[kind], capacityM3: CAPACITY_M3[kind], coldChain: kind !== 'MOTORBIKE' && i % 4 === 3,
      territoryId: ter.id, lat: ter.center.lat + (r.next() - 0.5) * 0.04, lng: ter.center.lng + (r.next() - 0.5) * 0.04,
    };
  });

  const riders: DemoRider[] = Array.from({ length: spec.counts.riders }, (_, i) => ({
    id: id('wrk', i + 1),
    userId: id('usr', 1000 + i + 1),
    email: `rider${i + 1}@${spec.key}.demo`,
    name: `${r.pick(FIRST)} ${r.pick(LAST)}`,
    phone: spec.phone(500 + i),
    kycStatus: i % 9 === 8 ? 'PENDING' : 'VERIFIED',
    xp: XP_SPREAD[i % XP_SPREAD.length]! + r.int(0, 40),
    rating: (3.6 + r.next() * 1.4).toFixed(2),
  }));
  const verifiedRiders = riders.filter((x) => x.kycStatus === 'VERIFIED');
  // every rider can sign in (the rider app: own tasks, earnings, position reports)
  users.push(...riders.map((x) => ({ id: x.userId, email: x.email, name: x.name, roles: ['RIDER'], workerId: x.id })));

  const orders: DemoOrder[] = [];
  const shipments: DemoShipment[] = [];
  const invoices: DemoInvoice[] = [];
  const now = Date.UTC(2026, 10, 25, 8, 0, 0);
  // Only the newest dispatched orders are still on the road, each on its own vehicle, so half the fleet is free.
  const onTheRoad = Math.floor(spec.counts.vehicles / 2);
  const dispatchedIdx = [...Array(spec.counts.orders).keys()].filter((i) => STATUS_MIX[i % STATUS_MIX.length] === 'DISPATCHED').slice(-onTheRoad);
  for (let i = 0; i < spec.counts.orders; i++) {
    const customer = customers[(i * 7) % customers.length]!;
    // the newest orders (highest ids) cycle through every status, so any page shows the whole life cycle
    const mixed = STATUS_MIX[i % STATUS_MIX.length]!;
    const status: OrderStatus = mixed === 'DISPATCHED' && !dispatchedIdx.includes(i) ? 'DELIVERED' : mixed;
    const discount = TYPE_DISCOUNT[customer.type];
    const lineCount = 1 + (i % 4);
    const used = new Set<string>();
    const lines: DemoOrderLine[] = [];
    for (let l = 0; l < lineCount; l++) {
      let v = r.pick(allVariants);
      while (used.has(v.id)) v = r.pick(allVariants);
      used.add(v.id);
      const quantity = r.int(1, 12);
      const unitPrice = new Decimal(v.basePrice).times(100 - discount).div(100).toDecimalPlaces(2);
      lines.push({
        variantId: v.id, sku: v.sku, quantity, unitPrice: money(unitPrice), total: money(unitPrice.times(quantity)),
        pricingRule: discount ? `PRICE_LIST:${customer.type}` : 'BASE_PRICE',
      });
    }
    const subtotal = lines.reduce((s, l) => s.plus(l.total), new Decimal(0));
    const baseTotal = lines.reduce((s, l) => s.plus(new Decimal(allVariants.find((v) => v.id === l.variantId)!.basePrice).times(l.quantity)), new Decimal(0));
    const placedAt = new Date(now - (spec.counts.orders - i) * 47 * 60_000);
    const terms = TERMS[i % TERMS.length]!;
    const order: DemoOrder = {
      id: id('ord', i + 1), number: `${spec.key.slice(0, 3).toUpperCase()}-${String(10000 + i + 1)}`, customerId: customer.id,
      locationId: locations[i % 2]!.id, channel: (['PORTAL', 'MOBILE_APP', 'WHATSAPP', 'SALES_REP', 'PARTNER_API'] as Channel[])[i % 5]!,
      status, paymentTerms: terms, placedAt, lines, subtotal: money(baseTotal), discountTotal: money(baseTotal.minus(subtotal)), total: money(subtotal),
    };
    orders.push(order);
    if (status === 'PENDING' || status === 'REJECTED' || status === 'CANCELLED') continue;
    const assigned = status !== 'CONFIRMED';
    const vehicle = status === 'DISPATCHED' ? vehicles[dispatchedIdx.indexOf(i)]! : vehicles[i % vehicles.length]!;
    const shipStatus: ShipmentStatus = { CONFIRMED: 'PENDING', PACKED: 'ASSIGNED', DISPATCHED: 'IN_TRANSIT', DELIVERED: 'DELIVERED' }[status as 'CONFIRMED'] as ShipmentStatus;
    shipments.push({
      id: id('shp', i + 1), orderId: order.id, vehicleId: assigned ? vehicle.id : null, riderId: assigned ? verifiedRiders[i % verifiedRiders.length]!.id : null,
      territoryId: customer.territoryId, status: shipStatus, createdAt: new Date(placedAt.getTime() + 5 * 60_000),
      deliveredAt: status === 'DELIVERED' ? new Date(placedAt.getTime() + 4 * 3600_000) : null,
    });
    const delivered = status === 'DELIVERED';
    const issuedAt = delivered ? new Date(placedAt.getTime() + 4 * 3600_000) : null;
    const paidShare = !delivered ? 0 : terms === 'PREPAID' || terms === 'CASH_ON_DELIVERY' ? 1 : [0, 0.5, 1][i % 3]!;
    const paid = subtotal.times(paidShare).toDecimalPlaces(2);
    invoices.push({
      id: id('inv', i + 1), number: `INV-${spec.key.slice(0, 3).toUpperCase()}-${String(20000 + i + 1)}`, orderId: order.id, customerId: customer.id,
      status: !delivered ? 'DRAFT' : paidShare === 1 ? 'PAID' : paidShare > 0 ? 'PARTIALLY_PAID' : 'ISSUED',
      total: money(subtotal), amountPaid: money(paid), issuedAt,
      dueDate: issuedAt ? new Date(issuedAt.getTime() + TERM_DAYS[terms] * 86_400_000) : null,
    });
  }

  return {
    key: spec.key, id: tenantId, slug: spec.slug, name: spec.name, currency: spec.currency, country: spec.country, city: spec.city, timeZone: spec.timeZone,
    users, categories, products,
    priceLists: (Object.keys(TYPE_DISCOUNT) as CustomerType[]).filter((t) => TYPE_DISCOUNT[t] > 0).map((t) => ({ customerType: t, discountPercent: TYPE_DISCOUNT[t] })),
    customers, locations, territories, regions, areas, repTerritories, vehicles, riders, orders, shipments, invoices,
  };
}

/** Cargo space by vehicle kind, m³ (a motorbike box, a tricycle's bed, a panel van, a 7-tonne box truck). */
const CAPACITY_M3 = { MOTORBIKE: 0.3, TRICYCLE: 1.5, VAN: 9, TRUCK: 36 } as const;
/** Litres per kg of a carton by category: noodles and snacks are bulky, drinks and oil dense. Condiments: unknown. */
const LITRES_PER_KG: Record<string, number | null> = {
  Noodles: 3.2, Dairy: 1.4, Beverages: 1.6, 'Flour & Pasta': 1.8, Staples: 1.3, 'Soft Drinks': 1.2, 'Malt Drinks': 1.2,
  'Home Care': 1.5, 'Personal Care': 1.5, 'Cooking Oil': 1.15, Condiments: null, 'Canned Fish': 1.1,
};
function volumeOf(category: string, weightKg: number): number | null {
  const perKg = LITRES_PER_KG[category];
  return perKg == null ? null : Math.round(weightKg * perKg * 10) / 10;
}

/**
 * Delivery windows (UTC, the planning shift is 08:00–18:00 UTC): supermarkets receive in the morning, wholesalers
 * midday, distributors all day; every other retailer only in the afternoon, the rest any time.
 */
function windowOf(type: CustomerType, i: number): DemoCustomer['deliveryWindow'] {
  if (type === 'MODERN_TRADE') return { start: '08:00', end: '13:00' };
  if (type === 'WHOLESALER') return { start: '09:00', end: '16:00' };
  if (type === 'DISTRIBUTOR') return { start: '08:00', end: '17:00' };
  return i % 2 === 0 ? { start: '11:00', end: '17:30' } : null;
}

/**
 * The region → area → territory polygons of a city: the region is the box around its districts, split among the
 * areas (nearest area centre) and each area among its territories (nearest district): cells that tile the region.
 */
function territoryTree(spec: TenantSpec, id: (p: string, n: number) => string) {
  const places = spec.places.slice(0, 5);
  const coords = places.map((p) => PLACE_COORDS[p]!);
  const ring = boundingRing(coords, 0.06);
  const region: DemoTerritory = {
    id: id('ter', 100), name: `${spec.city} Region`, kind: 'REGION', parentId: null, boundary: { type: 'Polygon', coordinates: [ring] },
    center: { ...spec.center }, radiusKm: 25,
  };
  const mean = (ps: { lat: number; lng: number }[]) => ({ lat: ps.reduce((s, p) => s + p.lat, 0) / ps.length, lng: ps.reduce((s, p) => s + p.lng, 0) / ps.length });
  const areaSeeds = spec.areas.map(([, ps]) => mean(ps.map((p) => PLACE_COORDS[p]!)));
  const areaCells = partition(ring, areaSeeds);
  const areas: DemoTerritory[] = spec.areas.map(([name], k) => ({
    id: id('ter', 101 + k), name: `${name} Area`, kind: 'AREA', parentId: region.id, boundary: areaCells[k]!, center: areaSeeds[k]!, radiusKm: 12,
  }));
  const territories: DemoTerritory[] = places.map((place, i) => ({
    id: id('ter', i + 1), name: `${place} Zone`, kind: 'TERRITORY', parentId: null, boundary: { type: 'Polygon', coordinates: [] }, center: { ...coords[i]! }, radiusKm: 6,
  }));
  spec.areas.forEach(([, ps], k) => {
    const members = ps.map((p) => places.indexOf(p));
    const cells = partition(areas[k]!.boundary.coordinates[0]!, members.map((m) => coords[m]!));
    members.forEach((m, j) => Object.assign(territories[m]!, { parentId: areas[k]!.id, boundary: cells[j]! }));
  });
  return { regions: [region], areas, territories };
}

let cached: DemoTenant[] | undefined;
/** The seeded demo tenants: Lagos FMCG Distribution (NGN) and Accra Wholesale (GHS). */
export function demoPlan(): DemoTenant[] {
  cached ??= SPECS.map(buildTenant);
  return cached;
}
