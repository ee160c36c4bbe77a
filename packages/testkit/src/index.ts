import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';
import { signInternalContext, type ProcessSecrets, type Viewer } from '@omniroute/core';
import { createEventBus, type EventBus } from '@omniroute/events';

export interface GqlResponse<T = any> {
  status: number;
  data?: T;
  errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[];
}

/** A port that was free a moment ago on 127.0.0.1 (for servers that must be told their port, e.g. a cluster). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** POSTs a GraphQL operation like a client does. */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, token?: string, headers: Record<string, string> = {}): Promise<GqlResponse<T>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  try {
    return { status: res.status, ...JSON.parse(text) };
  } catch {
    return { status: res.status, errors: [{ message: text }] };
  }
}

/**
 * Calls a subgraph directly, signed as the gateway would, for subgraph e2e tests. `subgraph` is the running
 * subgraph (or its URL and name): the signature is bound to that name. `caller: 'gateway'` for the gateway's own
 * internal fields (no viewer).
 */
export function callSubgraph<T = any>(subgraph: { url: string; name: string }, secret: string, viewer: Viewer | null, query: string, variables: Record<string, unknown> = {}, caller?: 'gateway') {
  return gql<T>(subgraph.url, query, variables, undefined, signInternalContext({ requestId: randomUUID(), viewer, ...(caller ? { caller } : {}) }, { secret, audience: subgraph.name }));
}

/** What startSeededSubgraph needs of a subgraph the kit created. */
interface SeedableSubgraph {
  seed(): Promise<unknown>;
  listen(port: number): Promise<{ url: string; stop(): Promise<void> }>;
  close(): Promise<void>;
}

/**
 * A subgraph's e2e boot: `create` (given the in-process event bus) seeded and listening on a free port, a client
 * signed like the gateway for any viewer, and `stop`, which ends the server, the database and the bus.
 */
export async function startSeededSubgraph<S extends SeedableSubgraph>(name: string, secret: string, create: (bus: EventBus) => Promise<S>) {
  const bus = createEventBus();
  const sg = await create(bus);
  await sg.seed();
  const running = await sg.listen(0);
  const call = (viewer: Viewer, query: string, variables: Record<string, unknown> = {}) => callSubgraph({ url: running.url, name }, secret, viewer, query, variables);
  const stop = async () => {
    await running.stop();
    await sg.close();
    await bus.close();
  };
  return { sg, bus, url: running.url, call, stop };
}

/** Fresh production-grade secrets (32 random bytes each) for stacks on Postgres and spawned processes. */
export function testSecrets(): ProcessSecrets {
  return { jwtSecret: randomBytes(32).toString('hex'), internalSecret: randomBytes(32).toString('hex') };
}

/** Signs in through the gateway and returns the access token. */
export async function login(gatewayUrl: string, email: string, password = 'omniroute-demo'): Promise<string> {
  const r = await gql(gatewayUrl, 'mutation($i: LoginInput!) { login(input: $i) { accessToken userErrors { code message } } }', { i: { email, password } });
  const token = r.data?.login?.accessToken;
  if (!token) throw new Error(`login ${email} failed: ${JSON.stringify(r)}`);
  return token;
}

export const nodes = <T>(conn: { edges: { node: T }[] } | null | undefined): T[] => (conn?.edges ?? []).map((e) => e.node);

/**
 * The test services, one name each (issue 19): `TEST_DATABASE_URL` is a Postgres server the suites make throw-away
 * databases on, `TEST_REDIS_URL` a Redis they use under unique key prefixes. Both default to the local servers.
 * Never DATABASE_URL / REDIS_URL: those configure the product, and a developer's shell may point them at real data.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** A throw-away Postgres database for one test run; `drop()` removes it. */
export async function createTestDatabase(prefix = 'omniroute_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Polls until `check` returns a truthy value or the timeout passes. */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, { timeoutMs = 10_000, intervalMs = 100 } = {}): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}
