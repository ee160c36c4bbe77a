// Talking to the gateway: GraphQL over HTTP for queries and mutations, graphql-ws for subscriptions.
// Same origin by default (the gateway serves this page at /dashboard/); `?gateway=http://host:4000` overrides.
import { createClient, type Client } from 'graphql-ws';

export interface GraphQLErrorShape { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }

export class GraphQLRequestError extends Error {
  constructor(message: string, readonly errors: GraphQLErrorShape[] = [], readonly status?: number) {
    super(message);
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code as string | undefined;
  }
}

export function endpoints(): { http: string; ws: string } {
  const override = new URLSearchParams(location.search).get('gateway');
  const base = new URL(override ?? location.origin);
  const http = new URL('/graphql', base).toString();
  const ws = http.replace(/^http/, 'ws');
  return { http, ws };
}

export interface Result<T> { data: T | null; errors: GraphQLErrorShape[] }

/** POSTs an operation; throws on transport errors and when there is no data at all. */
export async function request<T = any>(query: string, variables: Record<string, unknown> = {}, token?: string | null): Promise<Result<T>> {
  let res: Response;
  try {
    res = await fetch(endpoints().http, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
  } catch (e) {
    throw new GraphQLRequestError(`The gateway cannot be reached (${(e as Error).message}).`);
  }
  let body: { data?: T | null; errors?: GraphQLErrorShape[] };
  try {
    body = await res.json();
  } catch {
    throw new GraphQLRequestError(`The gateway answered ${res.status} ${res.statusText}.`, [], res.status);
  }
  const errors = body.errors ?? [];
  if (!body.data) throw new GraphQLRequestError(errors.map((e) => e.message).join('; ') || `HTTP ${res.status}`, errors, res.status);
  return { data: body.data, errors };
}

export interface Session { token: string; email: string; name?: string | null; tenant?: string | null }

const SESSION_KEY = 'omniroute.dashboard.session';
export const savedSession = (): Session | null => {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
  } catch {
    return null;
  }
};
export const saveSession = (s: Session | null) => (s ? sessionStorage.setItem(SESSION_KEY, JSON.stringify(s)) : sessionStorage.removeItem(SESSION_KEY));

export async function login(email: string, password: string): Promise<Session> {
  const r = await request<{ login: { accessToken: string | null; user: { name: string | null } | null; userErrors: { message: string; code: string }[] } }>(
    `mutation DashboardLogin($input: LoginInput!) { login(input: $input) { accessToken user { name } userErrors { message code } } }`,
    { input: { email, password } },
  );
  const payload = r.data?.login;
  if (!payload?.accessToken) {
    const err = payload?.userErrors?.[0];
    throw new GraphQLRequestError(err?.code === 'INVALID_CREDENTIALS' ? 'Wrong email or password.' : err?.message ?? 'Sign-in failed.');
  }
  return { token: payload.accessToken, email, name: payload.user?.name ?? null };
}

export type LinkStatus = 'connecting' | 'live' | 'reconnecting' | 'unauthorized';

/** A graphql-ws client authenticated with the session token in connection_init. */
export function liveClient(token: string, onStatus: (s: LinkStatus) => void): Client {
  let everConnected = false;
  let unauthorized = false;
  const client = createClient({
    url: endpoints().ws,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    keepAlive: 15_000,
    retryAttempts: Infinity,
    shouldRetry: () => !unauthorized,
    retryWait: async (retries) => new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** retries) + Math.random() * 300)),
    on: {
      connecting: () => onStatus(everConnected ? 'reconnecting' : 'connecting'),
      connected: () => {
        everConnected = true;
        onStatus('live');
      },
      closed: (e) => {
        const code = (e as CloseEvent | undefined)?.code;
        if (code === 4401 || code === 4403) {
          unauthorized = true;
          onStatus('unauthorized');
        } else onStatus('reconnecting');
      },
    },
  });
  return client;
}

/** Subscribes; `onData` per event, `onError` with a readable message. Returns the unsubscribe function. */
export function subscribe<T = any>(client: Client, query: string, onData: (data: T) => void, onError: (message: string) => void): () => void {
  return client.subscribe<T>({ query }, {
    next: (r) => {
      if (r.data) onData(r.data as T);
      else if (r.errors?.length) onError(r.errors.map((e) => e.message).join('; '));
    },
    error: (e) => {
      if (Array.isArray(e)) onError(e.map((x: { message: string }) => x.message).join('; '));
      else if (e instanceof Error) onError(e.message);
      else if (e && typeof e === 'object' && 'code' in e) onError(`connection closed (${(e as CloseEvent).code} ${(e as CloseEvent).reason})`);
      else onError(String(e));
    },
    complete: () => undefined,
  });
}
