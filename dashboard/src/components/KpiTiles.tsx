import type { ReactNode } from 'react';
import type { Dashboard, Source } from '../useDashboard.ts';
import { formatMinor } from '../money.ts';
import { integer } from '../format.ts';
import { RATE_WINDOW_MIN } from '../model.ts';

function Tile({ id, label, value, sub, source, children, icon }: { id: string; label: string; value: ReactNode; sub?: ReactNode; source?: Source; children?: ReactNode; icon: ReactNode }) {
  const unavailable = source && (source.state === 'missing' || source.state === 'error');
  return (
    <section className="tile" data-testid={`kpi-${id}`} data-state={source?.state ?? 'ready'}>
      <div className="tile-head"><span className="tile-icon" aria-hidden="true">{icon}</span>{label}</div>
      <div className="tile-value" data-testid={`kpi-${id}-value`}>{source?.state === 'loading' ? <span className="skeleton" /> : unavailable ? '—' : value}</div>
      <div className="tile-sub" title={unavailable ? source.message : undefined}>{unavailable ? <span className="unavailable">{source.message}</span> : sub}</div>
      {children}
    </section>
  );
}

function Sparkline({ values }: { values: number[] }) {
  const max = Math.max(1, ...values);
  const w = 120, h = 30;
  const step = w / Math.max(1, values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`).join(' ');
  return (
    <svg className="sparkline" viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" aria-label={`orders per minute, last ${values.length} minutes`}>
      <polyline points={`0,${h} ${pts} ${w},${h}`} className="area" />
      <polyline points={pts} className="line" />
    </svg>
  );
}

const Meter = ({ share, tone }: { share: number; tone: 'good' | 'warn' | 'bad' | 'info' }) => (
  <div className="meter"><div className={`meter-fill ${tone}`} style={{ width: `${Math.round(Math.min(1, Math.max(0, share)) * 100)}%` }} /></div>
);

const I = {
  cash: <svg viewBox="0 0 20 20"><rect x="2" y="5" width="16" height="10" rx="2" /><circle cx="10" cy="10" r="2.4" /></svg>,
  rate: <svg viewBox="0 0 20 20"><path d="M2 14l5-5 3 3 7-7" /><path d="M13 5h4v4" /></svg>,
  clock: <svg viewBox="0 0 20 20"><circle cx="10" cy="10" r="7.5" /><path d="M10 5.5V10l3 2" /></svg>,
  van: <svg viewBox="0 0 20 20"><path d="M2 6h10v7H2zM12 9h3l3 3v1h-6z" /><circle cx="6" cy="14.5" r="1.6" /><circle cx="15" cy="14.5" r="1.6" /></svg>,
};

export function KpiTiles({ dashboard: d }: { dashboard: Dashboard }) {
  const k = d.model.kpis(d.now);
  const orders = d.sources.orders;
  const onTimeSource: Source = d.sources.deliveries.state === 'missing' && d.sources.orderFeed.state !== 'missing' ? { state: 'ready' } : d.sources.deliveries;
  const onTimeTone = k.onTimeShare === null ? 'info' : k.onTimeShare >= 0.9 ? 'good' : k.onTimeShare >= 0.75 ? 'warn' : 'bad';
  return (
    <div className="tiles">
      <Tile id="gmv" label="GMV today" icon={I.cash} source={orders}
        value={<span title={formatMinor(k.gmvMinor, k.currency)}>{formatMinor(k.gmvMinor, k.currency, { compact: k.gmvMinor >= 10n ** 10n })}</span>}
        sub={<>{integer(k.ordersToday)} orders today · {k.currency}{k.otherCurrencyOrders ? ` · ${k.otherCurrencyOrders} in other currencies` : ''}</>}
      />
      <Tile id="orders-per-minute" label="Orders per minute" icon={I.rate} source={orders.state === 'ready' || d.sources.orderFeed.state === 'ready' ? { state: 'ready' } : orders}
        value={<>{k.ordersPerMinute.toFixed(k.ordersPerMinute >= 10 ? 0 : 1)}<small> /min</small></>}
        sub={<>{integer(k.perMinute.reduce((a, b) => a + b, 0))} new orders in the last {RATE_WINDOW_MIN} min</>}
      >
        <Sparkline values={k.perMinute} />
      </Tile>
      <Tile id="on-time" label="Deliveries on time" icon={I.clock} source={onTimeSource}
        value={k.onTimeShare === null ? <>{integer(k.deliveredToday)}<small> delivered</small></> : <>{Math.round(k.onTimeShare * 100)}<small>%</small></>}
        sub={k.onTimeShare === null
          ? 'delivered today (no ETA data to judge punctuality)'
          : <>{integer(k.onTimeCount)} of {integer(k.onTimeKnown)} {k.onTimeBasis === 'today' ? 'today' : 'recent deliveries'} on time · {integer(k.deliveredToday)} delivered today</>}
      >
        {k.onTimeShare !== null && <Meter share={k.onTimeShare} tone={onTimeTone} />}
      </Tile>
      <Tile id="active-vehicles" label="Active vehicles" icon={I.van} source={d.sources.vehicles}
        value={<>{integer(k.activeVehicles)}<small> / {integer(k.totalVehicles)}</small></>}
        sub={<>reported in the last 5 min · {integer(k.inTransit)} on delivery</>}
      >
        <Meter share={k.totalVehicles ? k.activeVehicles / k.totalVehicles : 0} tone="info" />
      </Tile>
    </div>
  );
}
