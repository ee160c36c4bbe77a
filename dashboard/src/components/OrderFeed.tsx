import type { Dashboard } from '../useDashboard.ts';
import { formatAmount } from '../money.ts';
import { ago, integer, titleCase, tone } from '../format.ts';

const Pill = ({ status, small }: { status: string; small?: boolean }) => (
  <span className={`pill ${tone(status)} ${small ? 'small' : ''}`}>{titleCase(status)}</span>
);

export function OrderFeed({ dashboard: d }: { dashboard: Dashboard }) {
  const { feed } = d.model;
  const src = d.sources.orderFeed;
  const liveCount = feed.filter((f) => f.live).length;
  return (
    <section className="panel feed-panel" data-testid="order-feed">
      <div className="panel-head">
        <h2>Order feed</h2>
        <span className={`live-tag ${src.state === 'ready' && d.link === 'live' ? 'on' : ''}`}>{src.state === 'ready' ? 'live' : src.state === 'loading' ? '…' : 'offline'}</span>
        <span className="muted small push">{integer(liveCount)} updates</span>
      </div>
      {(src.state === 'missing' || src.state === 'error') && <div className="panel-notice" data-testid="feed-notice">Live orders: {src.message}</div>}
      {d.sources.orders.state === 'error' && <div className="panel-notice">Recent orders: {d.sources.orders.message}</div>}
      <ol className="feed">
        {feed.map((f) => (
          <li key={f.key} className={`feed-item ${f.live ? 'live' : ''} ${f.live && d.now - f.at < 4000 ? 'fresh' : ''}`} data-testid="order-feed-item" data-order-number={f.number} data-status={f.status}>
            <div className="feed-row">
              <span className="mono order-number">{f.number}</span>
              <Pill status={f.status} />
              <span className="muted small push" title={new Date(f.at).toLocaleString()}>{ago(f.at, d.now)}</span>
            </div>
            <div className="feed-row">
              <span className="customer">{f.customer ?? '—'}</span>
              <span className="amount push">{f.amount !== null && f.currency ? formatAmount(f.amount, f.currency) : ''}</span>
            </div>
            {(f.previousStatus || f.shipmentStatus || f.invoiceStatus) && (
              <div className="feed-row meta">
                {f.previousStatus ? <span className="transition">{titleCase(f.previousStatus)} → {titleCase(f.status)}</span> : f.live ? <span className="transition">New order</span> : null}
                <span className="push chips">
                  {f.shipmentStatus && <span className={`chip ${tone(f.shipmentStatus)}`} title="Shipment status"><i>Shipment</i> {titleCase(f.shipmentStatus)}</span>}
                  {f.invoiceStatus && <span className={`chip ${tone(f.invoiceStatus)}`} title="Invoice status"><i>Invoice</i> {titleCase(f.invoiceStatus)}</span>}
                </span>
              </div>
            )}
          </li>
        ))}
        {!feed.length && d.sources.orders.state !== 'loading' && <li className="feed-empty">Waiting for orders…</li>}
      </ol>
    </section>
  );
}
