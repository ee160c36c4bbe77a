import { useEffect, useRef, useState } from 'react';
import 'leaflet/dist/leaflet.css';
import type { Dashboard } from '../useDashboard.ts';
import type { VehicleState } from '../model.ts';
import { ACTIVE_WINDOW_MS } from '../model.ts';
import { ago, titleCase } from '../format.ts';
import { loadMapConfig, type MapConfig } from '../map/config.ts';
import { LiveMap, TRIP_COLORS, type AlertMark, type MarkerState, type TileMode, type VehicleMark } from '../map/live-map.ts';
import { PlanSummary } from './PlanSummary.tsx';

const STATES: MarkerState[] = ['transit', 'assigned', 'idle', 'alert'];
const STATE_LABEL: Record<MarkerState, string> = { transit: 'On delivery', assigned: 'Assigned', idle: 'Idle', alert: 'Cold-chain alert' };

function markerState(v: VehicleState, alerting: Set<string>): MarkerState {
  if (alerting.has(v.id)) return 'alert';
  if (v.shipment?.status === 'IN_TRANSIT') return 'transit';
  if (v.shipment?.status === 'ASSIGNED' || v.shipment?.status === 'PENDING') return 'assigned';
  return 'idle';
}
const isStale = (v: VehicleState, now: number) => v.recordedAt === null || now - v.recordedAt > ACTIVE_WINDOW_MS;

function VehicleCard({ v, state, stale, now, onClose }: { v: VehicleState; state: MarkerState; stale: boolean; now: number; onClose: () => void }) {
  const ahead = v.shipment?.stops?.filter((s) => !s.arrived) ?? [];
  return (
    <div className="vehicle-card" data-testid="vehicle-card">
      <div className="vehicle-card-head">
        <div>
          <div className="plate">{v.plate}</div>
          <div className="muted small">{[titleCase(v.kind), v.coldChain ? 'Cold chain' : null].filter(Boolean).join(' · ')}</div>
        </div>
        <button className="icon-button" onClick={onClose} aria-label="Close">×</button>
      </div>
      <div className="chips-row">
        <span className={`state-chip ${state}`}>{STATE_LABEL[state]}</span>
        {stale && <span className="state-chip stale">No recent signal</span>}
      </div>
      <dl>
        <dt>Speed</dt><dd>{v.speedKph === null ? '—' : `${Math.round(v.speedKph)} km/h`}</dd>
        <dt>Last report</dt><dd>{ago(v.recordedAt, now)}</dd>
        {v.temperatureC !== null && <><dt>Cargo</dt><dd className={v.temperatureC > 8 ? 'bad-text' : ''}>{v.temperatureC.toFixed(1)} °C</dd></>}
        {v.shipment && <>
          <dt>Shipment</dt><dd>{titleCase(v.shipment.status)}</dd>
          {v.shipment.orderNumber && <><dt>Order</dt><dd className="mono">{v.shipment.orderNumber}</dd></>}
          {v.shipment.customer && <><dt>Customer</dt><dd>{v.shipment.customer}</dd></>}
          {ahead.length > 0 && <><dt>Drops left</dt><dd>{ahead.length}{ahead[0]!.address ? ` · next ${ahead[0]!.address}` : ''}</dd></>}
          {v.shipment.rider && <><dt>Rider</dt><dd>{v.shipment.rider}{v.shipment.riderLevel ? <span className="level">{v.shipment.riderLevel}</span> : null}</dd></>}
        </>}
      </dl>
    </div>
  );
}

const MODE_LABEL: Record<TileMode, string> = {
  loading: 'Loading map tiles…',
  tiles: '',
  offline: 'Offline map: drawn from your territories, depots and customers',
};

