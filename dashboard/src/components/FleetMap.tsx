import { useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import type { Dashboard } from '../useDashboard.ts';
import type { VehicleState } from '../model.ts';
import { ACTIVE_WINDOW_MS } from '../model.ts';
import { BADAGRY_CREEK, LAGOS_LAGOON, OCEAN, PLACES, ROADS, boundsFor, createProjection, pathOf, type Projection } from '../geo.ts';
import { ago, titleCase } from '../format.ts';

type MarkerState = 'alert' | 'transit' | 'assigned' | 'idle';
const STATES: MarkerState[] = ['transit', 'assigned', 'idle', 'alert'];

function markerState(v: VehicleState, alerting: Set<string>): MarkerState {
  if (alerting.has(v.id)) return 'alert';
  if (v.shipment?.status === 'IN_TRANSIT') return 'transit';
  if (v.shipment?.status === 'ASSIGNED' || v.shipment?.status === 'PENDING') return 'assigned';
  return 'idle';
}
const isStale = (v: VehicleState, now: number) => v.recordedAt === null || now - v.recordedAt > ACTIVE_WINDOW_MS;

const STATE_LABEL: Record<MarkerState, string> = { transit: 'On delivery', assigned: 'Assigned', idle: 'Idle', alert: 'Cold-chain alert' };

function useSize<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const [size, setSize] = useState({ w: 800, h: 560 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => {
      const r = e!.contentRect;
      if (r.width > 0 && r.height > 0) setSize({ w: r.width, h: r.height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, size] as const;
}

/** The base map (static per projection): water, roads, places, territories. */
function BaseMap({ proj, unit, territories, detail }: { proj: Projection; unit: number; territories: Dashboard['model']['territories']; detail: boolean }) {
  const ocean = useMemo(() => pathOf(OCEAN, proj), [proj]);
  const lagoon = useMemo(() => pathOf(LAGOS_LAGOON, proj), [proj]);
  const creek = useMemo(() => pathOf(BADAGRY_CREEK, proj), [proj]);
  const roads = useMemo(() => ROADS.map((r) => ({ name: r.name, d: pathOf(r.points, proj, false) })), [proj]);
  return (
    <g className="basemap">
      <rect x={-proj.width * 3} y={-proj.height * 3} width={proj.width * 7} height={proj.height * 7} className="land" />
      <path d={ocean} className="water ocean" />
      <path d={lagoon} className="water" />
      <path d={creek} className="water" />
      {roads.map((r) => <path key={r.name} d={r.d} className="road"><title>{r.name}</title></path>)}
      {territories.map((t) => {
        const [x, y] = proj.project(t.lat, t.lng);
        return (
          <g key={t.id} className="territory" data-testid="territory">
            <circle cx={x} cy={y} r={Math.max(1, t.radiusKm * proj.unitsPerKm)} />
            <text x={x} y={y - t.radiusKm * proj.unitsPerKm - 6 * unit} style={{ fontSize: 11 * unit }} textAnchor="middle">{t.name}</text>
          </g>
        );
      })}
      {PLACES.filter((p) => p.major || detail).map((p) => {
        const [x, y] = proj.project(p.lat, p.lng);
        const water = p.name.includes('Lagoon') || p.name.includes('Ocean');
        return (
          <text key={p.name} x={x} y={y} className={`place ${p.major ? 'major' : ''} ${water ? 'water-label' : ''}`} style={{ fontSize: (p.major ? 12 : 10.5) * unit }} textAnchor="middle">
            {p.name}
          </text>
        );
      })}
    </g>
  );
}

function Marker({ v, proj, unit, state, stale, selected, onSelect }: { v: VehicleState; proj: Projection; unit: number; state: MarkerState; stale: boolean; selected: boolean; onSelect: () => void }) {
  const [x, y] = proj.project(v.lat!, v.lng!);
  return (
    <g
      data-testid="vehicle-marker"
      data-vehicle-id={v.id}
      data-plate={v.plate}
      data-lat={v.lat!.toFixed(6)}
      data-lng={v.lng!.toFixed(6)}
      data-state={state}
      data-stale={stale ? 'true' : 'false'}
      data-cold-chain={v.coldChain ? 'true' : 'false'}
      className={`marker ${state} ${stale ? 'stale' : ''} ${selected ? 'selected' : ''}`}
      style={{ transform: `translate(${x}px, ${y}px) scale(${unit})` }}
      onClick={(e) => { e.stopPropagation(); onSelect(); }}
      role="button"
      aria-label={`${v.plate}: ${STATE_LABEL[state]}${stale ? ', no recent signal' : ''}`}
    >
      <title>{`${v.plate} · ${STATE_LABEL[state]}${stale ? ' · no recent signal' : ''}${v.speedKph !== null ? ` · ${Math.round(v.speedKph)} km/h` : ''}`}</title>
      {selected && <circle r="15" className="halo" />}
      {v.heading !== null && !stale && (v.speedKph ?? 0) > 0.5 && (
        <path d="M0,-15 L4,-9 L-4,-9 Z" className="heading" transform={`rotate(${v.heading})`} />
      )}
      <circle r="7.5" className="body" />
      {v.coldChain ? <path d="M0,-4V4M-3.5,-2L3.5,2M-3.5,2L3.5,-2" className="glyph" /> : <circle r="2.4" className="glyph-dot" />}
    </g>
  );
}

function VehicleCard({ v, state, stale, now, onClose }: { v: VehicleState; state: MarkerState; stale: boolean; now: number; onClose: () => void }) {
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
          {v.shipment.rider && <><dt>Rider</dt><dd>{v.shipment.rider}{v.shipment.riderLevel ? <span className="level">{v.shipment.riderLevel}</span> : null}</dd></>}
        </>}
      </dl>
    </div>
  );
}

export function FleetMap({ dashboard: d }: { dashboard: Dashboard }) {
  const [boxRef, size] = useSize<HTMLDivElement>();
  const { model, now } = d;
  const vehicles = [...model.vehicles.values()].filter((v) => v.lat !== null && v.lng !== null);
  const territoryKey = model.territories.map((t) => t.id).join();
  const hasVehicles = vehicles.length > 0;
  // bounds follow the data only for tenants outside Lagos (fixed once data is there, so the map does not jump)
  const proj = useMemo(() => createProjection(boundsFor([...model.territories, ...vehicles.map((v) => ({ lat: v.lat!, lng: v.lng! }))])), [territoryKey, hasVehicles]);
  // null: fitted to the fleet and territories (follows resizes); set once the user zooms or pans
  const [manual, setManual] = useState<{ k: number; cx: number; cy: number } | null>(null);
  useEffect(() => setManual(null), [proj]);
  const [selected, setSelected] = useState<string | null>(null);
  const drag = useRef<{ x: number; y: number; cx: number; cy: number; moved: boolean } | null>(null);

  const fitted = useMemo(() => {
    const pts: [number, number, number][] = [
      ...model.territories.map((t) => [...proj.project(t.lat, t.lng), t.radiusKm * proj.unitsPerKm] as [number, number, number]),
      ...vehicles.map((v) => [...proj.project(v.lat!, v.lng!), 0] as [number, number, number]),
    ];
    if (!pts.length) return { k: 1, cx: proj.width / 2, cy: proj.height / 2 };
    const x0 = Math.min(...pts.map(([x, , r]) => x - r)), x1 = Math.max(...pts.map(([x, , r]) => x + r));
    const y0 = Math.min(...pts.map(([, y, r]) => y - r)), y1 = Math.max(...pts.map(([, y, r]) => y + r));
    const bw = Math.max(80, (x1 - x0) * 1.2), bh = Math.max(60, (y1 - y0) * 1.2);
    const base = Math.min(size.w / proj.width, size.h / proj.height);
    const k = Math.min(6, Math.max(1, Math.min(size.w / bw, size.h / bh) / base));
    return { k, cx: (x0 + x1) / 2, cy: (y0 + y1) / 2 };
  }, [proj, territoryKey, hasVehicles, size.w, size.h]);
  const view = manual ?? fitted;
  const setView = (f: (v: { k: number; cx: number; cy: number }) => { k: number; cx: number; cy: number }) => setManual((m) => f(m ?? fitted));

  const fit = Math.min(size.w / proj.width, size.h / proj.height);
  const scale = fit * view.k; // px per map unit
  const unit = 1 / scale; // map units per px
  const vw = size.w * unit, vh = size.h * unit;
  const viewBox = `${view.cx - vw / 2} ${view.cy - vh / 2} ${vw} ${vh}`;
  const alerting = model.alertingVehicles(now);
  const detail = scale > 1.1; // px per map unit: show minor place names when zoomed in

  const zoom = (factor: number, px = size.w / 2, py = size.h / 2) => setView((v) => {
    const k = Math.min(12, Math.max(1, v.k * factor));
    const s0 = fit * v.k, s1 = fit * k;
    // keep the map point under the cursor in place
    const mx = v.cx + (px - size.w / 2) / s0, my = v.cy + (py - size.h / 2) / s0;
    return { k, cx: mx - (px - size.w / 2) / s1, cy: my - (py - size.h / 2) / s1 };
  });
  const onWheel = (e: React.WheelEvent) => {
    const r = (e.currentTarget as Element).getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top);
  };
  const onDown = (e: ReactPointerEvent) => {
    drag.current = { x: e.clientX, y: e.clientY, cx: view.cx, cy: view.cy, moved: false };
  };
  const onMove = (e: ReactPointerEvent) => {
    const g = drag.current;
    if (!g || !(e.buttons & 1)) return;
    const dx = e.clientX - g.x, dy = e.clientY - g.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) g.moved = true;
    if (g.moved) setView((v) => ({ ...v, cx: g.cx - dx * unit, cy: g.cy - dy * unit }));
  };
  const onUp = () => {
    if (drag.current && !drag.current.moved) setSelected(null);
    drag.current = null;
  };

  const counts = vehicles.reduce<Record<MarkerState, number>>((acc, v) => (acc[markerState(v, alerting)]++, acc), { transit: 0, assigned: 0, idle: 0, alert: 0 });
  const staleCount = vehicles.filter((v) => isStale(v, now)).length;
  const sel = selected ? model.vehicles.get(selected) : undefined;
  const scaleKm = [1, 2, 5, 10, 20].find((km) => km * proj.unitsPerKm * scale >= 70) ?? 20;
  const notices = [d.sources.vehicles, d.sources.liveFleet, d.sources.territories]
    .map((s, i) => (s.state === 'missing' || s.state === 'error' ? `${['Fleet', 'Live positions', 'Territories'][i]}: ${s.message}` : null))
    .filter(Boolean);
  // render the selected marker last so it sits on top
  const ordered = selected ? [...vehicles.filter((v) => v.id !== selected), ...vehicles.filter((v) => v.id === selected)] : vehicles;

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
        </div>
      </div>
      <div className="map-box" ref={boxRef}>
        <svg
          className="map" viewBox={viewBox} width={size.w} height={size.h}
          onWheel={onWheel} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp} onPointerLeave={() => (drag.current = null)}
          role="img" aria-label="Map of the fleet"
        >
          <BaseMap proj={proj} unit={unit} territories={model.territories} detail={detail} />
          <g className="trails">
            {vehicles.filter((v) => v.trail.length).map((v) => (
              <polyline key={v.id} points={[...v.trail, { lat: v.lat!, lng: v.lng! }].map((p) => proj.project(p.lat, p.lng).join(',')).join(' ')} className={`trail ${markerState(v, alerting)}`} />
            ))}
          </g>
          <g className="markers">
            {ordered.map((v) => (
              <Marker key={v.id} v={v} proj={proj} unit={unit} state={markerState(v, alerting)} stale={isStale(v, now)} selected={v.id === selected} onSelect={() => setSelected(v.id)} />
            ))}
          </g>
        </svg>
        {sel && sel.lat !== null && <VehicleCard v={sel} state={markerState(sel, alerting)} stale={isStale(sel, now)} now={now} onClose={() => setSelected(null)} />}
        <div className="map-controls">
          <button onClick={() => zoom(1.5)} aria-label="Zoom in">+</button>
          <button onClick={() => zoom(1 / 1.5)} aria-label="Zoom out">−</button>
          <button onClick={() => setManual(null)} aria-label="Fit the fleet" title="Fit the fleet">⤢</button>
          <button onClick={() => setManual({ k: 1, cx: proj.width / 2, cy: proj.height / 2 })} aria-label="Whole city" title="Whole city">◎</button>
        </div>
        <div className="scale-bar"><span style={{ width: scaleKm * proj.unitsPerKm * scale }} />{scaleKm} km</div>
        {d.sources.vehicles.state === 'loading' && <div className="map-empty">Loading the fleet…</div>}
        {d.sources.vehicles.state === 'ready' && !vehicles.length && <div className="map-empty">No vehicle has reported a position yet.</div>}
        {notices.length > 0 && <div className="map-notices" data-testid="map-notices">{notices.map((n) => <div key={n}>{n}</div>)}</div>}
      </div>
    </section>
  );
}
