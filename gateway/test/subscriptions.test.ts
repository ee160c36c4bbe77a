// Federated subscriptions through the real gateway over graphql-ws and SSE, against two real subgraphs:
// `fleet` owns the Subscription field, `catalog` resolves the entity fields of each event.
import { EventEmitter } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { composeServices } from '@apollo/composition';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createSubgraph, issueAccessToken, pushIterator, type InternalContext, type RunningSubgraph } from '@omniroute/core';
import { eventually } from '@omniroute/testkit';
import { createGateway } from '../src/server.ts';

const SECRET = 'sub-test-secret';
const JWT = 'sub-test-jwt';
const source = new EventEmitter();
source.setMaxListeners(0);
let entityFetches = 0;

const fleetSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { ping: String }
  type Subscription { ticks(channel: ID): Tick }
  type Tick { n: Int! channel: ID! item: Item blob: String! }
  type Item @key(fields: "id", resolvable: false) { id: ID! }`;
const catalogSdl = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
  type Query { item(id: ID!): Item }
  type Item @key(fields: "id") { id: ID! name: String! }`;

type Ctx = { viewer: InternalContext['viewer'] };
const fleet = createSubgraph<Ctx>({
  name: 'fleet', secret: SECRET, typeDefs: parse(fleetSdl), createContext: (i) => ({ viewer: i.viewer }),
  // a transport fixture: authorization is the gateway's and the real subgraphs' concern here
  policies: { 'Query.ping': { access: 'anyone' }, 'Subscription.ticks': { access: 'anyone' } },
  resolvers: {
    Query: { ping: () => 'pong' },
    Subscription: {
      ticks: {
        // filter by tenant and arguments at the source, before fan-out
        subscribe: (_: unknown, args: { channel?: string }, ctx: Ctx) =>
          pushIterator<{ ticks: unknown }>((push) => {
            const on = (e: { tenantId: string; channel: string; n: number; itemId: string }) => {
              if (e.tenantId === ctx.viewer?.tenantId && (!args.channel || args.channel === e.channel)) push({ ticks: { n: e.n, channel: e.channel, item: { id: e.itemId }, blob: 'x'.repeat(20_000) } });
            };
            source.on('tick', on);
            return () => source.off('tick', on);
          }),
      },
    },
  },
});
const catalog = createSubgraph<Ctx>({
  name: 'catalog', secret: SECRET, typeDefs: parse(catalogSdl), createContext: (i) => ({ viewer: i.viewer }),
  policies: { 'Query.item': { access: 'anyone' } },
  resolvers: {
    Query: { item: (_: unknown, { id }: { id: string }) => ({ id }) },
    Item: {
      __resolveReference: (ref: { id: string }, ctx: Ctx) => {
        entityFetches++;
        if (ref.id === 'boom') throw new Error('catalog exploded');
        return { id: ref.id, name: `${ref.id}@${ctx.viewer?.tenantId}` };
      },
    },
  },
});

let running: RunningSubgraph[] = [];
let gw: ReturnType<typeof createGateway>;
let wsUrl: string;
let httpUrl: string;
const tokens: Record<string, string> = {};
const emit = (tenantId: string, n: number, itemId = `it${n}`, channel = 'c1') => source.emit('tick', { tenantId, channel, n, itemId });

beforeAll(async () => {
  running = [await fleet.listen(0), await catalog.listen(0)];
  const composed = composeServices([
    { name: 'fleet', url: running[0]!.url, typeDefs: parse(fleetSdl) },
    { name: 'catalog', url: running[1]!.url, typeDefs: parse(catalogSdl) },
  ]);
  if (composed.errors) throw new Error(composed.errors.map((e) => e.message).join('\n'));
  gw = createGateway({ supergraphSdl: composed.supergraphSdl, secret: SECRET, auth: { secret: JWT }, maxSubscriberBufferBytes: 256 * 1024 });
  const port = await gw.listen(0, '127.0.0.1');
  httpUrl = `http://127.0.0.1:${port}/graphql`;
  wsUrl = `ws://127.0.0.1:${port}/graphql`;
  for (const t of ['tA', 'tB']) tokens[t] = (await issueAccessToken({ userId: `u-${t}`, tenantId: t, roles: ['OPERATIONS'] }, JWT)).token;
});
afterAll(async () => {
  await gw?.close();
  for (const r of running) await r.stop();
});

