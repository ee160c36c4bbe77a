// Operations endpoints of the gateway and the subgraphs: /ready (issue 12: a subgraph answering 401 is down),
// /metrics (Prometheus, token-protected; issue 12: "/metrics is public") and GraphiQL at GET /graphql (issue 18).
// Real subgraphs (createSubgraph, signed-context checked) behind a real gateway, in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createSubgraph, metricsAccessFromEnv, trackPool, type RunningSubgraph } from '@omniroute/core';
import { TEST_DATABASE_URL, TEST_REDIS_URL, callSubgraph, gql } from '@omniroute/testkit';
import { createGateway } from '../src/server.ts';

const SECRET = 'ops-test-secret-0123456789abcdef0123456789';
const SDL = {
  alpha: 'type Query { hello: String }',
  beta: 'type Query { world: String }',
};
const subgraph = (name: 'alpha' | 'beta', secret: string, metricsToken?: string) =>
  createSubgraph({
    // scraped values (the real subgraphs report their outbox this way); a failing one must not break /metrics
    gauges: [
      { name: 'things', help: 'Things waiting', read: async () => 7 },
      { name: 'broken', help: 'A reading that fails', read: async () => { throw new Error('database gone'); } },
    ],
    name,
    typeDefs: parse(SDL[name]),
    resolvers: { Query: name === 'alpha' ? { hello: () => 'hello' } : { world: () => 'world' } },
    createContext: (internal) => ({ requestId: internal.requestId }),
    secret,
    // an operations fixture: its fields are open (the real subgraphs' policies are tested in test/security)
    policies: name === 'alpha' ? { 'Query.hello': { access: 'anyone' } } : { 'Query.world': { access: 'anyone' } },
    metricsAccess: { token: metricsToken, production: false },
  }).listen(0);

let alpha: RunningSubgraph;
let beta: RunningSubgraph;
let betaOtherSecret: RunningSubgraph;
let supergraphSdl: string;
const gateways: ReturnType<typeof createGateway>[] = [];

async function gateway(urls: Record<string, string>, metricsAccess = { token: 'gw-token', production: false }) {
  const g = createGateway({ supergraphSdl, secret: SECRET, subgraphUrl: (name, url) => urls[name] ?? url, metricsAccess });
  gateways.push(g);
  return `http://127.0.0.1:${await g.listen(0, '127.0.0.1')}`;
}

beforeAll(async () => {
  [alpha, beta, betaOtherSecret] = await Promise.all([subgraph('alpha', SECRET, 'sg-token'), subgraph('beta', SECRET), subgraph('beta', 'a-different-secret-0123456789abcdef')]);
  const r = composeServices([
    { name: 'alpha', url: alpha.url, typeDefs: parse(SDL.alpha) },
    { name: 'beta', url: beta.url, typeDefs: parse(SDL.beta) },
  ]);
  if (r.errors) throw new Error(r.errors.map((e) => e.message).join('\n'));
  supergraphSdl = r.supergraphSdl;
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  for (const s of [alpha, beta, betaOtherSecret]) await s?.stop();
});

describe('/ready', () => {
  it('issue 12: a subgraph answering 401 (it does not accept the gateway signature) is down, and /ready names it', async () => {
    const base = await gateway({ alpha: alpha.url, beta: betaOtherSecret.url });
    const r = await fetch(`${base}/ready`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ status: 'unavailable', subgraphs: { alpha: 'up', beta: 'down' }, down: { beta: 'HTTP 401 UNAUTHENTICATED' } });
  });

  it('is ready when every subgraph accepts the gateway’s signed probe; an unreachable one is down', async () => {
    const ok = await fetch(`${await gateway({ alpha: alpha.url, beta: beta.url })}/ready`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ready', subgraphs: { alpha: 'up', beta: 'up' } });
    const gone = await fetch(`${await gateway({ alpha: alpha.url, beta: 'http://127.0.0.1:9/graphql' })}/ready`);
    expect(gone.status).toBe(503);
    expect((await gone.json()).down).toEqual({ beta: 'unreachable' });
  });
});

