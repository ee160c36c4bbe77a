import type { Dashboard } from '../useDashboard.ts';
import { titleCase } from '../format.ts';

const km = (n: number) => `${n.toLocaleString('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 1 })} km`;

/** The day's route plans drawn on the map (issue 15): trips, and the distance saved over one trip per order. */
export function PlanSummary({ dashboard: d, colors }: { dashboard: Dashboard; colors: string[] }) {
  const { plans, trips } = d.model.map;
  if (!plans.length) return null;
  return (
    <div className="plan-strip" data-testid="plan-summary">
      {plans.map((p) => (
        <div key={p.id} className="plan-item" data-testid="plan-item" data-plan-id={p.id} data-total-km={p.totalKm} data-baseline-km={p.baselineKm}>
          <b>{p.depot || 'Depot'}</b>
          <span className="muted">{titleCase(p.status)} · {p.trips} trip{p.trips === 1 ? '' : 's'}, {p.stops} drops{p.unassigned ? `, ${p.unassigned} left out` : ''}</span>
          <span>{km(p.totalKm)} <span className="muted">vs {km(p.baselineKm)} one by one</span></span>
          {p.savedKm > 0 && <span className="saved">−{km(p.savedKm)}</span>}
          <span className="trip-swatches" aria-hidden="true">
            {trips.filter((t) => t.planId === p.id).map((t) => <i key={t.key} style={{ background: colors[t.index % colors.length] }} title={t.plate} />)}
          </span>
        </div>
      ))}
    </div>
  );
}
