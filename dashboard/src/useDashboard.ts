// Wires the model to the gateway: capabilities, initial queries, then live subscriptions over graphql-ws.
// Renders are coalesced to one per animation frame however many events arrive.
import { useEffect, useRef, useState } from 'react';
import { GraphQLRequestError, liveClient, request, subscribe, type LinkStatus, type Session } from './api.ts';
import { CAPABILITIES_QUERY, CONTRACT_CAPABILITIES, capabilitiesFrom, type Capabilities } from './schema.ts';
import {
  coldChainSubscription, customersQuery, kpisQuery, liveFleetSubscription, locationsQuery, orderFeedSubscription, ordersQuery, routePlansQuery,
  territoriesQuery, vanReconciliationsQuery, vanVarianceSubscription, vehiclesQuery, viewerQuery,
} from './operations.ts';
import { DashboardModel } from './model.ts';
import { dayIn } from './map/places.ts';

/** How often the server's KPIs are re-read; an order event re-reads them sooner. */
export const KPI_POLL_MS = 10_000;
/** How often the day's route plans are re-read (a plan has no event of its own yet). */
export const PLAN_POLL_MS = 10_000;
/** How often van reconciliations are re-read; `vanVarianceRaised` brings new ones as they happen. */
export const VAN_POLL_MS = 30_000;
/** Customer pages read for the map (100 each). */
const CUSTOMER_PAGES = 20;

/** State of one data source: loading, live/ready, or why it is unavailable. */
export interface Source { state: 'loading' | 'ready' | 'missing' | 'error'; message?: string }

export type SourceName =
  | 'viewer' | 'territories' | 'locations' | 'customers' | 'routePlans' | 'vanReconciliations' | 'vehicles' | 'orders' | 'kpis'
  | 'liveFleet' | 'orderFeed' | 'coldChain' | 'vanVariances';

export interface Dashboard {
  model: DashboardModel;
  caps: Capabilities | null;
  link: LinkStatus;
  sources: Record<SourceName, Source>;
  now: number;
  events: number;
  user: { name?: string | null; email?: string | null; roles?: string[] } | null;
}

const initialSources = (): Record<SourceName, Source> => ({
  viewer: { state: 'loading' }, territories: { state: 'loading' }, locations: { state: 'loading' }, customers: { state: 'loading' }, routePlans: { state: 'loading' }, vanReconciliations: { state: 'loading' },
  vehicles: { state: 'loading' }, orders: { state: 'loading' },
  kpis: { state: 'loading' }, liveFleet: { state: 'loading' }, orderFeed: { state: 'loading' }, coldChain: { state: 'loading' }, vanVariances: { state: 'loading' },
});

const nodesOf = (conn: any): any[] => (conn?.edges ?? []).map((e: any) => e?.node).filter(Boolean);

