// The dashboard's state, kept outside React: loaders for the initial queries, reducers for subscription events,
// and the KPIs as the subgraphs computed them (SQL over every row; nothing is summed here from a capped list).
// Pure (clock passed in) so it is unit-tested without a browser.

import { dayIn, MapPlaces } from './map/places.ts';

export interface ShipmentStopInfo { sequence: number; kind?: string; lat: number; lng: number; address?: string; arrived: boolean }

export interface ShipmentInfo {
  id?: string;
  status?: string;
  /** drops still ahead, in order (from Shipment.stops) */
  stops?: ShipmentStopInfo[];
  orderNumber?: string;
  customer?: string;
  rider?: string;
  riderLevel?: string;
}

export interface VehicleState {
  id: string;
  plate: string;
  kind?: string;
  coldChain: boolean;
  lat: number | null;
  lng: number | null;
  speedKph: number | null;
  heading: number | null;
  temperatureC: number | null;
  /** ms since epoch of the last position */
  recordedAt: number | null;
  shipment: ShipmentInfo | null;
  /** last positions, oldest first (for the trail) */
  trail: { lat: number; lng: number }[];
  /** ms when a live update last arrived (drives the pulse) */
  updatedAt: number | null;
}

export interface OrderRecord {
  id?: string;
  number: string;
  status: string;
  placedAt: number | null;
  amount: string | null;
  currency: string | null;
  customer?: string;
}

export interface FeedItem {
  key: string;
  number: string;
  status: string;
  previousStatus: string | null;
  at: number;
  amount: string | null;
  currency: string | null;
  customer?: string;
  shipmentStatus?: string;
  invoiceStatus?: string;
  live: boolean;
}


export interface ColdChainAlertItem {
  key: string;
  vehicleId?: string;
  plate: string;
  temperatureC: number;
  limitC: number;
  at: number;
  lat?: number;
  lng?: number;
  orderNumber?: string;
  customer?: string;
}

/** One SKU of a van reconciliation whose count differed from the book. */
export interface VanVarianceLine {
  sku: string;
  name?: string;
  expected: number;
  counted: number;
  /** counted − expected (negative: units missing) */
  variance: number;
  /** the variance at list price, as the graph computed it (Decimal string); null on an older graph */
  value: { amount: string; currency: string } | null;
}

/** A van's end-of-day reconciliation that found variances (`vanReconciliations`, issue 15). */
export interface VanReconciliationItem {
  id: string;
  vanId?: string;
  van: string;
  /** ms since epoch */
  at: number;
  totalVariance: number;
  absoluteVariance: number;
  value: { amount: string; currency: string } | null;
  note?: string;
  /** only the SKUs with a variance, largest first */
  lines: VanVarianceLine[];
}

/** Figures the subgraphs computed (commerceKpis, logisticsKpis, financeKpis); a part is null when its root is absent. */
export interface ServerKpis {
  commerce: {
    timeZone: string; dayStart: number; gmv: { amount: string; currencyCode: string };
    ordersToday: number; ordersPerMinute: number; ordersInRateWindow: number; rateWindowMinutes: number;
  } | null;
  logistics: {
    activeVehicles: number; vehicles: number; activeWithinMinutes: number; coldChainExcursions: number;
    onTime: { windowStart: number; windowEnd: number; windowHours: number; delivered: number; onTime: number; withoutEta: number; rate: number | null };
  } | null;
  finance: { timeZone: string; dayStart: number; collections: { amount: string; currencyCode: string }[]; paymentsToday: number } | null;
}

/** What the page itself derives from the live streams: the sparkline and vehicles on delivery. */
export interface LiveFigures {
  /** new orders per minute seen live, oldest first, for the sparkline */
  perMinute: number[];
  totalVehicles: number;
  inTransit: number;
}

export const COLD_CHAIN_LIMIT_C = 8;
/** A vehicle without a position this long is drawn as 'no recent signal' (the server's active window is the same). */
export const ACTIVE_WINDOW_MS = 5 * 60_000;
export const RATE_WINDOW_MIN = 15;
const FEED_LIMIT = 60;
const TRAIL = 12;

const time = (v: unknown): number | null => {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : null;
};
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const VAN_LIMIT = 20;
const moneyOf = (m: any) => (typeof m?.amount === 'string' && m.currencyCode ? { amount: m.amount as string, currency: m.currencyCode as string } : null);

