// GraphiQL for the OmniRoute gateway: sign in with a demo login (or paste a token / API key), the acceptance
// operations as ready tabs, queries and mutations over HTTP, subscriptions over graphql-ws on the same URL.
import 'graphiql/setup-workers/vite';
import 'graphiql/style.css';
import { StrictMode, useMemo, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { GraphiQL } from 'graphiql';
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { runnable } from './operation-name.ts';
import orderDetail from '../../schema/operations/OrderDetail.graphql?raw';
import liveFleet from '../../schema/operations/LiveFleet.graphql?raw';
import orderFeed from '../../schema/operations/OrderFeed.graphql?raw';
import './omniroute.css';

const TOKEN_KEY = 'omniroute-token';
const ENDPOINT = '/graphql';
const WS_URL = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${ENDPOINT}`;
const LOGIN = 'mutation Login($input: LoginInput!) { login(input: $input) { accessToken user { name roles } userErrors { message } } }';

const TABS = [
  { query: orderDetail, variables: JSON.stringify({ id: 'ord_LAGOS000240' }, null, 2) },
  { query: liveFleet, variables: JSON.stringify({ territoryId: null }, null, 2) },
  { query: orderFeed },
  { query: '# Partner API keys go in the token field above too (omr_…), or as a header:\n# { "x-api-key": "omr_…" }\nquery Me {\n  me { name email roles tenant { name } }\n}\n' },
];

/** GraphiQL's fetcher, run on the document and operation of the text sent (see `runnable`). */
const withOperationName = (fetcher: Fetcher): Fetcher => (params, opts) => {
  const { operationName, documentAST } = runnable(params.query, params.operationName);
  return fetcher({ ...params, operationName }, documentAST ? { ...opts, documentAST } : opts);
};

/** An access token or API key as the gateway expects it: `Bearer <token>` for both. */
const bearer = (token: string) => (token ? { authorization: `Bearer ${token}` } : undefined);

function SignIn(props: { token: string; who: string; onToken(token: string, who: string): void }) {
  const [email, setEmail] = useState('ops@lagos.demo');
  const [password, setPassword] = useState('omniroute-demo');
  const [paste, setPaste] = useState('');
  const [error, setError] = useState('');

  async function signIn(e: FormEvent) {
    e.preventDefault();
    setError('');
    try {
      const r = await fetch(ENDPOINT, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: LOGIN, variables: { input: { email, password } } }),
      });
      const body = await r.json();
      const login = body.data?.login;
      if (login?.accessToken) props.onToken(login.accessToken, `${login.user.name} (${login.user.roles.join(', ')})`);
      else setError(login?.userErrors?.[0]?.message ?? body.errors?.[0]?.message ?? `HTTP ${r.status}`);
    } catch (err) {
      setError(String(err));
    }
  }

  return (
    <header className="omr-bar">
      <b>OmniRoute GraphQL</b>
      {props.token ? (
        <>
          <span className="omr-who">signed in{props.who ? ` as ${props.who}` : ' with a token'}</span>
          <button type="button" onClick={() => props.onToken('', '')}>Sign out</button>
        </>
      ) : (
        <>
          <form onSubmit={signIn}>
            <input aria-label="email" value={email} onChange={(e) => setEmail(e.target.value)} size={18} />
            <input aria-label="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} size={14} />
            <button type="submit">Sign in</button>
          </form>
          <form onSubmit={(e) => { e.preventDefault(); if (paste.trim()) props.onToken(paste.trim(), ''); }}>
            <input aria-label="token" placeholder="or paste an access token / API key" value={paste} onChange={(e) => setPaste(e.target.value)} size={34} />
            <button type="submit">Use token</button>
          </form>
          {error && <span className="omr-error">{error}</span>}
        </>
      )}
    </header>
  );
}

function App() {
  const [token, setToken] = useState(() => sessionStorage.getItem(TOKEN_KEY) ?? '');
  const [who, setWho] = useState(() => sessionStorage.getItem(`${TOKEN_KEY}-who`) ?? '');
  // A new fetcher per token: HTTP requests carry it as a header, graphql-ws sends it in connection_init (headers
  // typed into GraphiQL's header editor are sent too and win).
  const fetcher = useMemo(
    () => withOperationName(createGraphiQLFetcher({ url: ENDPOINT, subscriptionUrl: WS_URL, headers: bearer(token), wsConnectionParams: bearer(token), enableIncrementalDelivery: false })),
    [token],
  );
  const onToken = (t: string, w: string) => {
    sessionStorage.setItem(TOKEN_KEY, t);
    sessionStorage.setItem(`${TOKEN_KEY}-who`, w);
    setToken(t);
    setWho(w);
  };
  return (
    <div className="omr">
      <SignIn token={token} who={who} onToken={onToken} />
      <GraphiQL fetcher={fetcher} defaultTabs={TABS} defaultEditorToolsVisibility="variables" />
    </div>
  );
}

createRoot(document.getElementById('graphiql')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
