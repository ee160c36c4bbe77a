import { useState, type FormEvent } from 'react';
import { login, type Session } from '../api.ts';
import { Logo } from './Logo.tsx';

const DEMO = { email: 'ops@lagos.demo', password: 'omniroute-demo' };

export function Login({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await login(email.trim(), password));
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  };

  return (
    <div className="login-page">
      <div className="login-art" aria-hidden="true">
        <svg viewBox="0 0 400 400" preserveAspectRatio="xMidYMid slice">
          <defs>
            <radialGradient id="lg" cx="30%" cy="30%" r="80%">
              <stop offset="0" stopColor="#14b8a6" stopOpacity=".35" />
              <stop offset="1" stopColor="#0f172a" stopOpacity="0" />
            </radialGradient>
          </defs>
          <rect width="400" height="400" fill="url(#lg)" />
          {Array.from({ length: 9 }, (_, i) => (
            <path key={i} d={`M-20 ${60 + i * 38} C 120 ${20 + i * 40}, 260 ${120 + i * 30}, 420 ${50 + i * 41}`} stroke="#5eead4" strokeOpacity={0.08 + (i % 3) * 0.05} fill="none" strokeWidth="1.4" />
          ))}
          {[[80, 120], [190, 210], [300, 150], [330, 250], [120, 40]].map(([x, y], i) => (
            <g key={i}>
              <circle cx={x} cy={y} r="10" fill="#5eead4" opacity=".15" />
              <circle cx={x} cy={y} r="4" fill="#5eead4" />
            </g>
          ))}
        </svg>
        <div className="login-pitch">
          <h2>Every van, every order, as it happens.</h2>
          <p>Fleet positions, the order stream and the day's numbers for your distribution business, live from the OmniRoute graph.</p>
        </div>
      </div>
      <form className="login-card" onSubmit={submit} data-testid="login-form">
        <div className="brand"><Logo size={36} /><span>OmniRoute</span></div>
        <h1>Live operations</h1>
        <p className="muted">Sign in with your OmniRoute account.</p>
        {notice && <div className="banner warn">{notice}</div>}
        <label>
          Email
          <input data-testid="login-email" name="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} placeholder="you@company.com" />
        </label>
        <label>
          Password
          <input data-testid="login-password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && <div className="banner bad" role="alert" data-testid="login-error">{error}</div>}
        <button className="primary" type="submit" disabled={busy} data-testid="login-submit">{busy ? 'Signing in…' : 'Sign in'}</button>
        <button type="button" className="link" onClick={() => { setEmail(DEMO.email); setPassword(DEMO.password); }}>
          Use the demo account ({DEMO.email})
        </button>
      </form>
    </div>
  );
}