/** VanReconciliation nodes → items (newest first), keeping only the SKUs that differed, largest first. */
function vanItems(nodes: any[]): VanReconciliationItem[] {
  return nodes
    .filter((n) => n?.id && time(n.reconciledAt) !== null)
    .map((n) => ({
      id: n.id, vanId: n.van?.id, van: n.van?.name ?? n.van?.id ?? 'van', at: time(n.reconciledAt)!,
      totalVariance: n.totalVariance ?? 0, absoluteVariance: n.absoluteVariance ?? 0, value: moneyOf(n.varianceValue), note: n.note ?? undefined,
      lines: (n.lines ?? [])
        .filter((l: any) => l && l.variance !== 0)
        .map((l: any) => ({ sku: l.variant?.sku ?? '?', name: l.variant?.name ?? undefined, expected: l.expected, counted: l.counted, variance: l.variance, value: moneyOf(l.varianceValue) }))
        .sort((a: VanVarianceLine, b: VanVarianceLine) => Math.abs(b.variance) - Math.abs(a.variance) || a.sku.localeCompare(b.sku)),
    }))
    .sort((a, b) => b.at - a.at)
    .slice(0, VAN_LIMIT);
}

function shipmentInfo(s: any): ShipmentInfo | null {
  if (!s) return null;
  const stops: ShipmentStopInfo[] | undefined = Array.isArray(s.stops)
    ? s.stops.filter((x: any) => Number.isFinite(x?.lat) && Number.isFinite(x?.lng) && x.kind !== 'PICKUP')
      .map((x: any) => ({ sequence: x.sequence, kind: x.kind, lat: x.lat, lng: x.lng, address: x.address ?? undefined, arrived: Boolean(x.arrivedAt) }))
      .sort((a: ShipmentStopInfo, b: ShipmentStopInfo) => a.sequence - b.sequence)
    : undefined;
  return {
    id: s.id ?? undefined,
    status: s.status ?? undefined,
    stops,
    orderNumber: s.order?.number ?? undefined,
    customer: s.order?.customer?.name ?? undefined,
    rider: s.rider?.name ?? undefined,
    riderLevel: s.rider?.level?.name ?? undefined,
  };
}

export class DashboardModel {
  currency: string | null = null;
  tenantName: string | null = null;
  /** The tenant's IANA time zone (Tenant.timeZone); null until the viewer query answered. */
  timeZone: string | null = null;
  server: ServerKpis | null = null;
  /** territories, depots, customers and the day's planned trips (the map's own geography) */
  map = new MapPlaces();
  vehicles = new Map<string, VehicleState>();
  orders = new Map<string, OrderRecord>();
  feed: FeedItem[] = [];
  alerts: ColdChainAlertItem[] = [];
  /** the newest reconciliations with variances, newest first (re-read whole on every poll) */
  vanReconciliations: VanReconciliationItem[] = [];
  private alertKeys = new Set<string>();
  private feedSeq = 0;

  loadVehicles(nodes: any[]) {
    for (const n of nodes) {
      if (!n?.id) continue;
      const p = n.lastPosition;
      const prev = this.vehicles.get(n.id);
      const v: VehicleState = {
        id: n.id,
        plate: n.plate ?? prev?.plate ?? n.id,
        kind: n.kind ?? prev?.kind,
        coldChain: Boolean(n.coldChain),
        lat: num(p?.lat), lng: num(p?.lng), speedKph: num(p?.speedKph), heading: num(p?.heading), temperatureC: num(p?.temperatureC),
        recordedAt: time(p?.recordedAt),
        shipment: shipmentInfo(n.currentShipment),
        trail: prev?.trail ?? [],
        updatedAt: prev?.updatedAt ?? null,
      };
      // a reload must not move a vehicle back to an older position than a live event already showed
      if (prev && prev.recordedAt !== null && (v.recordedAt === null || v.recordedAt < prev.recordedAt)) {
        Object.assign(v, { lat: prev.lat, lng: prev.lng, speedKph: prev.speedKph, heading: prev.heading, temperatureC: prev.temperatureC, recordedAt: prev.recordedAt });
      }
      this.vehicles.set(v.id, v);
      for (const a of n.coldChainAlerts?.edges ?? []) this.addAlert({ ...a.node, vehicle: { id: v.id, plate: v.plate } });
    }
  }

