// The slippy map (Leaflet, bundled): a tile layer from the configured URL under the tenant's own geography —
// territories, depots, customers, the day's planned trips — and the live layer: vehicles, their shipments' next
// drops, cold-chain alerts. When the tiles cannot load (offline, blocked, no tile server configured) the tile
// layer is dropped and the same map stays, drawn from the tenant's data alone ("offline map").
// Imperative on purpose: React renders the panel; this class diffs layers by id so a position event moves one marker.
import L from 'leaflet';
import type { MapConfig } from './config.ts';
import type { Box, LatLng, Shape } from './geometry.ts';
import type { CustomerPin, Depot, MapPlaces, PlannedTrip, TerritoryView } from './places.ts';

export type TileMode = 'loading' | 'tiles' | 'offline';
export type MarkerState = 'alert' | 'transit' | 'assigned' | 'idle';

export interface VehicleMark {
  id: string;
  plate: string;
  lat: number;
  lng: number;
  state: MarkerState;
  stale: boolean;
  coldChain: boolean;
  heading: number | null;
  moving: boolean;
  label: string;
  trail: LatLng[];
  /** drops still ahead of its shipment, in order */
  drops: LatLng[];
  shipmentStatus?: string;
}

export interface AlertMark { key: string; lat: number; lng: number; label: string }

/** Colours of planned trips (by index in the day's trips). */
export const TRIP_COLORS = ['#7c3aed', '#0891b2', '#c2410c', '#be185d', '#4d7c0f', '#1d4ed8', '#b45309', '#0f766e'];

/** Without any tile loaded this long, the map goes offline (a DNS lookup that never answers, a proxy that hangs). */
const TILE_TIMEOUT_MS = 6000;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const ll = (p: LatLng): L.LatLngTuple => [p.lat, p.lng];
const boxKey = (b: Box | null) => (b ? [b.south, b.west, b.north, b.east].map((n) => n.toFixed(4)).join(',') : '');

function vehicleHtml(v: VehicleMark): string {
  const arrow = v.heading !== null && v.moving && !v.stale ? `<path d="M0,-15 L4,-9 L-4,-9 Z" class="heading" transform="rotate(${Math.round(v.heading)})"/>` : '';
  const glyph = v.coldChain ? '<path d="M0,-4V4M-3.5,-2L3.5,2M-3.5,2L3.5,-2" class="glyph"/>' : '<circle r="2.4" class="glyph-dot"/>';
  return `<svg viewBox="-16 -16 32 32" width="32" height="32" aria-hidden="true">${arrow}<circle r="7.5" class="body"/>${glyph}</svg>`;
}

export class LiveMap {
  readonly map: L.Map;
  mode: TileMode;
  private tiles: L.TileLayer | null = null;
  private tileLoaded = 0;
  private tileTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly groups = {
    territories: L.layerGroup(), customers: L.layerGroup(), trips: L.layerGroup(), depots: L.layerGroup(),
    shipments: L.layerGroup(), trails: L.layerGroup(), alerts: L.layerGroup(), vehicles: L.layerGroup(),
  };
  private drawn = { territories: -1, depots: -1, customers: -1, plans: -1 };
  private vehicles = new Map<string, { marker: L.Marker; html: string; trail: L.Polyline; route: L.Polyline; drop: L.CircleMarker }>();
  private alerts = new Map<string, L.Marker>();
  private framed = '';
  /** the user has moved the map: stop re-framing it on new data */
  private userMoved = false;
  private readonly ro: ResizeObserver;

  constructor(
    private readonly el: HTMLElement,
    private readonly config: MapConfig,
    private readonly on: { mode: (m: TileMode) => void; select: (vehicleId: string | null) => void },
  ) {
    this.map = L.map(el, { zoomControl: false, attributionControl: true, preferCanvas: false, worldCopyJump: true, zoomSnap: 0.25, minZoom: 2, maxZoom: config.maxZoom });
    this.map.attributionControl.setPrefix(false);
    L.control.zoom({ position: 'topright' }).addTo(this.map);
    L.control.scale({ imperial: false, position: 'bottomleft' }).addTo(this.map);
    this.map.createPane('territoryPane').style.zIndex = '350';
    this.map.createPane('tripPane').style.zIndex = '420';
    for (const g of Object.values(this.groups)) g.addTo(this.map);
    this.map.setView([0, 0], 2);
    this.map.on('dragstart', () => (this.userMoved = true));
    el.addEventListener('wheel', () => (this.userMoved = true), { passive: true });
    el.addEventListener('dblclick', () => (this.userMoved = true));
    this.map.on('click', () => this.on.select(null));
    this.map.on('moveend zoomend', () => this.stamp());
    this.ro = new ResizeObserver(() => {
      this.map.invalidateSize({ pan: false });
      if (!this.userMoved && this.lastFrame) this.fit(this.lastFrame, false);
    });
    this.ro.observe(el);
    this.mode = config.tileUrl ? 'loading' : 'offline';
    if (config.tileUrl) this.startTiles();
    this.setMode(this.mode);
  }