/** The fleet panel: the live slippy map (map/live-map.ts), its legend, the day's plan and the selected vehicle. */
export function FleetMap({ dashboard: d }: { dashboard: Dashboard }) {
  const { model, now } = d;
  const host = useRef<HTMLDivElement>(null);
  const mapRef = useRef<LiveMap | null>(null);
  const [config, setConfig] = useState<MapConfig | null>(null);
  const [mode, setMode] = useState<TileMode>('loading');
  const [selected, setSelected] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    void loadMapConfig().then((c) => live && setConfig(c));
    return () => { live = false; };
  }, []);

  useEffect(() => {
    if (!config || !host.current) return;
    const m = new LiveMap(host.current, config, { mode: setMode, select: setSelected });
    mapRef.current = m;
    return () => {
      mapRef.current = null;
      m.destroy();
    };
  }, [config]);

  const alerting = model.alertingVehicles(now);
  const positioned = [...model.vehicles.values()].filter((v) => v.lat !== null && v.lng !== null);

  // every render: diff the layers against the model (cheap: by id, places by version)
  useEffect(() => {
    const m = mapRef.current;
    if (!m) return;
    m.syncPlaces(model.map);
    const marks: VehicleMark[] = positioned.map((v) => {
      const state = markerState(v, alerting);
      const stale = isStale(v, now);
      return {
        id: v.id, plate: v.plate, lat: v.lat!, lng: v.lng!, state, stale, coldChain: v.coldChain, heading: v.heading,
        moving: (v.speedKph ?? 0) > 0.5, trail: v.trail,
        drops: (v.shipment?.stops ?? []).filter((s) => !s.arrived),
        shipmentStatus: v.shipment?.status,
        label: `${v.plate}: ${STATE_LABEL[state]}${stale ? ', no recent signal' : ''}${v.speedKph !== null ? `, ${Math.round(v.speedKph)} km/h` : ''}${v.shipment?.orderNumber ? `, order ${v.shipment.orderNumber}` : ''}`,
      };
    });
    m.syncVehicles(marks, selected);
    const alerts: AlertMark[] = model.alerts.filter((a) => a.lat !== undefined && a.lng !== undefined && now - a.at < 30 * 60_000)
      .map((a) => ({ key: a.key, lat: a.lat!, lng: a.lng!, label: `${a.plate} · ${a.temperatureC.toFixed(1)} °C (limit ${a.limitC} °C)${a.orderNumber ? ` · ${a.orderNumber}` : ''}` }));
    m.syncAlerts(alerts);
    m.frame(model.map.frame(positioned.map((v) => ({ lat: v.lat!, lng: v.lng! }))));
  });

  const counts = positioned.reduce<Record<MarkerState, number>>((acc, v) => (acc[markerState(v, alerting)]++, acc), { transit: 0, assigned: 0, idle: 0, alert: 0 });
  const staleCount = positioned.filter((v) => isStale(v, now)).length;
  const sel = selected ? model.vehicles.get(selected) : undefined;
  const sources = [['Fleet', d.sources.vehicles], ['Live positions', d.sources.liveFleet], ['Territories', d.sources.territories], ['Depots', d.sources.locations], ['Customers', d.sources.customers], ['Route plans', d.sources.routePlans]] as const;
  const notices = sources.filter(([, s]) => s.state === 'missing' || s.state === 'error').map(([n, s]) => `${n}: ${s.message}`);
  const places = model.map;

  return (
    <section className="panel map-panel" data-testid="fleet-map">
      <div className="panel-head">
        <h2>Fleet</h2>
        <span className={`live-tag ${d.sources.liveFleet.state === 'ready' && d.link === 'live' ? 'on' : ''}`}>{d.sources.liveFleet.state === 'ready' ? 'live' : d.sources.liveFleet.state === 'loading' ? '…' : 'static'}</span>
        <div className="legend">
          {STATES.filter((s) => s !== 'alert' || counts.alert).map((s) => (
            <span key={s} className="legend-item"><span className={`legend-dot ${s}`} />{STATE_LABEL[s]} <b>{counts[s]}</b></span>
          ))}
          <span className="legend-item" title={`No position in the last ${ACTIVE_WINDOW_MS / 60_000} minutes`}><span className="legend-dot stale" />No recent signal <b>{staleCount}</b></span>
          <span className="legend-item" title="Depots and van bases"><span className="legend-depot">D</span>Depots <b>{places.depots.length}</b></span>
          <span className="legend-item" title={places.customersWithoutPosition ? `${places.customersWithoutPosition} more without a known position` : 'Customers'}><span className="legend-customer" />Customers <b>{places.customers.length}</b></span>
        </div>
      </div>
      <PlanSummary dashboard={d} colors={TRIP_COLORS} />
      <div className="map-box">
        <div ref={host} className={`leaflet-host mode-${mode}`} data-testid="map-canvas" role="region" aria-label="Map of the fleet" />
        {sel && sel.lat !== null && <VehicleCard v={sel} state={markerState(sel, alerting)} stale={isStale(sel, now)} now={now} onClose={() => setSelected(null)} />}
        <div className="map-tools">
          <button onClick={() => mapRef.current?.frame(places.frame(positioned.map((v) => ({ lat: v.lat!, lng: v.lng! }))), true)} aria-label="Frame my area" title="Frame my depots, customers and territories">⤢</button>
        </div>
        {mode !== 'tiles' && (
          <button className={`map-mode ${mode}`} data-testid="map-mode" data-mode={mode} onClick={() => mode === 'offline' && mapRef.current?.startTiles()}
            title={mode === 'offline' ? (config?.tileUrl ? 'The map tiles did not load; click to try again' : 'No tile server is configured (DASHBOARD_TILE_URL)') : undefined}>
            {MODE_LABEL[mode]}
          </button>
        )}
        {d.sources.vehicles.state === 'loading' && <div className="map-empty">Loading the fleet…</div>}
        {d.sources.vehicles.state === 'ready' && !positioned.length && <div className="map-empty">No vehicle has reported a position yet.</div>}
        {notices.length > 0 && <div className="map-notices" data-testid="map-notices">{notices.map((n) => <div key={n}>{n}</div>)}</div>}
      </div>
    </section>
  );
}