  /** Orders from the `orders` query (newest first); the newest few seed the feed. */
  loadOrders(nodes: any[], seedFeed = 0) {
    for (const n of nodes) {
      if (!n?.number) continue;
      this.orders.set(n.number, {
        id: n.id, number: n.number, status: n.status, placedAt: time(n.placedAt),
        amount: n.total?.amount ?? null, currency: n.total?.currencyCode ?? null, customer: n.customer?.name,
      });
    }
    if (seedFeed && !this.feed.length) {
      this.feed = nodes.slice(0, seedFeed).filter((n) => n?.number).map((n) => ({
        key: `seed-${n.number}`, number: n.number, status: n.status, previousStatus: null, at: time(n.placedAt) ?? 0,
        amount: n.total?.amount ?? null, currency: n.total?.currencyCode ?? null, customer: n.customer?.name,
        shipmentStatus: n.shipment?.status, invoiceStatus: n.invoice?.status, live: false,
      }));
    }
  }

  /** A `vehiclePositionUpdated` event. Returns the vehicle id it moved (null if unusable). */
  applyPosition(e: any, now: number): string | null {
    const id: string | undefined = e?.vehicle?.id;
    const p = e?.position;
    const plate: string | undefined = e?.vehicle?.plate;
    const v = (id && this.vehicles.get(id)) || (plate ? [...this.vehicles.values()].find((x) => x.plate === plate) : undefined);
    if (!p || !Number.isFinite(p.lat) || !Number.isFinite(p.lng)) return null;
    const recordedAt = time(p.recordedAt) ?? now;
    let target = v;
    if (!target) {
      if (!id) return null;
      target = { id, plate: plate ?? id, coldChain: Boolean(e.vehicle?.coldChain), lat: null, lng: null, speedKph: null, heading: null, temperatureC: null, recordedAt: null, shipment: null, trail: [], updatedAt: null };
      this.vehicles.set(id, target);
    }
    if (target.recordedAt !== null && recordedAt < target.recordedAt) return null; // late, out-of-order event
    if (target.lat !== null && target.lng !== null) target.trail = [...target.trail, { lat: target.lat, lng: target.lng }].slice(-TRAIL);
    Object.assign(target, {
      lat: p.lat, lng: p.lng, speedKph: num(p.speedKph), heading: num(p.heading) ?? target.heading, temperatureC: num(p.temperatureC),
      recordedAt, updatedAt: now,
    });
    if (typeof e.vehicle?.coldChain === 'boolean') target.coldChain = e.vehicle.coldChain;
    if ('shipment' in e) target.shipment = shipmentInfo(e.shipment);
    // live cold-chain check from the position stream itself
    if (target.coldChain && target.temperatureC !== null && target.temperatureC > COLD_CHAIN_LIMIT_C) {
      this.addAlert({
        temperatureC: target.temperatureC, limitC: COLD_CHAIN_LIMIT_C, recordedAt: new Date(recordedAt).toISOString(),
        position: { lat: p.lat, lng: p.lng }, vehicle: { id: target.id, plate: target.plate },
        shipment: e.shipment ?? null,
      });
    }
    return target.id;
  }

  /** An `orderUpdated` event: the feed and the sparkline. */
  applyOrderEvent(e: any, now: number) {
    const o = e?.order;
    if (!o?.number) return;
    const status: string = e.status ?? o.status ?? 'UNKNOWN';
    const previousStatus: string | null = e.previousStatus ?? null;
    const known = this.orders.get(o.number);
    const placedAt = time(o.placedAt) ?? known?.placedAt ?? (previousStatus === null ? now : null);
    this.orders.set(o.number, {
      id: o.id ?? known?.id, number: o.number, status, placedAt,
      amount: o.total?.amount ?? known?.amount ?? null, currency: o.total?.currencyCode ?? known?.currency ?? null,
      customer: o.customer?.name ?? known?.customer,
    });
    this.feed = [{
      key: `live-${++this.feedSeq}`, number: o.number, status, previousStatus, at: time(e.at) ?? now,
      amount: o.total?.amount ?? known?.amount ?? null, currency: o.total?.currencyCode ?? known?.currency ?? null,
      customer: o.customer?.name ?? known?.customer, shipmentStatus: o.shipment?.status, invoiceStatus: o.invoice?.status, live: true,
    }, ...this.feed].slice(0, FEED_LIMIT);
  }

