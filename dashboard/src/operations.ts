// The dashboard's operations, rendered against what the graph offers (see schema.ts). Each returns null when its
// root field is missing, with `missing` naming it so the panel can say exactly what is not there yet.
import { select, type Capabilities, type Spec } from './schema.ts';

export interface Operation { query: string | null; missing: string | null }

const op = (caps: Capabilities, kind: 'query' | 'subscription', name: string, root: string, spec: Spec, vars = ''): Operation => {
  const type = kind === 'query' ? 'Query' : 'Subscription';
  const field = root.split('(')[0]!;
  if (kind === 'subscription' && caps.introspected && !caps.subscriptionType) return { query: null, missing: `Subscription.${field}` };
  const body = select(caps, type, { [root]: spec });
  if (!body) return { query: null, missing: `${type}.${field}` };
  return { query: `${kind} ${name}${vars} { ${body} }`, missing: null };
};

const shipmentSpec: Spec = {
  id: true,
  status: true,
  eta: true,
  stops: { sequence: true, kind: true, lat: true, lng: true, address: true, arrivedAt: true },
  proofOfDelivery: { deliveredAt: true },
  order: { number: true, customer: { name: true } },
  rider: { name: true, level: { name: true } },
};

export const viewerQuery = (caps: Capabilities): Operation => {
  const body = select(caps, 'Query', { me: { name: true, email: true, roles: true }, tenant: { name: true, defaultCurrency: true, timeZone: true } });
  return body ? { query: `query DashboardViewer { ${body} }`, missing: null } : { query: null, missing: 'Query.me' };
};

/** Where a territory's GeoJSON shape may live, in order of preference (the graph decides; see territoryShape). */
const POLYGON_FIELDS = ['boundary', 'polygon', 'geometry', 'geojson', 'geoJson', 'geoJSON', 'shape'];

/** The territory's polygon field, aliased `polygon`, with whatever sub-selection its type needs ("" when none). */
export function polygonSelection(caps: Capabilities): string {
  const field = POLYGON_FIELDS.find((f) => caps.has('Territory', f));
  if (!field) return '';
  const type = caps.typeOf('Territory', field);
  const sub = type ? caps.fieldsOf(type) : [];
  if (!sub.length) return `polygon: ${field}`; // a scalar: GeoJSON as JSON or a string
  if (sub.includes('coordinates')) return `polygon: ${field} { ${['type', 'coordinates'].filter((f) => sub.includes(f)).join(' ')} }`;
  if (sub.includes('geometry')) {
    const g = caps.typeOf(type!, 'geometry');
    const gs = g ? caps.fieldsOf(g) : [];
    return `polygon: ${field} { geometry${gs.length ? ` { ${['type', 'coordinates'].filter((f) => gs.includes(f)).join(' ')} }` : ''} }`;
  }
  if (sub.includes('lat') && sub.includes('lng')) return `polygon: ${field} { lat lng }`; // a ring of points
  const leaf = ['geoJson', 'geojson', 'geoJSON', 'json'].find((f) => sub.includes(f));
  return leaf ? `polygon: ${field} { ${leaf} }` : '';
}