  destroy() {
    clearTimeout(this.tileTimer);
    this.ro.disconnect();
    this.map.remove();
  }

  private setMode(m: TileMode) {
    this.mode = m;
    this.el.dataset.mode = m;
    this.on.mode(m);
  }

  /** (Re)tries the tile layer; the first tile that loads makes it a tiled map, errors only make it offline. */
  startTiles() {
    if (!this.config.tileUrl || this.tiles) return;
    this.tileLoaded = 0;
    let errors = 0;
    const layer = L.tileLayer(this.config.tileUrl, { attribution: this.config.attribution, maxZoom: this.config.maxZoom, crossOrigin: false });
    layer.on('tileload', () => {
      if (this.tiles !== layer) return; // a late tile of a layer already given up
      this.tileLoaded++;
      if (this.mode !== 'tiles') this.setMode('tiles');
    });
    layer.on('tileerror', () => errors++);
    // 'load' fires once every tile in view has settled, failed ones included
    layer.on('load', () => {
      if (this.tiles === layer && !this.tileLoaded && errors) this.goOffline();
    });
    clearTimeout(this.tileTimer);
    this.tileTimer = setTimeout(() => !this.tileLoaded && this.goOffline(), TILE_TIMEOUT_MS);
    this.tiles = layer.addTo(this.map);
    this.setMode('loading');
  }

  private goOffline() {
    if (this.tileLoaded || this.mode === 'offline') return;
    clearTimeout(this.tileTimer);
    const layer = this.tiles;
    this.tiles = null;
    // Leaflet 1.9 reads this._map right after firing 'load' and when a pending tile settles, so removing the layer
    // from a 'load' handler or with tiles in flight throws (Leaflet/Leaflet#6136): hide it now, remove it once its
    // tiles have settled, outside Leaflet's own call.
    if (layer) {
      layer.setOpacity(0);
      const drop = () => setTimeout(() => layer.remove(), 0);
      if (layer.isLoading()) layer.once('load', drop);
      else drop();
    }
    this.setMode('offline');
  }

  private lastFrame: Box | null = null;

  /** Frames the map on the tenant's places (once they are known, and again when they change, until the user moves it). */
  frame(box: Box | null, force = false) {
    if (!box) return;
    this.lastFrame = box;
    const key = boxKey(box);
    if (force) this.userMoved = false;
    if (!force && (this.userMoved || key === this.framed)) return;
    this.fit(box, !force && this.framed !== '');
    this.framed = key;
    this.el.dataset.framed = 'true';
    this.el.dataset.frame = key;
  }

  private fit(box: Box, animate: boolean) {
    const pad = this.el.clientWidth < 500 ? 12 : 28;
    this.map.fitBounds([[box.south, box.west], [box.north, box.east]], { padding: [pad, pad], animate, maxZoom: 15 });
  }

  /** The visible box and zoom on the element, for tests and screenshots ("is it framed?"). */
  private stamp() {
    const b = this.map.getBounds();
    this.el.dataset.view = [b.getSouth(), b.getWest(), b.getNorth(), b.getEast()].map((n) => n.toFixed(5)).join(',');
    this.el.dataset.zoom = this.map.getZoom().toFixed(2);
  }

  // ---------- the tenant's geography ----------

  syncPlaces(p: MapPlaces) {
    if (this.drawn.territories !== p.version.territories) this.drawTerritories(p.territories);
    if (this.drawn.customers !== p.version.customers) this.drawCustomers(p.customers);
    if (this.drawn.depots !== p.version.depots) this.drawDepots(p.depots);
    if (this.drawn.plans !== p.version.plans) this.drawTrips(p.trips);
    this.drawn = { ...p.version };
    this.el.dataset.territories = String(p.territories.length);
    this.el.dataset.customers = String(p.customers.length);
    this.el.dataset.depots = String(p.depots.length);
    this.el.dataset.trips = String(p.trips.length);
  }

