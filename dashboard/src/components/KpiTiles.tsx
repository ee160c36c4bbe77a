import type { ReactNode } from 'react';
import type { Dashboard, Source } from '../useDashboard.ts';
import { formatAmount, toMinor } from '../money.ts';
import { integer } from '../format.ts';
import type { ServerKpis } from '../model.ts';

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
  coin: <svg viewBox="0 0 20 20"><circle cx="10" cy="10" r="7.5" /><path d="M10 5.5v9M7.5 8h4a1.5 1.5 0 010 3h-3a1.5 1.5 0 000 3h4" /></svg>,
  cold: <svg viewBox="0 0 20 20"><path d="M10 2v16M3 6l14 8M17 6L3 14" /></svg>,
};

/** "14:05" (or "Fri 14:05" with the day) in the tenant's zone. */
const clock = (ms: number, timeZone: string, withDay = false) => {
  try {
    return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', ...(withDay ? { weekday: 'short' } : {}) }).format(ms);
  } catch {
    return new Date(ms).toISOString().slice(11, 16);
  }
};

const money = (m: { amount: string; currencyCode: string }) => {
  const compact = toMinor(m.amount, m.currencyCode) >= 10n ** 10n;
  return <span title={formatAmount(m.amount, m.currencyCode)}>{formatAmount(m.amount, m.currencyCode, { compact })}</span>;
};

/** A tile's source: the KPI query, or 'missing' when the graph lacks this part of it. */
const partSource = (kpis: Source, part: unknown, root: string): Source =>
  kpis.state === 'ready' && !part ? { state: 'missing', message: `Query.${root} is not in the graph yet` } : kpis;

export function KpiTiles({ dashboard: d }: { dashboard: Dashboard }) {
  const s: ServerKpis = d.model.server ?? { commerce: null, logistics: null, finance: null };
  const live = d.model.live(d.now);
  const src = d.sources.kpis;
  const c = s.commerce, l = s.logistics, f = s.finance;
  const onTime = l?.onTime;
  const onTimeTone = !onTime || onTime.rate === null ? 'info' : onTime.rate >= 0.9 ? 'good' : onTime.rate >= 0.75 ? 'warn' : 'bad';
  return (
    <div className="tiles">
      <Tile id="gmv" label="GMV today" icon={I.cash} source={partSource(src, c, 'commerceKpis')}
        value={c && money(c.gmv)}
        sub={c && <>{integer(c.ordersToday)} orders today · since {clock(c.dayStart, c.timeZone)} {c.timeZone}</>}
      />
      <Tile id="orders-per-minute" label="Orders per minute" icon={I.rate} source={partSource(src, c, 'commerceKpis')}
        value={c && <>{c.ordersPerMinute.toFixed(c.ordersPerMinute >= 10 ? 0 : 1)}<small> /min</small></>}
        sub={c && <>{integer(c.ordersInRateWindow)} orders in the last {c.rateWindowMinutes} min</>}
      >
        <Sparkline values={live.perMinute} />
      </Tile>
      <Tile id="on-time" label="Deliveries on time" icon={I.clock} source={partSource(src, l, 'logisticsKpis')}
        value={onTime && (onTime.rate === null ? <>—<small> no deliveries</small></> : <>{Math.round(onTime.rate * 100)}<small>%</small></>)}
        sub={onTime && <span data-testid="kpi-on-time-window">{integer(onTime.onTime)} of {integer(onTime.delivered)} by ETA · last {onTime.windowHours} h (since {clock(onTime.windowStart, c?.timeZone ?? 'UTC', true)}){onTime.withoutEta ? ` · ${integer(onTime.withoutEta)} without ETA` : ''}</span>}
      >
        {onTime && onTime.rate !== null && <Meter share={onTime.rate} tone={onTimeTone} />}
      </Tile>
      <Tile id="active-vehicles" label="Active vehicles" icon={I.van} source={partSource(src, l, 'logisticsKpis')}
        value={l && <>{integer(l.activeVehicles)}<small> / {integer(l.vehicles)}</small></>}
        sub={l && <>reported in the last {l.activeWithinMinutes} min · {integer(live.inTransit)} on delivery</>}
      >
        {l && <Meter share={l.vehicles ? l.activeVehicles / l.vehicles : 0} tone="info" />}
      </Tile>
      <Tile id="collections" label="Collections today" icon={I.coin} source={partSource(src, f, 'financeKpis')}
        value={f && (f.collections.length ? f.collections.map((m, i) => <span key={m.currencyCode}>{i ? ' + ' : ''}{money(m)}</span>) : money({ amount: '0', currencyCode: d.model.currency ?? c?.gmv.currencyCode ?? 'USD' }))}
        sub={f && <>{integer(f.paymentsToday)} payments received today</>}
      />
      <Tile id="excursions" label="Cold-chain excursions" icon={I.cold} source={partSource(src, l, 'logisticsKpis')}
        value={l && integer(l.coldChainExcursions)}
        sub={l && <>above the goods' limit · last {l.onTime.windowHours} h</>}
      />
    </div>
  );
}
