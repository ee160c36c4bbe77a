import type { Dashboard } from '../useDashboard.ts';
import { ago, integer } from '../format.ts';

/** Shown when the graph can tell us about cold chain live: a `coldChainAlert` subscription, or cargo temperatures on positions. */
export function coldChainAvailable(d: Dashboard): boolean {
  if (!d.caps) return false;
  const sub = d.caps.has('Subscription', 'coldChainAlert');
  const temps = d.caps.introspected && d.caps.has('VehiclePosition', 'temperatureC') && d.caps.has('Subscription', 'vehiclePositionUpdated');
  return sub || temps;
}

export function ColdChainPanel({ dashboard: d }: { dashboard: Dashboard }) {
  const { alerts } = d.model;
  const monitored = [...d.model.vehicles.values()].filter((v) => v.coldChain);
  const warm = monitored.filter((v) => v.temperatureC !== null && v.temperatureC > 8);
  const src = d.caps?.has('Subscription', 'coldChainAlert') ? d.sources.coldChain : d.sources.liveFleet;
  return (
    <section className="panel cold-panel" data-testid="cold-chain-panel">
      <div className="panel-head">
        <h2>Cold-chain alerts</h2>
        {alerts.length > 0 && <span className="count-badge">{alerts.length}</span>}
        <span className="muted small push">{integer(monitored.length)} refrigerated vehicles</span>
      </div>
      {(src.state === 'missing' || src.state === 'error') && <div className="panel-notice">{src.message}</div>}
      {alerts.length === 0 ? (
        <div className="cold-ok"><span className="ok-icon" aria-hidden="true">✓</span>All refrigerated cargo at or below 8 °C</div>
      ) : (
        <ol className="alerts">
          {alerts.map((a) => (
            <li key={a.key} className={`alert-item ${d.now - a.at < 30 * 60_000 ? 'recent' : ''}`} data-testid="cold-chain-alert">
              <span className="temp">{a.temperatureC.toFixed(1)} °C</span>
              <span className="alert-main">
                <b className="mono">{a.plate}</b>
                <span className="muted small">{a.orderNumber ? `${a.orderNumber}${a.customer ? ` · ${a.customer}` : ''}` : `limit ${a.limitC} °C`}</span>
              </span>
              <span className="muted small">{ago(a.at, d.now)}</span>
            </li>
          ))}
        </ol>
      )}
      {warm.length > 0 && <div className="panel-foot bad-text">{warm.length} vehicle{warm.length > 1 ? 's' : ''} above the limit right now</div>}
    </section>
  );
}
