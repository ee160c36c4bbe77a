import type { Session } from '../api.ts';
import type { Dashboard } from '../useDashboard.ts';
import { integer } from '../format.ts';
import { Logo } from './Logo.tsx';

const LINK_LABEL = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', unauthorized: 'Signed out' } as const;

export function Header({ dashboard: d, session, onSignOut }: { dashboard: Dashboard; session: Session; onSignOut: () => void }) {
  const name = d.user?.name ?? session.name ?? session.email;
  const initials = (name ?? '?').split(/[\s@.]+/).filter(Boolean).slice(0, 2).map((s) => s[0]!.toUpperCase()).join('');
  return (
    <header className="header">
      <div className="brand"><Logo /><span>OmniRoute</span></div>
      <div className="header-title">
        <span className="tenant" data-testid="tenant-name">{d.model.tenantName ?? 'Live operations'}</span>
        {d.model.tenantName && <span className="muted">Live operations</span>}
      </div>
      <div className="header-right">
        <span className={`link-pill ${d.link}`} data-testid="link-status" data-state={d.link}>
          <span className="dot" />{LINK_LABEL[d.link]}
        </span>
        <span className="muted small" title="Subscription events received since sign-in">{integer(d.events)} events</span>
        <span className="user">
          <span className="avatar" aria-hidden="true">{initials}</span>
          <span className="user-name">{name}</span>
        </span>
        <button className="ghost" onClick={onSignOut} data-testid="sign-out">Sign out</button>
      </div>
    </header>
  );
}