function client(token?: string) {
  let closeCode: number | undefined;
  const c = createClient({
    url: wsUrl, webSocketImpl: WebSocket, retryAttempts: 0, lazy: false,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    on: { closed: (e) => (closeCode = (e as { code: number }).code) },
  });
  return { c, closeCode: () => closeCode };
}

function collect(c: ReturnType<typeof createClient>, query: string, variables: Record<string, unknown> = {}) {
  const got: any[] = [];
  let error: unknown;
  const un = c.subscribe({ query, variables }, { next: (v) => void got.push(v), error: (e) => (error = e), complete: () => undefined });
  return { got, un, error: () => error };
}

const TICKS = 'subscription($ch: ID) { ticks(channel: $ch) { n item { id name } } }';

describe('federated subscriptions (graphql-ws)', () => {
  it('delivers each event with the other subgraph’s fields, for the subscriber’s tenant only, filtered by arguments', async () => {
    const a = client(tokens.tA);
    const b = client(tokens.tB);
    const sa = collect(a.c, TICKS, { ch: 'c1' });
    const sb = collect(b.c, TICKS);
    await eventually(async () => source.listenerCount('tick') === 2);
    emit('tA', 1);
    emit('tA', 2, 'it2', 'other-channel');
    emit('tA', 3);
    await eventually(async () => sa.got.length >= 2);
    expect(sa.got.map((g) => g.data.ticks)).toEqual([
      { n: 1, item: { id: 'it1', name: 'it1@tA' } },
      { n: 3, item: { id: 'it3', name: 'it3@tA' } },
    ]);
    expect(sb.got).toEqual([]);
    emit('tB', 4);
    await eventually(async () => sb.got.length === 1);
    expect(sb.got[0].data.ticks.item.name).toBe('it4@tB');
    sa.un();
    sb.un();
    await a.c.dispose();
    await b.c.dispose();
  });

  it('shares one upstream stream and one entity fetch per event among subscribers with the same operation', async () => {
    const clients = Array.from({ length: 3 }, () => client(tokens.tA));
    const subs = clients.flatMap(({ c }) => Array.from({ length: 10 }, () => collect(c, TICKS, { ch: 'c1' })));
    await eventually(async () => gw.subscriptions.stats().groups === 1 && source.listenerCount('tick') === 1);
    const before = entityFetches;
    emit('tA', 10);
    await eventually(async () => subs.every((s) => s.got.length === 1));
    expect(entityFetches - before).toBe(1);
    for (const s of subs) s.un();
    await Promise.all(clients.map(({ c }) => c.dispose()));
    await eventually(async () => gw.subscriptions.stats().upstreams === 0);
  });

  it('keeps the subscription alive when an entity fetch fails for one event', async () => {
    const { c } = client(tokens.tA);
    const s = collect(c, TICKS);
    await eventually(async () => source.listenerCount('tick') === 1);
    emit('tA', 20, 'boom');
    emit('tA', 21);
    await eventually(async () => s.got.length === 2);
    expect(s.got[0].errors?.[0]?.extensions?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(JSON.stringify(s.got[0])).not.toMatch(/exploded|at .*\.ts/);
    expect(s.got[1].data.ticks.item.name).toBe('it21@tA');
    s.un();
    await c.dispose();
  });

  it('refuses sockets without credentials (4401) and with bad ones (4403)', async () => {
    const none = client();
    const s1 = collect(none.c, TICKS);
    await eventually(async () => none.closeCode() !== undefined || s1.error());
    expect(none.closeCode()).toBe(4401);
    const bad = client('not.a.token');
    const s2 = collect(bad.c, TICKS);
    await eventually(async () => bad.closeCode() !== undefined || s2.error());
    expect(bad.closeCode()).toBe(4403);
    await none.c.dispose();
    await bad.c.dispose();
  });

  it('answers an invalid subscription with an error message and keeps the socket open', async () => {
    const { c } = client(tokens.tA);
    const s = collect(c, 'subscription { nope }');
    await eventually(async () => s.error());
    expect((s.error() as any[])[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const ok = collect(c, TICKS);
    await eventually(async () => source.listenerCount('tick') === 1);
    emit('tA', 30);
    await eventually(async () => ok.got.length === 1);
    ok.un();
    await c.dispose();
  });

  it('releases every upstream resource after 1,000 subscribe/unsubscribe cycles', async () => {
    const { c } = client(tokens.tA);
    const warm = collect(c, TICKS);
    await eventually(async () => source.listenerCount('tick') === 1);
    warm.un();
    await eventually(async () => source.listenerCount('tick') === 0);
    global.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < 1000; i++) {
      const s = collect(c, TICKS, { ch: `c${i % 7}` });
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 20));
      s.un();
    }
    await eventually(async () => {
      const st = gw.subscriptions.stats();
      return st.upstreams === 0 && st.groups === 0 && source.listenerCount('tick') === 0;
    });
    await c.dispose();
    await eventually(async () => gw.sockets() === 0 && gw.subscriptions.stats().connections === 0);
    global.gc?.();
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(30 * 1024 * 1024);
  });
});

