// Feeds a DashboardModel from the gateway for one session: capabilities, initial reads, polls, then live
// subscriptions over graphql-ws. Renders are coalesced to one per animation frame however many events arrive.
import { GraphQLRequestError, liveClient, request, subscribe, type LinkStatus } from './api.ts';
import { CAPABILITIES_QUERY, CONTRACT_CAPABILITIES, capabilitiesFrom, type Capabilities } from './schema.ts';
import {
  coldChainSubscription, customersQuery, kpisQuery, liveFleetSubscription, locationsQuery, orderFeedSubscription, ordersQuery, routePlansQuery,
  territoriesQuery, vanReconciliationsQuery, vanVarianceSubscription, vehiclesQuery, viewerQuery, type Operation,
} from './operations.ts';
import type { DashboardModel } from './model.ts';
import { dayIn } from './map/places.ts';

/** How often the server's KPIs are re-read; an order event re-reads them sooner. */
export const KPI_POLL_MS = 10_000;
/** How often the day's route plans are re-read (a plan has no event of its own yet). */
export const PLAN_POLL_MS = 10_000;
/** How often van reconciliations are re-read; `vanVarianceRaised` brings new ones as they happen. */
export const VAN_POLL_MS = 30_000;
/** Customer pages read for the map (100 each). */
const CUSTOMER_PAGES = 20;
/** How long an order event waits before the KPIs are re-read, so a burst of events costs one read. */
const KPI_AFTER_EVENT_MS = 400;

/** State of one data source: loading, live/ready, or why it is unavailable. */
export interface Source { state: 'loading' | 'ready' | 'missing' | 'error'; message?: string }

export type SourceName =
  | 'viewer' | 'territories' | 'locations' | 'customers' | 'routePlans' | 'vanReconciliations' | 'vehicles' | 'orders' | 'kpis'
  | 'liveFleet' | 'orderFeed' | 'coldChain' | 'vanVariances';

export type DashboardUser = { name?: string | null; email?: string | null; roles?: string[] } | null;

/** Where the feed reports to: the React state of `useDashboard`. */
export interface FeedSink {
  setCaps(caps: Capabilities): void;
  setLink(link: LinkStatus): void;
  setUser(user: DashboardUser): void;
  setSource(name: SourceName, source: Source): void;
  /** One re-render of the model (called at most once per animation frame). */
  rerender(): void;
  /** One subscription event arrived. */
  countEvent(): void;
  onUnauthorized(): void;
}

type Timer = ReturnType<typeof setTimeout> | undefined;

const nodesOf = (conn: any): any[] => (conn?.edges ?? []).map((e: any) => e?.node).filter(Boolean);
const partial = (errors: { message: string }[]) => (errors.length ? `partial data: ${errors[0]!.message}` : undefined);

export class LiveFeed {
  private closed = false;
  private frame = 0;
  private client: ReturnType<typeof liveClient> | null = null;
  private readonly unsubscribers: (() => void)[] = [];
  private kpiTimer: Timer;
  private kpiSoon: Timer;
  private kpiInFlight = false;
  private planTimer: Timer;
  private vanTimer: Timer;

  constructor(private readonly model: DashboardModel, private readonly token: string, private readonly sink: FeedSink) {}