  /** A `coldChainAlert` event or an alert node. Returns false for duplicates. */
  addAlert(a: any): boolean {
    const temperatureC = num(a?.temperatureC);
    if (temperatureC === null) return false;
    const at = time(a.recordedAt) ?? Date.now();
    const plate = a.vehicle?.plate ?? (a.vehicle?.id && this.vehicles.get(a.vehicle.id)?.plate) ?? 'vehicle';
    const key = a.id ?? `${a.vehicle?.id ?? plate}@${at}`;
    const dupKey = `${a.vehicle?.id ?? plate}@${at}`;
    if (this.alertKeys.has(key) || this.alertKeys.has(dupKey)) return false;
    this.alertKeys.add(key).add(dupKey);
    this.alerts = [{
      key, vehicleId: a.vehicle?.id, plate, temperatureC, limitC: num(a.limitC) ?? COLD_CHAIN_LIMIT_C, at,
      lat: num(a.position?.lat) ?? undefined, lng: num(a.position?.lng) ?? undefined,
      orderNumber: a.shipment?.order?.number, customer: a.shipment?.order?.customer?.name,
    }, ...this.alerts].sort((x, y) => y.at - x.at).slice(0, 30);
    return true;
  }

  /** A `vanReconciliations` page (newest first): replaces what was shown, keeping only the SKUs that differed. */
  loadVanReconciliations(nodes: any[]) {
    this.vanReconciliations = vanItems(nodes);
  }

  /** A `vanVarianceRaised` event: the reconciliation joins the list (once). */
  addVanReconciliation(node: any) {
    const [item] = vanItems([node]);
    if (!item) return;
    this.vanReconciliations = [item, ...this.vanReconciliations.filter((r) => r.id !== item.id)].sort((a, b) => b.at - a.at).slice(0, VAN_LIMIT);
  }

  /** The reconciliations of the tenant's current day (its time zone; the browser's until the tenant is known). */
  vanReconciliationsToday(now: number): VanReconciliationItem[] {
    const today = dayIn(this.timeZone, now);
    return this.vanReconciliations.filter((r) => dayIn(this.timeZone, r.at) === today);
  }

  /** Vehicle ids with an alert in the last 30 minutes (red markers). */
  alertingVehicles(now: number): Set<string> {
    return new Set(this.alerts.filter((a) => a.vehicleId && now - a.at < 30 * 60_000).map((a) => a.vehicleId!));
  }

  /** A DashboardKpis answer; parts absent from the answer stay null. */
  applyServerKpis(d: any) {
    const c = d?.commerceKpis, l = d?.logisticsKpis, f = d?.financeKpis;
    this.server = {
      commerce: c ? {
        timeZone: c.timeZone, dayStart: time(c.dayStart) ?? 0, gmv: { amount: c.gmvToday.amount, currencyCode: c.gmvToday.currencyCode },
        ordersToday: c.ordersToday, ordersPerMinute: c.ordersPerMinute, ordersInRateWindow: c.ordersInRateWindow, rateWindowMinutes: c.rateWindowMinutes,
      } : null,
      logistics: l ? {
        activeVehicles: l.activeVehicles, vehicles: l.vehicles, activeWithinMinutes: l.activeWithinMinutes, coldChainExcursions: l.coldChainExcursions,
        onTime: { ...l.onTime, windowStart: time(l.onTime.windowStart) ?? 0, windowEnd: time(l.onTime.windowEnd) ?? 0, rate: num(l.onTime.rate) },
      } : null,
      finance: f ? { timeZone: f.timeZone, dayStart: time(f.dayStart) ?? 0, collections: f.collectionsToday ?? [], paymentsToday: f.paymentsToday } : null,
    };
    if (c?.gmvToday?.currencyCode) this.currency ??= c.gmvToday.currencyCode;
  }

  live(now: number): LiveFigures {
    const perMinute = new Array<number>(RATE_WINDOW_MIN).fill(0);
    for (const o of this.orders.values()) {
      if (o.placedAt === null) continue;
      const age = now - o.placedAt;
      if (age >= 0 && age < RATE_WINDOW_MIN * 60_000) perMinute[RATE_WINDOW_MIN - 1 - Math.floor(age / 60_000)]!++;
    }
    let inTransit = 0;
    for (const v of this.vehicles.values()) if (v.shipment?.status === 'IN_TRANSIT') inTransit++;
    return { perMinute, totalVehicles: this.vehicles.size, inTransit };
  }
}
