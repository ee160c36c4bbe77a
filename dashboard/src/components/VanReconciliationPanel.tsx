import type { Dashboard } from '../useDashboard.ts';
import { formatAmount } from '../money.ts';
import { ago, integer } from '../format.ts';

/** SKUs listed per reconciliation before "+n more". */
const LINES_SHOWN = 4;

/** Shown when the graph has van reconciliations (issue 15, van stock). */
export const vanReconciliationAvailable = (d: Dashboard): boolean => Boolean(d.caps?.has('Query', 'vanReconciliations'));

const signed = (n: number) => (n > 0 ? `+${integer(n)}` : n < 0 ? `−${integer(-n)}` : '0');
const valueText = (v: { amount: string; currency: string } | null) => (v ? formatAmount(v.amount, v.currency) : '');
const valueTone = (v: { amount: string } | null) => (v && v.amount.startsWith('-') ? 'bad-text' : '');

/** Today's end-of-day van counts that differed from the book: van, SKU, expected vs counted, and what it is worth. */
export function VanReconciliationPanel({ dashboard: d }: { dashboard: Dashboard }) {
  const today = d.model.vanReconciliationsToday(d.now);
  const src = d.sources.vanReconciliations;
  const live = d.sources.vanVariances;
  return (
    <section className="panel van-panel" data-testid="van-reconciliation-panel">
      <div className="panel-head">
        <h2>Van reconciliation</h2>
        {live.state === 'ready' && <span className={`live-tag ${d.link === 'live' ? 'on' : ''}`}>live</span>}
        {today.length > 0 && <span className="count-badge">{today.length}</span>}
        <span className="muted small push">variances today</span>
      </div>
      {(src.state === 'missing' || src.state === 'error') && <div className="panel-notice">Van reconciliations: {src.message}</div>}
      {live.state === 'error' && <div className="panel-notice">Live van variances: {live.message}</div>}
      {today.length === 0 ? (
        src.state === 'ready' && <div className="cold-ok"><span className="ok-icon" aria-hidden="true">✓</span>No van count differed from the book today</div>
      ) : (
        <ol className="van-list">
          {today.map((r) => (
            <li key={r.id} className="van-item" data-testid="van-reconciliation" data-reconciliation-id={r.id} data-van-id={r.vanId}>
              <div className="feed-row">
                <b className="van-name">{r.van}</b>
                <span className={`amount push ${valueTone(r.value)}`} data-testid="van-reconciliation-value">{valueText(r.value)}</span>
                <span className="muted small" title={new Date(r.at).toLocaleString()}>{ago(r.at, d.now)}</span>
              </div>
              <ul className="van-lines">
                {r.lines.slice(0, LINES_SHOWN).map((l) => (
                  <li key={l.sku} className="van-line" data-testid="van-variance-line" data-sku={l.sku} data-expected={l.expected} data-counted={l.counted}>
                    <span className="mono sku" title={l.name}>{l.sku}</span>
                    <span className="muted small">expected {integer(l.expected)} · counted {integer(l.counted)}</span>
                    <span className={`variance ${l.variance < 0 ? 'bad-text' : ''}`}>{signed(l.variance)}</span>
                    <span className={`push small ${valueTone(l.value)}`}>{valueText(l.value)}</span>
                  </li>
                ))}
                {r.lines.length > LINES_SHOWN && <li className="van-line muted small">+{r.lines.length - LINES_SHOWN} more SKUs</li>}
              </ul>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