  private shapeLayer(s: Shape, opts: L.PathOptions): L.Path {
    if (s.kind === 'circle') return L.circle(ll(s.center), { ...opts, radius: s.radiusKm * 1000 });
    return L.polygon(s.polygons.map((rings) => rings.map((ring) => ring.map(([lng, lat]) => [lat, lng] as L.LatLngTuple))), opts);
  }

  private drawTerritories(ts: TerritoryView[]) {
    this.groups.territories.clearLayers();
    for (const t of ts) {
      const layer = this.shapeLayer(t.shape, { pane: 'territoryPane', className: `territory-shape ${t.shape.kind}`, interactive: true });
      layer.bindTooltip(esc(t.name), { permanent: true, direction: 'center', className: 'territory-label' });
      layer.on('add', () => {
        const e = (layer as L.Path & { getElement(): Element | undefined }).getElement();
        e?.setAttribute('data-testid', 'territory');
        e?.setAttribute('data-shape', t.shape.kind);
        e?.setAttribute('data-territory-id', t.id);
      });
      this.groups.territories.addLayer(layer);
    }
  }

  private drawCustomers(cs: CustomerPin[]) {
    this.groups.customers.clearLayers();
    for (const c of cs) {
      const m = L.circleMarker([c.lat, c.lng], { radius: 3.6, className: 'customer-dot', weight: 1.2 });
      m.bindTooltip(`${esc(c.name)}${c.type ? ` · ${esc(c.type.toLowerCase().replace(/_/g, ' '))}` : ''}`, { direction: 'top', offset: [0, -4] });
      m.on('add', () => m.getElement()?.setAttribute('data-testid', 'customer-marker'));
      this.groups.customers.addLayer(m);
    }
  }

  private drawDepots(ds: Depot[]) {
    this.groups.depots.clearLayers();
    for (const d of ds) {
      const van = d.kind === 'VAN';
      const icon = L.divIcon({
        className: `depot-icon ${van ? 'van' : 'warehouse'}`,
        html: `<span data-testid="depot-marker" data-location-id="${esc(d.id)}" data-kind="${esc(d.kind)}">${van ? 'V' : 'D'}</span>`,
        iconSize: [22, 22],
      });
      L.marker([d.lat, d.lng], { icon, zIndexOffset: 500, keyboard: false })
        .bindTooltip(`${esc(d.name)} · ${van ? 'van base' : 'depot'}`, { direction: 'top', offset: [0, -10] })
        .addTo(this.groups.depots);
    }
  }

