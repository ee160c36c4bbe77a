// Collections tiles (issue 16): open receivables by age and today's collections, from finance's collectionsAging
// and collectionsToday, refreshed every 30 s. Self-contained (its own queries) so the KPI tiles and the map stay
// untouched; a graph without the collections fields shows the tiles as unavailable.
import { useEffect, useState } from 'react';
import { request, type Session } from '../api.ts';
import { formatAmount, formatMinor, toMinor } from '../money.ts';
import { integer } from '../format.ts';

const QUERY = `query CollectionsTiles($c: CurrencyCode!) {
  collectionsAging(currencyCode: $c) { total { amount currencyCode } buckets { bucket amount { amount } }
    territories { territoryId customers total { amount } } customers { onHold } }
  collectionsToday(currencyCode: $c) { collected { amount currencyCode } payments byMethod { method amount { amount } payments } }
}`;

interface Aging {
  total: { amount: string; currencyCode: string };
  buckets: { bucket: string; amount: { amount: string } }[];
  territories: { territoryId: string | null; customers: number; total: { amount: string } }[];
  customers: { onHold: boolean }[];
}
interface Today { collected: { amount: string; currencyCode: string }; payments: number; byMethod: { method: string; amount: { amount: string }; payments: number }[] }

const LABELS: Record<string, string> = { CURRENT: 'Current', DAYS_1_30: '1–30', DAYS_31_60: '31–60', DAYS_61_90: '61–90', DAYS_OVER_90: '90+' };
const TONES: Record<string, string> = { CURRENT: '#16a34a', DAYS_1_30: '#65a30d', DAYS_31_60: '#d97706', DAYS_61_90: '#ea580c', DAYS_OVER_90: '#dc2626' };

/** Each bucket's share of the total, exact in minor units (no floats until the percentage). */
export function agingShares(a: Aging): { bucket: string; amount: string; share: number }[] {
  const c = a.total.currencyCode;
  const total = toMinor(a.total.amount, c);
  return a.buckets.map((b) => ({ bucket: b.bucket, amount: b.amount.amount, share: total > 0n ? Number((toMinor(b.amount.amount, c) * 10_000n) / total) / 10_000 : 0 }));
}

export function CollectionsTiles({ session, currency }: { session: Session; currency: string | null }) {
  const [data, setData] = useState<{ aging: Aging; today: Today } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!currency) return;
    let stopped = false;
    const load = () =>
      request<{ collectionsAging: Aging; collectionsToday: Today }>(QUERY, { c: currency }, session.token)
        .then((r) => !stopped && r.data && (setData({ aging: r.data.collectionsAging, today: r.data.collectionsToday }), setError(null)))
        .catch((e: Error) => !stopped && setError(e.message));
    void load();
    const t = setInterval(load, 30_000);
    return () => {
      stopped = true;
      clearInterval(t);
    };
  }, [session.token, currency]);

  const state = error ? 'error' : data ? 'ready' : 'loading';
  const cur = data?.aging.total.currencyCode ?? currency ?? 'USD';
  const fmt = (amount: string) => formatAmount(amount, cur, { compact: toMinor(amount, cur) >= 10n ** 10n });
  const overdue = data ? data.aging.buckets.filter((b) => b.bucket !== 'CURRENT').reduce((s, b) => s + toMinor(b.amount.amount, cur), 0n) : 0n;
  return (
    <div className="tiles collections-tiles" data-testid="collections-tiles">
      <section className="tile" data-testid="collections-aging" data-state={state}>
        <div className="tile-head">Receivables by age</div>
        <div className="tile-value">{data ? fmt(data.aging.total.amount) : error ? '—' : <span className="skeleton" />}</div>
        {data && (
          <>
            <div className="aging-bar" role="img" aria-label="open receivables by age">
              {agingShares(data.aging).map((s) => (
                <div key={s.bucket} title={`${LABELS[s.bucket]}: ${formatAmount(s.amount, cur)}`} style={{ width: `${(s.share * 100).toFixed(2)}%`, background: TONES[s.bucket], height: 8, display: 'inline-block' }} />
              ))}
            </div>
            <div className="tile-sub" data-testid="collections-aging-buckets">
              {agingShares(data.aging).map((s) => <span key={s.bucket} style={{ marginRight: 8 }}><b style={{ color: TONES[s.bucket] }}>{LABELS[s.bucket]}</b> {fmt(s.amount)}</span>)}
            </div>
            <div className="tile-sub">
              overdue {formatMinor(overdue, cur, { compact: overdue >= 10n ** 10n })} · {integer(data.aging.customers.filter((c) => c.onHold).length)} on credit hold
              {data.aging.territories[0] && <> · most owed: territory {data.aging.territories[0].territoryId ?? 'unassigned'} ({fmt(data.aging.territories[0].total.amount)})</>}
            </div>
          </>
        )}
        {error && <div className="tile-sub"><span className="unavailable">{error}</span></div>}
      </section>
      <section className="tile" data-testid="collections-today" data-state={state}>
        <div className="tile-head">Collected today</div>
        <div className="tile-value" data-testid="collections-today-value">{data ? fmt(data.today.collected.amount) : error ? '—' : <span className="skeleton" />}</div>
        {data && (
          <div className="tile-sub">
            {integer(data.today.payments)} payments{data.today.byMethod.length ? ' · ' : ''}
            {data.today.byMethod.map((m) => `${m.method.replace('_', ' ').toLowerCase()} ${fmt(m.amount.amount)}`).join(' · ')}
          </div>
        )}
      </section>
    </div>
  );
}
