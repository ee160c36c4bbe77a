import { useCallback, useState } from 'react';
import { saveSession, savedSession, type Session } from './api.ts';
import { Login } from './components/Login.tsx';
import { Header } from './components/Header.tsx';
import { KpiTiles } from './components/KpiTiles.tsx';
import { FleetMap } from './components/FleetMap.tsx';
import { OrderFeed } from './components/OrderFeed.tsx';
import { ColdChainPanel, coldChainAvailable } from './components/ColdChainPanel.tsx';
import { CollectionsTiles } from './components/CollectionsTiles.tsx';
import { VanReconciliationPanel, vanReconciliationAvailable } from './components/VanReconciliationPanel.tsx';
import { useDashboard } from './useDashboard.ts';

export function App() {
  const [session, setSession] = useState<Session | null>(savedSession);
  const [notice, setNotice] = useState<string | null>(null);
  const signIn = (s: Session) => {
    saveSession(s);
    setNotice(null);
    setSession(s);
  };
  const signOut = useCallback((why?: string) => {
    saveSession(null);
    setSession(null);
    setNotice(why ?? null);
  }, []);
  if (!session) return <Login onSignedIn={signIn} notice={notice} />;
  return <Operations key={session.token} session={session} onSignOut={signOut} />;
}

function Operations({ session, onSignOut }: { session: Session; onSignOut: (why?: string) => void }) {
  const d = useDashboard(session, () => onSignOut('Your session has expired. Please sign in again.'));
  const showColdChain = coldChainAvailable(d);
  return (
    <div className="app">
      <Header dashboard={d} session={session} onSignOut={() => onSignOut()} />
      <main className="main">
        <KpiTiles dashboard={d} />
        <CollectionsTiles session={session} currency={d.model.currency} />
        <div className="workspace">
          <FleetMap dashboard={d} />
          <aside className="side">
            <OrderFeed dashboard={d} />
            {showColdChain && <ColdChainPanel dashboard={d} />}
            {vanReconciliationAvailable(d) && <VanReconciliationPanel dashboard={d} />}
          </aside>
        </div>
      </main>
    </div>
  );
}