  private drawTrips(trips: PlannedTrip[]) {
    this.groups.trips.clearLayers();
    for (const t of trips) {
      const color = TRIP_COLORS[t.index % TRIP_COLORS.length]!;
      const path: L.LatLngTuple[] = [...(t.depot ? [ll(t.depot)] : []), ...t.stops.map(ll), ...(t.depot ? [ll(t.depot)] : [])];
      const line = L.polyline(path, { pane: 'tripPane', color, weight: 3.5, opacity: 0.85, dashArray: '1 0', className: 'trip-line' });
      line.bindTooltip(`${esc(t.plate)} · ${t.stops.length} drops · ${t.km.toFixed(1)} km · ${Math.round(t.loadKg)} kg`, { sticky: true });
      line.on('add', () => {
        const e = line.getElement();
        e?.setAttribute('data-testid', 'planned-trip');
        e?.setAttribute('data-vehicle-id', t.vehicleId);
        e?.setAttribute('data-stops', String(t.stops.length));
      });
      this.groups.trips.addLayer(line);
      for (const s of t.stops) {
        const icon = L.divIcon({ className: 'trip-stop', html: `<span style="background:${color}" data-testid="trip-stop">${s.sequence}</span>`, iconSize: [18, 18] });
        L.marker([s.lat, s.lng], { icon, pane: 'tripPane', keyboard: false })
          .bindTooltip(`${esc(t.plate)} stop ${s.sequence}${s.address ? ` · ${esc(s.address)}` : ''}${s.eta ? ` · ETA ${new Date(s.eta).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })}` : ''}`, { direction: 'top', offset: [0, -8] })
          .addTo(this.groups.trips);
      }
    }
  }

  // ---------- the live layer ----------

  syncVehicles(list: VehicleMark[], selected: string | null) {
    const seen = new Set<string>();
    for (const v of list) {
      seen.add(v.id);
      let entry = this.vehicles.get(v.id);
      const html = vehicleHtml(v);
      if (!entry) {
        const marker = L.marker([v.lat, v.lng], { icon: L.divIcon({ className: 'vehicle-icon', html, iconSize: [32, 32] }), riseOnHover: true });
        marker.on('click', (e) => {
          L.DomEvent.stopPropagation(e);
          this.on.select(v.id);
        });
        const trail = L.polyline([], { className: 'trail', interactive: false });
        const route = L.polyline([], { className: 'shipment-route', interactive: false, dashArray: '4 6' });
        const drop = L.circleMarker([v.lat, v.lng], { radius: 4.5, className: 'shipment-drop', interactive: false });
        this.groups.trails.addLayer(trail);
        this.groups.shipments.addLayer(route);
        entry = { marker, html, trail, route, drop };
        this.vehicles.set(v.id, entry);
        this.groups.vehicles.addLayer(marker);
      } else {
        const cur = entry.marker.getLatLng();
        if (cur.lat !== v.lat || cur.lng !== v.lng) {
          // glide to the new position (only for live moves: zooming must not animate markers)
          const e = entry.marker.getElement();
          e?.classList.add('gliding');
          entry.marker.setLatLng([v.lat, v.lng]);
          setTimeout(() => e?.classList.remove('gliding'), 950);
        }
        if (entry.html !== html) {
          const svg = entry.marker.getElement();
          if (svg) svg.innerHTML = html;
          entry.html = html;
        }
      }
      const e = entry.marker.getElement();
      if (e) {
        e.setAttribute('data-testid', 'vehicle-marker');
        e.setAttribute('data-vehicle-id', v.id);
        e.setAttribute('data-plate', v.plate);
        e.setAttribute('data-lat', v.lat.toFixed(6));
        e.setAttribute('data-lng', v.lng.toFixed(6));
        e.setAttribute('data-state', v.state);
        e.setAttribute('data-stale', v.stale ? 'true' : 'false');
        e.setAttribute('data-cold-chain', v.coldChain ? 'true' : 'false');
        e.setAttribute('role', 'button');
        e.setAttribute('aria-label', v.label);
        e.title = v.label;
        e.className = e.className.replace(/\b(alert|transit|assigned|idle|stale|selected)\b/g, '').replace(/\s+/g, ' ').trim()
          + ` ${v.state}${v.stale ? ' stale' : ''}${v.id === selected ? ' selected' : ''}`;
      }
      entry.marker.setZIndexOffset(v.id === selected ? 1000 : v.state === 'alert' ? 800 : 0);
      entry.trail.setLatLngs(v.trail.length ? [...v.trail, v].map(ll) : []);
      entry.trail.getElement()?.setAttribute('class', `trail ${v.state}`);
      // its shipment: a dashed line through the drops still ahead, and the next drop
      const route = v.drops.length ? [v, ...v.drops].map(ll) : [];
      entry.route.setLatLngs(route);
      const re = entry.route.getElement();
      if (re) {
        re.setAttribute('data-testid', 'shipment-route');
        re.setAttribute('data-vehicle-id', v.id);
      }
      if (v.drops.length) {
        entry.drop.setLatLng(ll(v.drops[0]!));
        if (!this.groups.shipments.hasLayer(entry.drop)) this.groups.shipments.addLayer(entry.drop);
      } else if (this.groups.shipments.hasLayer(entry.drop)) this.groups.shipments.removeLayer(entry.drop);
    }
    for (const [id, entry] of this.vehicles) {
      if (seen.has(id)) continue;
      this.groups.vehicles.removeLayer(entry.marker);
      this.groups.trails.removeLayer(entry.trail);
      this.groups.shipments.removeLayer(entry.route);
      this.groups.shipments.removeLayer(entry.drop);
      this.vehicles.delete(id);
    }
    this.el.dataset.vehicles = String(this.vehicles.size);
  }

  syncAlerts(list: AlertMark[]) {
    const seen = new Set(list.map((a) => a.key));
    for (const a of list) {
      if (this.alerts.has(a.key)) continue;
      const icon = L.divIcon({ className: 'alert-icon', html: '<span data-testid="alert-marker">!</span>', iconSize: [18, 18] });
      const m = L.marker([a.lat, a.lng], { icon, zIndexOffset: 900, keyboard: false }).bindTooltip(esc(a.label), { direction: 'top', offset: [0, -9] });
      this.groups.alerts.addLayer(m);
      this.alerts.set(a.key, m);
    }
    for (const [key, m] of this.alerts) if (!seen.has(key)) {
      this.groups.alerts.removeLayer(m);
      this.alerts.delete(key);
    }
    this.el.dataset.alerts = String(this.alerts.size);
  }
}