export function useDashboard(session: Session, onUnauthorized: () => void): Dashboard {
  const modelRef = useRef<DashboardModel>(null);
  if (!modelRef.current) modelRef.current = new DashboardModel();
  const model = modelRef.current;
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [link, setLink] = useState<LinkStatus>('connecting');
  const [sources, setSources] = useState(initialSources);
  const [user, setUser] = useState<Dashboard['user']>(null);
  const [now, setNow] = useState(() => Date.now());
  const [, setVersion] = useState(0);
  const events = useRef(0);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    let closed = false;
    let frame = 0;
    const render = () => {
      if (frame || closed) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (!closed) setVersion((v) => v + 1);
      });
    };
    const setSource = (name: SourceName, s: Source) => !closed && setSources((prev) => ({ ...prev, [name]: s }));
    const fail = (name: SourceName, e: unknown) => {
      if (e instanceof GraphQLRequestError && e.code === 'UNAUTHENTICATED') return onUnauthorized();
      setSource(name, { state: 'error', message: (e as Error).message });
    };
    const missing = (name: SourceName, field: string | null) => setSource(name, { state: 'missing', message: `${field} is not in the graph yet` });
    // subscriptions: ready once subscribed; an error (validation, auth) arrives asynchronously and overrides it
    const partial = (errors: { message: string }[]) => (errors.length ? `partial data: ${errors[0]!.message}` : undefined);
    const token = session.token;
    const unsubscribers: (() => void)[] = [];
    let client: ReturnType<typeof liveClient> | null = null;

    const loadVehicles = async (c: Capabilities) => {
      const op = vehiclesQuery(c);
      if (!op.query) return missing('vehicles', op.missing);
      try {
        const r = await request(op.query, {}, token);
        if (closed) return;
        model.loadVehicles(nodesOf(r.data?.vehicles));
        setSource('vehicles', { state: 'ready', message: partial(r.errors) });
        render();
      } catch (e) {
        fail('vehicles', e);
      }
    };

    // The newest page seeds the feed; the KPIs come from the server (kpisQuery), not from these orders.
    const loadOrders = async (c: Capabilities, seedFeed: number) => {
      const op = ordersQuery(c);
      if (!op.query) return missing('orders', op.missing);
      try {
        const r = await request(op.query, { after: null }, token);
        if (closed) return;
        model.loadOrders(nodesOf(r.data?.orders), seedFeed);
        setSource('orders', { state: 'ready', message: partial(r.errors) });
        render();
      } catch (e) {
        fail('orders', e);
      }
    };

    let kpiTimer: ReturnType<typeof setTimeout> | undefined;
    let kpiInFlight = false;
    const loadKpis = async (c: Capabilities) => {
      clearTimeout(kpiTimer);
      const op = kpisQuery(c);
      if (!op.query) return missing('kpis', op.missing);
      if (kpiInFlight) return;
      kpiInFlight = true;
      try {
        // the tenant's zone defines "today"; a tenant without one (older graph) gets the browser's
        const timeZone = model.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
        const r = await request(op.query, op.query.includes('$timeZone') ? { timeZone } : {}, token);
        if (closed) return;
        model.applyServerKpis(r.data);
        setSource('kpis', { state: 'ready', message: partial(r.errors) });
        render();
      } catch (e) {
        fail('kpis', e);
      } finally {
        kpiInFlight = false;
        if (!closed) kpiTimer = setTimeout(() => void loadKpis(c), KPI_POLL_MS);
      }
    };
    // Every customer with a position, page by page (the map's dots; the count is on the map).
    const loadCustomers = async (c: Capabilities) => {
      const op = customersQuery(c);
      if (!op.query) return missing('customers', op.missing);
      try {
        let after: string | null = null;
        for (let page = 0; page < CUSTOMER_PAGES; page++) {
          const r: { data: any; errors: { message: string }[] } = await request<any>(op.query, { after }, token);
          if (closed) return;
          model.map.loadCustomers(nodesOf(r.data?.customers), page === 0);
          setSource('customers', { state: 'ready', message: partial(r.errors) });
          render();
          const info: { hasNextPage?: boolean; endCursor?: string } | undefined = r.data?.customers?.pageInfo;
          if (!info?.hasNextPage || !info.endCursor) break;
          after = info.endCursor;
        }
      } catch (e) {
        fail('customers', e);
      }
    };

    let planTimer: ReturnType<typeof setTimeout> | undefined;
    const loadRoutePlans = async (c: Capabilities) => {
      clearTimeout(planTimer);
      const op = routePlansQuery(c);
      if (!op.query) return missing('routePlans', op.missing);
      try {
        const r = await request(op.query, { date: dayIn(model.timeZone) }, token);
        if (closed) return;
        model.map.loadRoutePlans(nodesOf(r.data?.routePlans));
        setSource('routePlans', { state: 'ready', message: partial(r.errors) });
        render();
      } catch (e) {
        fail('routePlans', e);
      } finally {
        if (!closed) planTimer = setTimeout(() => void loadRoutePlans(c), PLAN_POLL_MS);
      }
    };

    let vanTimer: ReturnType<typeof setTimeout> | undefined;
    const loadVanReconciliations = async (c: Capabilities) => {
      clearTimeout(vanTimer);
      const op = vanReconciliationsQuery(c);
      if (!op.query) return missing('vanReconciliations', op.missing);
      try {
        const r = await request(op.query, {}, token);
        if (closed) return;
        model.loadVanReconciliations(nodesOf(r.data?.vanReconciliations));
        setSource('vanReconciliations', { state: 'ready', message: partial(r.errors) });
        render();
      } catch (e) {
        fail('vanReconciliations', e);
      } finally {
        if (!closed) vanTimer = setTimeout(() => void loadVanReconciliations(c), VAN_POLL_MS);
      }
    };

    let kpiSoon: ReturnType<typeof setTimeout> | undefined;
    const refreshKpisSoon = (c: Capabilities) => {
      if (kpiSoon) return;
      kpiSoon = setTimeout(() => { kpiSoon = undefined; void loadKpis(c); }, 400);
    };

    const once = async (name: SourceName, op: { query: string | null; missing: string | null }, apply: (data: any) => void) => {
      if (!op.query) return missing(name, op.missing);
      try {
        const r = await request(op.query, {}, token);
        if (closed) return;
        apply(r.data);
        setSource(name, { state: 'ready', message: partial(r.errors) });
        render();
      } catch (e) {
        fail(name, e);
      }
    };

    const live = (name: SourceName, op: { query: string | null; missing: string | null }, apply: (data: any) => void) => {
      if (!op.query) return missing(name, op.missing);
      if (!client) return;
      unsubscribers.push(subscribe(client, op.query, (data) => {
        if (closed) return;
        events.current++;
        apply(data);
        render();
      }, (message) => setSource(name, { state: 'error', message })));
      setSource(name, { state: 'ready' });
    };

    (async () => {
      let c: Capabilities = CONTRACT_CAPABILITIES;
      try {
        const r = await request(CAPABILITIES_QUERY, {}, token);
        if (r.data?.__schema) c = capabilitiesFrom(r.data.__schema);
      } catch (e) {
        if (e instanceof GraphQLRequestError && e.code === 'UNAUTHENTICATED') return onUnauthorized();
        // introspection disabled: trust the contract
      }
      if (closed) return;
      setCaps(c);

      let reconnecting = false;
      client = liveClient(token, (s) => {
        if (closed) return;
        setLink(s);
        if (s === 'unauthorized') onUnauthorized();
        if (s === 'reconnecting') reconnecting = true;
        if (s === 'live' && reconnecting) {
          // catch up on what happened while the socket was down
          reconnecting = false;
          void loadVehicles(c);
          void loadOrders(c, 0);
          void loadVanReconciliations(c);
        }
      });
      live('liveFleet', liveFleetSubscription(c), (d) => model.applyPosition(d.vehiclePositionUpdated, Date.now()));
      live('orderFeed', orderFeedSubscription(c), (d) => {
        model.applyOrderEvent(d.orderUpdated, Date.now());
        refreshKpisSoon(c);
      });
      live('coldChain', coldChainSubscription(c), (d) => model.addAlert(d.coldChainAlert));
      live('vanVariances', vanVarianceSubscription(c), (d) => model.addVanReconciliation(d.vanVarianceRaised));
      // subscriptions are ready before the initial reads, so no event between the two is lost
      await Promise.all([
        once('viewer', viewerQuery(c), (d) => {
          setUser(d?.me ?? null);
          model.tenantName = d?.tenant?.name ?? null;
          model.currency = d?.tenant?.defaultCurrency ?? model.currency;
          model.timeZone = d?.tenant?.timeZone ?? null;
        }).then(() => Promise.all([loadKpis(c), loadRoutePlans(c)])),
        once('territories', territoriesQuery(c), (d) => model.map.loadTerritories(nodesOf(d?.territories))),
        once('locations', locationsQuery(c), (d) => model.map.loadLocations(nodesOf(d?.locations))),
        loadCustomers(c),
        loadVanReconciliations(c),
        loadVehicles(c),
        loadOrders(c, 14),
      ]);
    })();

    return () => {
      closed = true;
      clearTimeout(kpiTimer);
      clearTimeout(kpiSoon);
      clearTimeout(planTimer);
      clearTimeout(vanTimer);
      if (frame) cancelAnimationFrame(frame);
      for (const u of unsubscribers) u();
      void client?.dispose();
    };
  }, [session.token]);

  return { model, caps, link, sources, now, events: events.current, user };
}
