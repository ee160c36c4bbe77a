// The tenant's own geography, from the graph: territories (circle or polygon), depots and vans' bases
// (Location.position), customers (Customer.position) and the day's planned trips (routePlans). The live map draws
// it over the tiles, and it is the whole base map when the tiles cannot load. Pure, unit-tested.
import { frameBox, territoryShape, validPoint, type Box, type LatLng, type Shape } from './geometry.ts';

export interface TerritoryView { id: string; name: string; shape: Shape }
export interface Depot { id: string; name: string; kind: string; lat: number; lng: number }
export interface CustomerPin { id: string; name: string; type?: string; lat: number; lng: number }

export interface TripStop { sequence: number; lat: number; lng: number; address?: string; eta: number | null }
export interface PlannedTrip {
  key: string;
  planId: string;
  vehicleId: string;
  plate: string;
  km: number;
  loadKg: number;
  departAt: number | null;
  returnAt: number | null;
  depot: LatLng | null;
  stops: TripStop[];
  /** index in the day's trips, for a stable colour */
  index: number;
}
export interface PlanSummary {
  id: string;
  status: string;
  date: string;
  depot: string;
  totalKm: number;
  baselineKm: number;
  savedKm: number;
  trips: number;
  stops: number;
  unassigned: number;
}

/** Customers drawn at most (the map stays fluid; the count says when some are left out). */
export const MAX_CUSTOMERS = 2000;

const time = (v: unknown): number | null => {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const t = new Date(v).getTime();
  return Number.isFinite(t) ? t : null;
};

export class MapPlaces {
  territories: TerritoryView[] = [];
  depots: Depot[] = [];
  customers: CustomerPin[] = [];
  /** customers the graph returned without a position */
  customersWithoutPosition = 0;
  plans: PlanSummary[] = [];
  trips: PlannedTrip[] = [];
  /** bumped on every load, so the map redraws only what changed */
  version = { territories: 0, depots: 0, customers: 0, plans: 0 };

  loadTerritories(nodes: any[]) {
    this.territories = nodes.flatMap((t) => {
      const shape = t?.id ? territoryShape(t) : null;
      return shape ? [{ id: t.id as string, name: (t.name as string) ?? '', shape }] : [];
    });
    this.version.territories++;
  }

  loadLocations(nodes: any[]) {
    this.depots = nodes.filter((l) => l?.id && validPoint(l.position))
      .map((l) => ({ id: l.id, name: l.name ?? '', kind: l.kind ?? 'WAREHOUSE', lat: l.position.lat, lng: l.position.lng }));
    this.version.depots++;
  }

  /** A page of customers; `reset` for the first page. */
  loadCustomers(nodes: any[], reset: boolean) {
    if (reset) {
      this.customers = [];
      this.customersWithoutPosition = 0;
    }
    for (const c of nodes) {
      if (!c?.id) continue;
      if (!validPoint(c.position)) {
        this.customersWithoutPosition++;
        continue;
      }
      if (this.customers.length < MAX_CUSTOMERS) this.customers.push({ id: c.id, name: c.name ?? '', type: c.type, lat: c.position.lat, lng: c.position.lng });
    }
    this.version.customers++;
  }

  /** The day's plans (newest first): the newest plan of each depot is drawn. */
  loadRoutePlans(nodes: any[]) {
    const seen = new Set<string>();
    const plans: PlanSummary[] = [];
    const trips: PlannedTrip[] = [];
    for (const p of nodes) {
      if (!p?.id) continue;
      const depotId = p.location?.id ?? p.id;
      if (seen.has(depotId)) continue;
      seen.add(depotId);
      const depot = validPoint(p.location?.position) ? { lat: p.location.position.lat, lng: p.location.position.lng } : null;
      const planTrips: PlannedTrip[] = (p.trips ?? []).map((t: any, i: number) => ({
        key: `${p.id}:${t.vehicle?.id ?? i}`,
        planId: p.id,
        vehicleId: t.vehicle?.id ?? '',
        plate: t.vehicle?.plate ?? '',
        km: Number(t.km) || 0,
        loadKg: Number(t.loadKg) || 0,
        departAt: time(t.departAt),
        returnAt: time(t.returnAt),
        depot,
        stops: (t.stops ?? []).filter(validPoint).map((s: any) => ({ sequence: s.sequence, lat: s.lat, lng: s.lng, address: s.address ?? undefined, eta: time(s.eta) }))
          .sort((a: TripStop, b: TripStop) => a.sequence - b.sequence),
        index: 0,
      }));
      trips.push(...planTrips);
      plans.push({
        id: p.id, status: p.status, date: p.date, depot: p.location?.name ?? '', totalKm: Number(p.totalKm) || 0, baselineKm: Number(p.baselineKm) || 0,
        savedKm: Number(p.savedKm) || 0, trips: planTrips.length, stops: planTrips.reduce((n, t) => n + t.stops.length, 0), unassigned: (p.unassigned ?? []).length,
      });
    }
    trips.forEach((t, i) => (t.index = i));
    const key = (ts: PlannedTrip[]) => ts.map((t) => `${t.key}/${t.stops.length}`).join();
    const changed = key(trips) !== key(this.trips) || plans.map((p) => `${p.id}${p.status}`).join() !== this.plans.map((p) => `${p.id}${p.status}`).join();
    this.plans = plans;
    this.trips = trips;
    if (changed) this.version.plans++;
  }

  /** The box the map is framed on: depots, customers and territories (vehicles only when there is nothing else). */
  frame(vehicles: LatLng[]): Box | null {
    return frameBox({ points: [...this.depots, ...this.customers], shapes: this.territories.map((t) => t.shape), vehicles });
  }
}

/** Today's date (YYYY-MM-DD) in a time zone: the day whose route plans the map draws. */
export function dayIn(timeZone: string | null | undefined, now = Date.now()): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: timeZone ?? undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    return new Date(now).toISOString().slice(0, 10);
  }
}