export const territoriesQuery = (caps: Capabilities): Operation => {
  const base = op(caps, 'query', 'DashboardTerritories', 'territories(first: 100)', { edges: { node: { id: true, name: true, center: { lat: true, lng: true }, radiusKm: true } } });
  const polygon = polygonSelection(caps);
  if (!base.query || !polygon) return base;
  return { query: base.query.replace(/node \{ id /, `node { id ${polygon} `), missing: null };
};

export const locationsQuery = (caps: Capabilities) =>
  op(caps, 'query', 'DashboardDepots', 'locations(first: 100)', { edges: { node: { id: true, name: true, kind: true, position: { lat: true, lng: true } } } });

export const customersQuery = (caps: Capabilities) =>
  op(caps, 'query', 'DashboardCustomers', 'customers(first: 100, after: $after)', {
    edges: { node: { id: true, name: true, type: true, position: { lat: true, lng: true } } },
    pageInfo: { hasNextPage: true, endCursor: true },
  }, '($after: String)');

/** The day's route plans (issue 15): trips in stop order from the depot, and the gain over one trip per order. */
export const routePlansQuery = (caps: Capabilities) =>
  op(caps, 'query', 'DashboardRoutePlans', 'routePlans(first: 20, date: $date)', {
    edges: {
      node: {
        id: true, status: true, date: true, totalKm: true, baselineKm: true, savedKm: true, createdAt: true,
        location: { id: true, name: true, position: { lat: true, lng: true } },
        trips: {
          vehicle: { id: true, plate: true }, km: true, loadKg: true, departAt: true, returnAt: true,
          stops: { sequence: true, lat: true, lng: true, address: true, eta: true },
        },
        unassigned: { reason: true },
      },
    },
  }, '($date: String)');

const vanReconciliationSpec: Spec = {
  id: true, reconciledAt: true, totalVariance: true, absoluteVariance: true, note: true, varianceValue: { amount: true, currencyCode: true },
  van: { id: true, name: true },
  lines: { expected: true, counted: true, variance: true, varianceValue: { amount: true, currencyCode: true }, variant: { sku: true, name: true } },
};

/** Van end-of-day reconciliations that found variances (issue 15), newest first; the page keeps today's. */
export const vanReconciliationsQuery = (caps: Capabilities) =>
  op(caps, 'query', 'DashboardVanReconciliations', 'vanReconciliations(first: 20, filter: { hasVariance: true })', { edges: { node: vanReconciliationSpec } });

/** The same reconciliations as they are recorded (the `van.reconciliation_variance` event). */
export const vanVarianceSubscription = (caps: Capabilities) => op(caps, 'subscription', 'DashboardVanVariances', 'vanVarianceRaised', vanReconciliationSpec);

export const vehiclesQuery = (caps: Capabilities) =>
  op(caps, 'query', 'DashboardFleet', 'vehicles(first: 100)', {
    edges: {
      node: {
        id: true, plate: true, kind: true, coldChain: true,
        lastPosition: { lat: true, lng: true, speedKph: true, heading: true, temperatureC: true, recordedAt: true },
        currentShipment: shipmentSpec,
        'coldChainAlerts(first: 3)': { edges: { node: { id: true, temperatureC: true, limitC: true, recordedAt: true, position: { lat: true, lng: true } } } },
      },
    },
  });

export const ordersQuery = (caps: Capabilities) =>
  op(caps, 'query', 'DashboardOrders', 'orders(first: 100, after: $after)', {
    edges: {
      node: {
        id: true, number: true, status: true, placedAt: true, total: { amount: true, currencyCode: true }, customer: { name: true },
        shipment: { status: true }, invoice: { status: true },
      },
    },
    pageInfo: { hasNextPage: true, endCursor: true },
  }, '($after: String)');

/** LiveFleet (schema/operations) plus the ids and extras the map needs. */
export const liveFleetSubscription = (caps: Capabilities) =>
  op(caps, 'subscription', 'DashboardLiveFleet', 'vehiclePositionUpdated', {
    vehicle: { id: true, plate: true, coldChain: true },
    position: { lat: true, lng: true, speedKph: true, heading: true, temperatureC: true, recordedAt: true },
    shipment: shipmentSpec,
  });

/** OrderFeed (schema/operations) plus placedAt and customer for the feed and the sparkline. */
export const orderFeedSubscription = (caps: Capabilities) =>
  op(caps, 'subscription', 'DashboardOrderFeed', 'orderUpdated', {
    status: true,
    previousStatus: true,
    at: true,
    order: {
      id: true, number: true, placedAt: true, total: { amount: true, currencyCode: true }, customer: { name: true },
      shipment: { status: true }, invoice: { status: true },
    },
  });

export const coldChainSubscription = (caps: Capabilities) =>
  op(caps, 'subscription', 'DashboardColdChain', 'coldChainAlert', {
    id: true, temperatureC: true, limitC: true, recordedAt: true, position: { lat: true, lng: true },
    vehicle: { id: true, plate: true }, shipment: { order: { number: true, customer: { name: true } } },
  });

/** The KPIs each subgraph computes over all of the tenant's rows (issue 20): one query, the roots that exist. */
export const kpisQuery = (caps: Capabilities): Operation => {
  const body = select(caps, 'Query', {
    'commerceKpis(timeZone: $timeZone)': {
      timeZone: true, dayStart: true, asOf: true, gmvToday: { amount: true, currencyCode: true },
      ordersToday: true, ordersPerMinute: true, ordersInRateWindow: true, rateWindowMinutes: true,
    },
    logisticsKpis: {
      asOf: true, activeVehicles: true, vehicles: true, activeWithinMinutes: true, coldChainExcursions: true,
      onTime: { windowStart: true, windowEnd: true, windowHours: true, delivered: true, onTime: true, withoutEta: true, rate: true },
    },
    'financeKpis(timeZone: $timeZone)': { timeZone: true, dayStart: true, collectionsToday: { amount: true, currencyCode: true }, paymentsToday: true },
  });
  if (!body) return { query: null, missing: 'Query.commerceKpis' };
  const vars = body.includes('$timeZone') ? '($timeZone: String!)' : '';
  return { query: `query DashboardKpis${vars} { ${body} }`, missing: null };
};