  /** Reads what the graph offers, subscribes, then makes the initial reads (which start the polls). */
  async start(): Promise<void> {
    const c = await this.capabilities();
    if (!c || this.closed) return;
    this.sink.setCaps(c);
    this.connect(c);
    // subscriptions are ready before the initial reads, so no event between the two is lost
    await Promise.all([
      this.read('viewer', viewerQuery(c), {}, (d) => this.applyViewer(d)).then(() => Promise.all([this.loadKpis(c), this.loadRoutePlans(c)])),
      this.read('territories', territoriesQuery(c), {}, (d) => this.model.map.loadTerritories(nodesOf(d?.territories))),
      this.read('locations', locationsQuery(c), {}, (d) => this.model.map.loadLocations(nodesOf(d?.locations))),
      this.loadCustomers(c),
      this.loadVanReconciliations(c),
      this.loadVehicles(c),
      this.loadOrders(c, 14),
    ]);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.kpiTimer);
    clearTimeout(this.kpiSoon);
    clearTimeout(this.planTimer);
    clearTimeout(this.vanTimer);
    if (this.frame) cancelAnimationFrame(this.frame);
    for (const u of this.unsubscribers) u();
    void this.client?.dispose();
  }

  /** The graph's capabilities; the contract's when introspection is disabled; null when the session is not accepted. */
  private async capabilities(): Promise<Capabilities | null> {
    try {
      const r = await request(CAPABILITIES_QUERY, {}, this.token);
      if (r.data?.__schema) return capabilitiesFrom(r.data.__schema);
    } catch (e) {
      if (e instanceof GraphQLRequestError && e.code === 'UNAUTHENTICATED') {
        this.sink.onUnauthorized();
        return null;
      }
      // introspection disabled: trust the contract
    }
    return CONTRACT_CAPABILITIES;
  }

  /** Opens the socket and subscribes to the live sources. */
  private connect(c: Capabilities): void {
    let reconnecting = false;
    this.client = liveClient(this.token, (s) => {
      if (this.closed) return;
      this.sink.setLink(s);
      if (s === 'unauthorized') this.sink.onUnauthorized();
      if (s === 'reconnecting') reconnecting = true;
      if (s === 'live' && reconnecting) {
        // catch up on what happened while the socket was down
        reconnecting = false;
        void this.loadVehicles(c);
        void this.loadOrders(c, 0);
        void this.loadVanReconciliations(c);
      }
    });
    this.live('liveFleet', liveFleetSubscription(c), (d) => this.model.applyPosition(d.vehiclePositionUpdated, Date.now()));
    this.live('orderFeed', orderFeedSubscription(c), (d) => {
      this.model.applyOrderEvent(d.orderUpdated, Date.now());
      this.refreshKpisSoon(c);
    });
    this.live('coldChain', coldChainSubscription(c), (d) => this.model.addAlert(d.coldChainAlert));
    this.live('vanVariances', vanVarianceSubscription(c), (d) => this.model.addVanReconciliation(d.vanVarianceRaised));
  }

  private applyViewer(d: any): void {
    this.sink.setUser(d?.me ?? null);
    this.model.tenantName = d?.tenant?.name ?? null;
    this.model.currency = d?.tenant?.defaultCurrency ?? this.model.currency;
    this.model.timeZone = d?.tenant?.timeZone ?? null;
  }

  private loadVehicles(c: Capabilities) {
    return this.read('vehicles', vehiclesQuery(c), {}, (d) => this.model.loadVehicles(nodesOf(d?.vehicles)));
  }

  // The newest page seeds the feed; the KPIs come from the server (kpisQuery), not from these orders.
  private loadOrders(c: Capabilities, seedFeed: number) {
    return this.read('orders', ordersQuery(c), { after: null }, (d) => this.model.loadOrders(nodesOf(d?.orders), seedFeed));
  }

  private async loadKpis(c: Capabilities): Promise<void> {
    clearTimeout(this.kpiTimer);
    const op = kpisQuery(c);
    if (!op.query) return this.missing('kpis', op.missing);
    if (this.kpiInFlight) return;
    this.kpiInFlight = true;
    const query = op.query;
    try {
      await this.read('kpis', op, () => {
        // the tenant's zone defines "today"; a tenant without one (older graph) gets the browser's
        const timeZone = this.model.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
        return query.includes('$timeZone') ? { timeZone } : {};
      }, (d) => this.model.applyServerKpis(d));
    } finally {
      this.kpiInFlight = false;
      if (!this.closed) this.kpiTimer = setTimeout(() => void this.loadKpis(c), KPI_POLL_MS);
    }
  }

  private refreshKpisSoon(c: Capabilities): void {
    if (this.kpiSoon) return;
    this.kpiSoon = setTimeout(() => { this.kpiSoon = undefined; void this.loadKpis(c); }, KPI_AFTER_EVENT_MS);
  }

  // Every customer with a position, page by page (the map's dots; the count is on the map).
  private async loadCustomers(c: Capabilities): Promise<void> {
    const op = customersQuery(c);
    if (!op.query) return this.missing('customers', op.missing);
    try {
      let after: string | null = null;
      for (let page = 0; page < CUSTOMER_PAGES; page++) {
        const r: { data: any; errors: { message: string }[] } = await request<any>(op.query, { after }, this.token);
        if (this.closed) return;
        this.model.map.loadCustomers(nodesOf(r.data?.customers), page === 0);
        this.ready('customers', r.errors);
        const info: { hasNextPage?: boolean; endCursor?: string } | undefined = r.data?.customers?.pageInfo;
        if (!info?.hasNextPage || !info.endCursor) break;
        after = info.endCursor;
      }
    } catch (e) {
      this.fail('customers', e);
    }
  }

  private async loadRoutePlans(c: Capabilities): Promise<void> {
    clearTimeout(this.planTimer);
    const op = routePlansQuery(c);
    if (!op.query) return this.missing('routePlans', op.missing);
    try {
      await this.read('routePlans', op, () => ({ date: dayIn(this.model.timeZone) }), (d) => this.model.map.loadRoutePlans(nodesOf(d?.routePlans)));
    } finally {
      if (!this.closed) this.planTimer = setTimeout(() => void this.loadRoutePlans(c), PLAN_POLL_MS);
    }
  }

  private async loadVanReconciliations(c: Capabilities): Promise<void> {
    clearTimeout(this.vanTimer);
    const op = vanReconciliationsQuery(c);
    if (!op.query) return this.missing('vanReconciliations', op.missing);
    try {
      await this.read('vanReconciliations', op, {}, (d) => this.model.loadVanReconciliations(nodesOf(d?.vanReconciliations)));
    } finally {
      if (!this.closed) this.vanTimer = setTimeout(() => void this.loadVanReconciliations(c), VAN_POLL_MS);
    }
  }

  /** One read of `op` into the model through `apply`; the source says how it went. */
  private async read(
    name: SourceName, op: Operation, variables: Record<string, unknown> | (() => Record<string, unknown>), apply: (data: any) => void,
  ): Promise<void> {
    if (!op.query) return this.missing(name, op.missing);
    try {
      const r = await request(op.query, typeof variables === 'function' ? variables() : variables, this.token);
      if (this.closed) return;
      apply(r.data);
      this.ready(name, r.errors);
    } catch (e) {
      this.fail(name, e);
    }
  }

  // subscriptions: ready once subscribed; an error (validation, auth) arrives asynchronously and overrides it
  private live(name: SourceName, op: Operation, apply: (data: any) => void): void {
    if (!op.query) return this.missing(name, op.missing);
    if (!this.client) return;
    this.unsubscribers.push(subscribe(this.client, op.query, (data) => {
      if (this.closed) return;
      this.sink.countEvent();
      apply(data);
      this.render();
    }, (message) => this.setSource(name, { state: 'error', message })));
    this.setSource(name, { state: 'ready' });
  }

  private render(): void {
    if (this.frame || this.closed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      if (!this.closed) this.sink.rerender();
    });
  }

  private setSource(name: SourceName, s: Source): void {
    if (!this.closed) this.sink.setSource(name, s);
  }

  private ready(name: SourceName, errors: { message: string }[]): void {
    this.setSource(name, { state: 'ready', message: partial(errors) });
    this.render();
  }

  private fail(name: SourceName, e: unknown): void {
    if (e instanceof GraphQLRequestError && e.code === 'UNAUTHENTICATED') return this.sink.onUnauthorized();
    this.setSource(name, { state: 'error', message: (e as Error).message });
  }

  private missing(name: SourceName, field: string | null): void {
    this.setSource(name, { state: 'missing', message: `${field} is not in the graph yet` });
  }
}