describe('slow consumers', () => {
  it('get a bounded send buffer and are then disconnected; other subscribers keep receiving', async () => {
    // a raw client that stops reading after the handshake
    const slow = new WebSocket(wsUrl, 'graphql-transport-ws');
    await new Promise((r) => slow.once('open', r));
    slow.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tokens.tA}` } }));
    await new Promise((r) => slow.once('message', r));
    slow.send(JSON.stringify({ id: 's', type: 'subscribe', payload: { query: 'subscription { ticks { n blob } }' } }));
    const fast = client(tokens.tA);
    const f = collect(fast.c, 'subscription { ticks { n } }');
    await eventually(async () => source.listenerCount('tick') === 2);
    (slow as unknown as { _socket: { pause(): void } })._socket.pause();
    const socketsBefore = gw.sockets();
    for (let i = 0; i < 600; i++) {
      emit('tA', 1000 + i, 'x');
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
    }
    await eventually(async () => gw.sockets() === socketsBefore - 1, { timeoutMs: 15_000 });
    await eventually(async () => f.got.length === 600, { timeoutMs: 15_000 });
    f.un();
    await fast.c.dispose();
    slow.terminate();
    await eventually(async () => source.listenerCount('tick') === 0);
  });
});

describe('federated subscriptions (SSE, graphql-sse distinct connections)', () => {
  it('streams next events over text/event-stream', async () => {
    const ac = new AbortController();
    const res = await fetch(httpUrl, {
      method: 'POST', signal: ac.signal,
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${tokens.tA}` },
      body: JSON.stringify({ query: TICKS, variables: { ch: 'c1' } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    await eventually(async () => source.listenerCount('tick') === 1);
    emit('tA', 40);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('event: next')) text += new TextDecoder().decode((await reader.read()).value);
    while (!text.split('event: next')[1]!.includes('\n\n')) text += new TextDecoder().decode((await reader.read()).value);
    const data = JSON.parse(text.split('event: next\ndata: ')[1]!.split('\n')[0]!);
    expect(data.data.ticks).toEqual({ n: 40, item: { id: 'it40', name: 'it40@tA' } });
    ac.abort();
    await eventually(async () => gw.subscriptions.stats().upstreams === 0);
  });

  it('refuses anonymous SSE subscriptions', async () => {
    const res = await fetch(httpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query: TICKS }) });
    expect(res.status).toBe(401);
    expect((await res.json()).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });
});