describe('/metrics', () => {
  it('issue 12: the gateway serves Prometheus text only to the bearer of METRICS_TOKEN', async () => {
    const base = await gateway({ alpha: alpha.url, beta: beta.url });
    expect((await gql(`${base}/graphql`, 'query Hello { hello }')).data).toEqual({ hello: 'hello' });
    expect((await gql(`${base}/graphql`, 'query Broken { nope }')).errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'gw-token' } })).status).toBe(401);
    expect((await fetch(`${base}/metrics`, { headers: { authorization: 'bearer gw-token' } })).status).toBe(200); // the scheme is case-insensitive
    const r = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer gw-token' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    const text = await r.text();
    expect(text).toContain('# TYPE omniroute_gateway_request_duration_seconds histogram');
    expect(text).toMatch(/omniroute_gateway_request_duration_seconds_count\{operation="Hello",kind="query",status="200"\} 1/);
    expect(text).toMatch(/omniroute_gateway_subgraph_fetch_duration_seconds_count\{subgraph="alpha",status="200"\} 1/);
    expect(text).toContain('omniroute_gateway_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1');
    expect(text).toContain('# TYPE omniroute_gateway_websockets gauge');
    expect(text).toContain('# TYPE process_cpu_user_seconds_total counter'); // default collectors
  });

  it('issue 18: consumer-group lag of the event bus (read from Redis) and the database pools of the process', async () => {
    const prefix = `ops-lag-${randomUUID()}`;
    const redis = new Redis(TEST_REDIS_URL);
    const pool = new pg.Pool({ connectionString: TEST_DATABASE_URL, max: 3 });
    const untrack = trackPool('ops-test', pool);
    try {
      // the bus's layout (packages/events/src/redis-bus.ts): three order events, group billing read one, acked none
      const key = `${prefix}:stream:orders`;
      await redis.sadd(`${prefix}:topics`, 'orders');
      for (let i = 0; i < 3; i++) await redis.xadd(key, '*', 'type', 'orders.placed', 'e', '{}');
      await redis.xgroup('CREATE', key, 'billing', '0');
      await redis.xgroup('CREATE', key, 'shipping', '$');
      await redis.xreadgroup('GROUP', 'billing', 'c1', 'COUNT', 1, 'STREAMS', key, '>');
      await pool.query('SELECT 1');
      const g = createGateway({ supergraphSdl, secret: SECRET, subgraphUrl: (name, url) => ({ alpha: alpha.url, beta: beta.url } as Record<string, string>)[name] ?? url, metricsAccess: { token: 'gw-token', production: false }, eventBus: { redisUrl: TEST_REDIS_URL, prefix } });
      gateways.push(g);
      const base = `http://127.0.0.1:${await g.listen(0, '127.0.0.1')}`;
      const text = await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer gw-token' } })).text();
      expect(text).toContain('omniroute_event_consumer_lag{group="billing",topic="orders"} 2');
      expect(text).toContain('omniroute_event_consumer_lag{group="shipping",topic="orders"} 0');
      expect(text).toContain('omniroute_event_consumer_pending{group="billing",topic="orders"} 1');
      expect(text).toContain('omniroute_db_pool_connections{pool="ops-test",state="total"} 1');
      expect(text).toContain('omniroute_db_pool_connections{pool="ops-test",state="idle"} 1');
      expect(text).toContain('omniroute_db_pool_connections{pool="ops-test",state="max"} 3');
    } finally {
      untrack();
      await pool.end();
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await redis.quit();
    }
  });

  it('issue 12: in production mode without a token the gateway refuses /metrics', async () => {
    expect(metricsAccessFromEnv({ DATABASE_URL: 'postgresql://db/x' })).toEqual({ token: undefined, production: true });
    expect(metricsAccessFromEnv({ NODE_ENV: 'production', METRICS_TOKEN: 't' })).toEqual({ token: 't', production: true });
    const base = await gateway({ alpha: alpha.url, beta: beta.url }, { token: undefined as never, production: true });
    const r = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer ' } });
    expect(r.status).toBe(403);
    expect(await r.text()).toContain('METRICS_TOKEN');
  });

  it('each subgraph serves its own /metrics without the signed context, behind its token', async () => {
    expect((await callSubgraph(alpha, SECRET, null, 'query Hi { hello }')).data).toEqual({ hello: 'hello' });
    const base = alpha.url.replace(/\/graphql$/, '');
    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const r = await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer sg-token' } });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain('# TYPE omniroute_subgraph_request_duration_seconds histogram');
    expect(text).toContain('omniroute_subgraph_request_duration_seconds_count{subgraph="alpha",operation="Hi",kind="query"} 1');
    expect(text).toContain('# TYPE process_resident_memory_bytes gauge');
    expect(text).toContain('omniroute_subgraph_things{subgraph="alpha"} 7');
    expect(text).not.toMatch(/omniroute_subgraph_broken\{/);
    // the unsigned GraphQL call is still refused, and counted by code
    expect((await gql(alpha.url, '{ hello }')).status).toBe(401);
    expect(await (await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer sg-token' } })).text()).toContain('omniroute_subgraph_errors_total{subgraph="alpha",code="UNAUTHENTICATED"}');
  });

  it('is open without a token outside production mode (the embedded `npm start`), whatever Authorization says', async () => {
    const r = await fetch(beta.url.replace(/\/graphql$/, '/metrics'), { headers: { authorization: 'Bearer ' } });
    expect(r.status).toBe(200);
    expect(await r.text()).toMatch(/^# (HELP|TYPE) /m);
  });
});

describe('GraphiQL', () => {
  it('issue 18: GET /graphql from a browser serves the bundled GraphiQL, its assets from this origin', async () => {
    const base = await gateway({ alpha: alpha.url, beta: beta.url });
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await page.text();
    expect(html.toLowerCase()).toContain('graphiql');
    const script = html.match(/<script type="module" crossorigin src="([^"]+)"/)?.[1];
    expect(script).toMatch(/^\/graphiql\/assets\/index-[\w-]+\.js$/);
    const js = await fetch(`${base}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toContain('immutable');
    expect(await js.text()).toContain('subscription LiveFleet'); // the acceptance operations are ready tabs
    expect((await fetch(`${base}/graphiql/assets/..%2F..%2F..%2Fpackage.json`)).status).toBe(404);
    expect((await fetch(`${base}/graphiql/index.html`)).status).toBe(404);
    // clients are unaffected: POST and GET with a query string are GraphQL
    expect((await gql(`${base}/graphql`, '{ hello }')).data).toEqual({ hello: 'hello' });
    expect(await (await fetch(`${base}/graphql?query=%7Bhello%7D`, { headers: { accept: 'application/json', 'apollo-require-preflight': '1' } })).json()).toEqual({ data: { hello: 'hello' } });
  });
});
