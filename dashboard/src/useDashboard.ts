// Wires the model to the gateway through a LiveFeed for as long as the session's token lasts.
import { useEffect, useRef, useState } from 'react';
import type { LinkStatus, Session } from './api.ts';
import type { Capabilities } from './schema.ts';
import { DashboardModel } from './model.ts';
import { LiveFeed, type DashboardUser, type Source, type SourceName } from './live-feed.ts';

export { KPI_POLL_MS, PLAN_POLL_MS, VAN_POLL_MS, type Source, type SourceName } from './live-feed.ts';

export interface Dashboard {
  model: DashboardModel;
  caps: Capabilities | null;
  link: LinkStatus;
  sources: Record<SourceName, Source>;
  now: number;
  events: number;
  user: DashboardUser;
}

const initialSources = (): Record<SourceName, Source> => ({
  viewer: { state: 'loading' }, territories: { state: 'loading' }, locations: { state: 'loading' }, customers: { state: 'loading' }, routePlans: { state: 'loading' }, vanReconciliations: { state: 'loading' },
  vehicles: { state: 'loading' }, orders: { state: 'loading' },
  kpis: { state: 'loading' }, liveFleet: { state: 'loading' }, orderFeed: { state: 'loading' }, coldChain: { state: 'loading' }, vanVariances: { state: 'loading' },
});

export function useDashboard(session: Session, onUnauthorized: () => void): Dashboard {
  const modelRef = useRef<DashboardModel>(null);
  if (!modelRef.current) modelRef.current = new DashboardModel();
  const model = modelRef.current;
  const [caps, setCaps] = useState<Capabilities | null>(null);
  const [link, setLink] = useState<LinkStatus>('connecting');
  const [sources, setSources] = useState(initialSources);
  const [user, setUser] = useState<DashboardUser>(null);
  const [now, setNow] = useState(() => Date.now());
  const [, setVersion] = useState(0);
  const events = useRef(0);

  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);

  useEffect(() => {
    const feed = new LiveFeed(model, session.token, {
      setCaps, setLink, setUser, onUnauthorized,
      setSource: (name, s) => setSources((prev) => ({ ...prev, [name]: s })),
      rerender: () => setVersion((v) => v + 1),
      countEvent: () => { events.current++; },
    });
    void feed.start();
    return () => feed.close();
  }, [session.token]);

  return { model, caps, link, sources, now, events: events.current, user };
}
