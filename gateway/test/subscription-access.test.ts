// Issue 12 "Subscriptions get the HTTP pipeline", through the real gateway over graphql-ws and SSE: the identity
// subgraph (API keys, partner apps, safelists, revocations) plus two subgraphs of our own — `fleet` owns the
// Subscription fields and answers per viewer (a rider sees only their own vehicle), `crew` resolves riders per viewer
// (phone only for the rider themself, earnings behind finance:read) — composed and served by platform, with
// Redis for rate limits, caps and APQ.
import { randomUUID } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import WebSocket from 'ws';
import { createSubgraph, issueAccessToken, jwtSecret, pushIterator, signingSecret, type InternalContext, type RunningSubgraph, type Role } from '@omniroute/core';
import { eventually, TEST_REDIS_URL } from '@omniroute/testkit';
import { createGateway } from '../src/server.ts';
import { adminApi, manifestOf, sha256, startPartnerStack, type PartnerStack } from './plugins/fixtures/partner-stack.ts';

const SHARED_SDL = readFileSync(createRequire(import.meta.url).resolve('@omniroute/core/shared.graphql'), 'utf8');
const FLEET_SDL = SHARED_SDL + `
type Query {
  vehicles: [Vehicle!]!
  "The vehicles after a pause: an operation that stays in flight (caps per partner app)."
  slowVehicles(ms: Int!): [Vehicle!]!
}
type Subscription {
  "Positions of the vehicles the viewer follows: a rider their own, anyone else the tenant's."
  vehiclePositionUpdated(vehicleId: ID): VehiclePositionEvent!
  "Audit feed, for holders of logistics:write only."
  fleetAudit: String! @requiresScopes(scopes: [["logistics:write"]])
}
type VehiclePositionEvent { vehicle: Vehicle! lat: Float! lng: Float! rider: Worker seenBy: String! }
type Vehicle @key(fields: "id") { id: ID! plate: String! }
type Worker @key(fields: "id", resolvable: false) { id: ID! }
`;
const CREW_SDL = SHARED_SDL + `
type Query { worker(id: ID!): Worker }
type Worker @key(fields: "id") {
  id: ID!
  name: String!
  "Only the rider themself sees it."
  phone: String
  earnings: Money @requiresScopes(scopes: [["finance:read"]])
  "Who the crew subgraph answered for."
  viewedBy: String!
}
`;

const TENANT = 'tnt_LAGOS';
const REDIS_URL = TEST_REDIS_URL;
const RIDERS = [
  { workerId: 'w1', userId: 'usr_rider_1', name: 'Ada', phone: '+234 800 0001', vehicleId: 'v1', plate: 'LAG-001' },
  { workerId: 'w2', userId: 'usr_rider_2', name: 'Bayo', phone: '+234 800 0002', vehicleId: 'v2', plate: 'LAG-002' },
];
const source = new EventEmitter();
source.setMaxListeners(0);
let crewFetches = 0;
let slowInFlight = 0;
type Ctx = { viewer: InternalContext['viewer'] };
const who = (ctx: Ctx) => ctx.viewer?.userId ?? `partner:${ctx.viewer?.partnerId}`;

const fleet = createSubgraph<Ctx>({
  name: 'fleet', secret: signingSecret(), typeDefs: parse(FLEET_SDL), createContext: (i) => ({ viewer: i.viewer }),
  // like a real subgraph, the fixture checks its own policies (packages/core policy.ts); the gateway is the first line
  policies: {
    'Query.vehicles': { access: 'signedIn' },
    'Query.slowVehicles': { access: 'signedIn' },
    'Subscription.vehiclePositionUpdated': { access: 'signedIn' },
    'Subscription.fleetAudit': { roles: ['OPERATIONS', 'PARTNER'], scopes: ['logistics:write'] },
  },
  resolvers: {
    Query: {
      vehicles: () => RIDERS.map((r) => ({ id: r.vehicleId, plate: r.plate })),
      slowVehicles: async (_: unknown, args: { ms: number }) => {
        slowInFlight++;
        await new Promise((r) => setTimeout(r, args.ms));
        slowInFlight--;
        return RIDERS.map((r) => ({ id: r.vehicleId, plate: r.plate }));
      },
    },
    Subscription: {
      vehiclePositionUpdated: {
        subscribe: (_: unknown, args: { vehicleId?: string }, ctx: Ctx) =>
          pushIterator<{ vehiclePositionUpdated: unknown }>((push) => {
            const rider = ctx.viewer?.roles.includes('RIDER') ? ctx.viewer.userId : null;
            const on = (e: { tenantId: string; vehicleId: string; lat: number }) => {
              const r = RIDERS.find((x) => x.vehicleId === e.vehicleId)!;
              if (e.tenantId !== ctx.viewer?.tenantId || (args.vehicleId && args.vehicleId !== e.vehicleId) || (rider && rider !== r.userId)) return;
              push({ vehiclePositionUpdated: { vehicle: { id: r.vehicleId, plate: r.plate }, lat: e.lat, lng: 3.4, rider: { id: r.workerId }, seenBy: who(ctx) } });
            };
            source.on('position', on);
            return () => source.off('position', on);
          }),
      },
      fleetAudit: { subscribe: () => pushIterator<{ fleetAudit: string }>(() => () => undefined) },
    },
  },
});
const crew = createSubgraph<Ctx>({
  name: 'crew', secret: signingSecret(), typeDefs: parse(CREW_SDL), createContext: (i) => ({ viewer: i.viewer }),
  policies: {
    'Query.worker': { access: 'signedIn' },
    'Worker.earnings': { roles: ['OPERATIONS', 'SALES_REP', 'FINANCE', 'PARTNER'], scopes: ['finance:read'] },
  },
  resolvers: {
    Query: { worker: () => null },
    Worker: {
      __resolveReference: (ref: { id: string }, ctx: Ctx) => {
        crewFetches++;
        const r = RIDERS.find((x) => x.workerId === ref.id)!;
        return { id: r.workerId, name: r.name, phone: ctx.viewer?.userId === r.userId ? r.phone : null, earnings: { amount: '125000.00', currencyCode: 'NGN' }, viewedBy: who(ctx) };
      },
    },
  },
});

let ps: PartnerStack;
let api: ReturnType<typeof adminApi>;
let running: RunningSubgraph[] = [];
let wsUrl: string;
const apps: Record<string, { id: string }> = {};
const LIVE_FLEET = 'subscription LiveFleet { vehiclePositionUpdated { vehicle { plate } lat } }';
const AD_HOC = 'subscription { vehiclePositionUpdated { vehicle { plate } lat rider { name } } }';

const emit = (vehicleId: string, lat: number) => source.emit('position', { tenantId: TENANT, vehicleId, lat });
const token = async (userId: string, roles: Role[], ttlSeconds?: number) => (await issueAccessToken({ userId, tenantId: TENANT, roles }, jwtSecret(), ttlSeconds)).token;
const key = (name: string, appId: string, scopes: string[] = [], extra: Record<string, unknown> = {}) => api.createKey({ name, partnerAppId: appId, roles: ['OPERATIONS'], scopes, ...extra });

beforeAll(async () => {
  running = [await fleet.listen(0), await crew.listen(0)];
  ps = await startPartnerStack({
    subgraphs: [
      { name: 'fleet', url: running[0]!.url, typeDefs: parse(FLEET_SDL) },
      { name: 'crew', url: running[1]!.url, typeDefs: parse(CREW_SDL) },
    ],
    redisUrl: REDIS_URL,
    partners: {
      redisUrl: REDIS_URL,
      trustProxy: true,
      rateLimits: { apiKey: 10_000, user: 10_000, ip: 10_000, subscriptionsPerKey: 3, subscriptionsPerUser: 3, socketsPerIp: 4 },
    },
  });
  wsUrl = ps.url.replace(/^http/, 'ws');
  api = adminApi(ps.url, ps.admin);
  for (const [name, input] of Object.entries({
    allow: { persistedQueryMode: 'ALLOW_ALL' },
    enforce: { persistedQueryMode: 'ENFORCE' },
    requireId: { persistedQueryMode: 'REQUIRE_ID' },
    tight: { limits: { maxDepth: 3, maxAliases: 0, maxCost: 2 } },
    slow: { limits: { requestsPerMinute: 3 } },
    switching: { persistedQueryMode: 'ALLOW_ALL' },
    disabling: {},
    remote: { persistedQueryMode: 'ALLOW_ALL' },
    oneSub: { limits: { maxSubscriptions: 1 } },
    oneOp: { limits: { maxConcurrentOperations: 1 } },
    other: {},
  })) apps[name] = await api.createApp({ name: `Subs ${name}`, ...input });
  for (const name of ['enforce', 'requireId', 'switching', 'remote']) await api.register(apps[name]!.id, manifestOf({ LiveFleet: LIVE_FLEET }));
});
afterAll(async () => {
  await ps?.close();
  for (const r of running) await r.stop();
});

const opened: { close(): void }[] = [];
afterEach(async () => {
  for (const o of opened.splice(0)) o.close();
  await eventually(async () => source.listenerCount('position') === 0);
});

/** A graphql-ws connection driven message by message, so payloads, refusals and close codes show as they are. */
async function socket(credential: string | null, headers: Record<string, string> = {}) {
  const ws = new WebSocket(wsUrl, 'graphql-transport-ws', { headers });
  const msgs: any[] = [];
  let closed: { code: number; reason: string; at: number } | undefined;
  ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
  ws.on('close', (code, reason) => (closed = { code, reason: reason.toString(), at: Date.now() }));
  opened.push({ close: () => ws.terminate() });
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'connection_init', payload: credential ? { authorization: `Bearer ${credential}` } : {} }));
  await eventually(async () => msgs.some((m) => m.type === 'connection_ack') || closed);
  const of = (id: string) => msgs.filter((m) => m.id === id);
  return {
    ws,
    closed: () => closed,
    subscribe: (id: string, payload: Record<string, unknown>) => ws.send(JSON.stringify({ id, type: 'subscribe', payload })),
    complete: (id: string) => ws.send(JSON.stringify({ id, type: 'complete' })),
    next: (id: string) => of(id).filter((m) => m.type === 'next').map((m) => m.payload),
    error: (id: string) => of(id).find((m) => m.type === 'error')?.payload as any[] | undefined,
  };
}

/** A graphql-sse request: the refusal as JSON, or the stream's events as they come. */
async function sse(credential: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const ac = new AbortController();
  const res = await fetch(ps.url, {
    method: 'POST', signal: ac.signal,
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${credential}`, ...headers },
    body: JSON.stringify(body),
  });
  const events: { event: string; data: any }[] = [];
  let ended = false;
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    return { status: res.status, headers: res.headers, json: (await res.json()) as any, events, ended: () => true };
  }
  opened.push({ close: () => ac.abort() });
  void (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
        for (let i = text.indexOf('\n\n'); i >= 0; i = text.indexOf('\n\n')) {
          const chunk = text.slice(0, i);
          text = text.slice(i + 2);
          const event = /^event: (.*)$/m.exec(chunk)?.[1];
          const data = /^data: (.*)$/m.exec(chunk)?.[1];
          if (event) events.push({ event, data: data ? JSON.parse(data) : undefined });
        }
      }
    } catch {
      /* aborted */
    }
    ended = true;
  })();
  return { status: res.status, headers: res.headers, json: undefined as any, events, ended: () => ended };
}

const codesOf = (errors: any[] | undefined) => (errors ?? []).map((e) => e.extensions?.code);
const listening = (n: number) => eventually(async () => source.listenerCount('position') === n);

describe('issue 12 row 5: safelists (persisted-query modes) on subscriptions', () => {
  it('refuses an ad-hoc subscription of an ENFORCE app over graphql-ws and SSE; runs its safelisted one by documentId and by APQ hash', async () => {
    const k = await key('enforce subs', apps.enforce!.id);
    const s = await socket(k.secret);
    s.subscribe('adhoc', { query: AD_HOC });
    await eventually(async () => s.error('adhoc'));
    expect(codesOf(s.error('adhoc'))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    const refused = await sse(k.secret, { query: AD_HOC });
    expect(refused.status).toBe(400);
    expect(codesOf(refused.json.errors)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);

    s.subscribe('byId', { documentId: `sha256:${sha256(LIVE_FLEET)}` });
    s.subscribe('byApq', { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(LIVE_FLEET) } } });
    const stream = await sse(k.secret, { documentId: sha256(LIVE_FLEET) });
    expect(stream.status).toBe(200);
    await listening(1); // one upstream stream: the three subscribers are the same key with the same document
    emit('v1', 6.5);
    await eventually(async () => s.next('byId').length === 1 && s.next('byApq').length === 1 && stream.events.length === 1);
    for (const got of [s.next('byId')[0], s.next('byApq')[0], stream.events[0]!.data]) {
      expect(got).toEqual({ data: { vehiclePositionUpdated: { vehicle: { plate: 'LAG-001' }, lat: 6.5 } } });
    }
    expect(s.error('byId')).toBeUndefined();
  });

  it('refuses a query body of a REQUIRE_ID app (PERSISTED_QUERY_ID_REQUIRED) and unknown ids (PERSISTED_QUERY_NOT_IN_LIST)', async () => {
    const k = await key('require-id subs', apps.requireId!.id);
    const s = await socket(k.secret);
    s.subscribe('body', { query: LIVE_FLEET });
    s.subscribe('unknown', { documentId: sha256('subscription Other { vehiclePositionUpdated { lat } }') });
    await eventually(async () => s.error('body') && s.error('unknown'));
    expect(codesOf(s.error('body'))).toEqual(['PERSISTED_QUERY_ID_REQUIRED']);
    expect(codesOf(s.error('unknown'))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    const r = await sse(k.secret, { query: LIVE_FLEET });
    expect([r.status, codesOf(r.json.errors)]).toEqual([400, ['PERSISTED_QUERY_ID_REQUIRED']]);
    expect(s.closed()).toBeUndefined(); // refusals are error messages; the socket stays
  });

  it('accepts automatic persisted queries on subscribe: a miss, then query + hash, then the hash alone', async () => {
    const k = await key('apq subs', apps.allow!.id);
    const q = `subscription Apq { vehiclePositionUpdated { lat } } # ${randomUUID()}`;
    const ext = { persistedQuery: { version: 1, sha256Hash: sha256(q) } };
    const s = await socket(k.secret);
    s.subscribe('miss', { extensions: ext });
    await eventually(async () => s.error('miss'));
    expect(codesOf(s.error('miss'))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    s.subscribe('register', { query: q, extensions: ext });
    await listening(1);
    s.subscribe('hit', { extensions: ext });
    await eventually(async () => {
      emit('v2', 7.1);
      return s.next('hit').length > 0;
    });
    expect(s.next('hit')[0]).toEqual({ data: { vehiclePositionUpdated: { lat: 7.1 } } });
    expect(s.error('register')).toBeUndefined();
  });
});

describe('issue 12: operation limits on subscribe', () => {
  it('refuses subscriptions over the app limits with the HTTP codes, over graphql-ws and SSE', async () => {
    const k = await key('tight subs', apps.tight!.id);
    const s = await socket(k.secret);
    const cases = {
      deep: ['subscription { vehiclePositionUpdated { rider { earnings { amount } } } }', 'QUERY_TOO_DEEP'],
      aliased: ['subscription { p: vehiclePositionUpdated { lat } }', 'TOO_MANY_ALIASES'],
      costly: ['subscription { vehiclePositionUpdated { vehicle { plate } rider { id } } }', 'QUERY_TOO_COMPLEX'],
    } as const;
    for (const [id, [query]] of Object.entries(cases)) s.subscribe(id, { query });
    s.subscribe('fits', { query: 'subscription { vehiclePositionUpdated { vehicle { plate } } }' });
    await eventually(async () => Object.keys(cases).every((id) => s.error(id)));
    for (const [id, [, code]] of Object.entries(cases)) expect(codesOf(s.error(id))).toEqual([code]);
    for (const [query, code] of Object.values(cases)) {
      const r = await sse(k.secret, { query });
      expect([r.status, codesOf(r.json.errors)]).toEqual([400, [code]]);
    }
    await listening(1);
    emit('v1', 1);
    await eventually(async () => s.next('fits').length === 1);
    expect(s.error('fits')).toBeUndefined();
  });
});

describe('issue 12: rate limits and caps on subscribe', () => {
  it('counts each subscribe against the per-minute budget of the key (graphql-ws error, SSE 429 + Retry-After)', async () => {
    const k = await key('slow subs', apps.slow!.id);
    const s = await socket(k.secret);
    for (const id of ['a', 'b', 'c']) s.subscribe(id, { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(1);
    s.subscribe('d', { query: 'subscription { vehiclePositionUpdated { lng } }' });
    await eventually(async () => s.error('d'));
    expect(s.error('d')![0].extensions).toMatchObject({ code: 'RATE_LIMITED', retryAfter: expect.any(Number) });
    expect(['a', 'b', 'c'].map((id) => s.error(id))).toEqual([undefined, undefined, undefined]);
    const r = await sse(k.secret, { query: 'subscription { vehiclePositionUpdated { lat } }' });
    expect(r.status).toBe(429);
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(codesOf(r.json.errors)).toEqual(['RATE_LIMITED']);
  });

  it('caps the subscriptions a key and a user hold open at once, across sockets and SSE; closing one frees a slot', async () => {
    const k = await key('capped subs', apps.allow!.id);
    const [a, b] = [await socket(k.secret), await socket(k.secret)];
    a.subscribe('1', { query: 'subscription { vehiclePositionUpdated(vehicleId: "v1") { lat } }' });
    a.subscribe('2', { query: 'subscription { vehiclePositionUpdated(vehicleId: "v2") { lat } }' });
    const third = await sse(k.secret, { query: 'subscription { vehiclePositionUpdated { lat } }' });
    expect(third.status).toBe(200);
    await listening(3);
    b.subscribe('4', { query: 'subscription { vehiclePositionUpdated { lng } }' });
    await eventually(async () => b.error('4'));
    expect(codesOf(b.error('4'))).toEqual(['RATE_LIMITED']);
    const overSse = await sse(k.secret, { query: 'subscription { vehiclePositionUpdated { lng } }' });
    expect([overSse.status, codesOf(overSse.json.errors)]).toEqual([429, ['RATE_LIMITED']]);
    a.complete('1');
    await listening(2);
    b.subscribe('5', { query: 'subscription { vehiclePositionUpdated { lng } }' });
    await listening(3);
    expect(b.error('5')).toBeUndefined();

    const user = await token(`usr_capped_${randomUUID()}`, ['OPERATIONS']);
    const u = await socket(user);
    for (const id of ['1', '2', '3', '4']) u.subscribe(id, { query: `subscription { vehiclePositionUpdated { lat } } # ${id}` });
    // sent at once, they are checked concurrently: which one of the four is refused is not fixed
    await eventually(async () => ['1', '2', '3', '4'].some((id) => u.error(id)));
    await new Promise((r) => setTimeout(r, 200));
    expect(['1', '2', '3', '4'].flatMap((id) => codesOf(u.error(id)))).toEqual(['RATE_LIMITED']);
  });

  it('caps WebSockets and SSE streams per client IP: the upgrade and the stream are answered 429', async () => {
    const ip = `203.0.113.${Math.floor(Math.random() * 200) + 1}`;
    const user = await token('usr_sockets', ['OPERATIONS']);
    const held = [];
    for (let i = 0; i < 4; i++) held.push(await socket(user, { 'x-forwarded-for': ip }));
    const refused = new WebSocket(wsUrl, 'graphql-transport-ws', { headers: { 'x-forwarded-for': ip } });
    const status = await new Promise<number>((resolve) => {
      refused.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      refused.on('open', () => resolve(101));
    });
    expect(status).toBe(429);
    const stream = await sse(user, { query: 'subscription { vehiclePositionUpdated { lat } }' }, { 'x-forwarded-for': ip });
    expect([stream.status, codesOf(stream.json.errors)]).toEqual([429, ['RATE_LIMITED']]);
    const elsewhere = await socket(user, { 'x-forwarded-for': '198.51.100.1' });
    expect(elsewhere.closed()).toBeUndefined();
    held[0]!.ws.close();
    await eventually(async () => {
      const again = await socket(user, { 'x-forwarded-for': ip });
      return !again.closed();
    });
  });
});

describe('issue 12: field authorization on a subscription selection', () => {
  const RIDER_EARNINGS = 'subscription { vehiclePositionUpdated(vehicleId: "v1") { vehicle { plate } rider { name earnings { amount } } } }';

  it('nulls a field the key may not see in every event, with FORBIDDEN at its path, as over HTTP; a key with the scope sees it', async () => {
    const [without, withScope] = [await key('no finance', apps.allow!.id), await key('finance', apps.allow!.id, ['finance:read'])];
    const s = await socket(without.secret);
    const f = await socket(withScope.secret);
    s.subscribe('e', { query: RIDER_EARNINGS });
    f.subscribe('e', { query: RIDER_EARNINGS });
    const stream = await sse(without.secret, { query: RIDER_EARNINGS });
    await listening(2);
    emit('v1', 2.5);
    await eventually(async () => s.next('e').length === 1 && f.next('e').length === 1 && stream.events.length === 1);
    for (const got of [s.next('e')[0], stream.events[0]!.data]) {
      expect(got.data).toEqual({ vehiclePositionUpdated: { vehicle: { plate: 'LAG-001' }, rider: { name: 'Ada', earnings: null } } });
      expect(got.errors).toEqual([expect.objectContaining({ path: ['vehiclePositionUpdated', 'rider', 'earnings'], extensions: { code: 'FORBIDDEN' } })]);
      expect(JSON.stringify(got)).not.toContain('125000');
    }
    expect(f.next('e')[0]).toEqual({ data: { vehiclePositionUpdated: { vehicle: { plate: 'LAG-001' }, rider: { name: 'Ada', earnings: { amount: '125000.00' } } } } });
  });

  it('refuses a subscription whose root field the caller may not see (FORBIDDEN), over graphql-ws and SSE', async () => {
    const k = await key('no audit', apps.allow!.id);
    const s = await socket(k.secret);
    s.subscribe('audit', { query: 'subscription { fleetAudit }' });
    await eventually(async () => s.error('audit'));
    expect(codesOf(s.error('audit'))).toEqual(['FORBIDDEN']);
    const r = await sse(k.secret, { query: 'subscription { fleetAudit }' });
    expect([r.status, codesOf(r.json.errors)]).toEqual([403, ['FORBIDDEN']]);
  });
});

describe('issue 12: a revoked key or an expired token ends its connections', () => {
  it('closes the sockets of a revoked key with 4403 and ends its SSE streams within 5 s', async () => {
    const k = await key('to revoke', apps.allow!.id);
    const s = await socket(k.secret);
    s.subscribe('p', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    const stream = await sse(k.secret, { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(1);
    await api.revokeKey(k.id);
    const revokedAt = Date.now();
    await eventually(async () => s.closed() && stream.ended(), { timeoutMs: 5_000, intervalMs: 20 });
    expect(s.closed()!.code).toBe(4403);
    expect(s.closed()!.at - revokedAt).toBeLessThan(5_000);
    expect(stream.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(codesOf(stream.events[0]!.data.errors)).toEqual(['UNAUTHENTICATED']);
    await listening(0);
  });

  it('closes them on a replica that missed the revocation message, once it re-checks the key', async () => {
    // a second gateway over the same subgraphs that hears nothing from identity: no Redis, no in-process feed
    const replica = createGateway({
      supergraphSdl: ps.supergraphSdl, secret: ps.stack.secret, auth: { secret: jwtSecret() },
      subgraphUrl: (name, url) => ps.stack.subgraphs[name]?.running.url ?? url,
      partners: { apiKeyCacheTtlMs: 1_000 },
    });
    const replicaUrl = `ws://127.0.0.1:${await replica.listen(0, '127.0.0.1')}/graphql`;
    try {
      const k = await key('revoked elsewhere', apps.allow!.id);
      const ws = new WebSocket(replicaUrl, 'graphql-transport-ws');
      let closed: { code: number; at: number } | undefined;
      ws.on('close', (code) => (closed = { code, at: Date.now() }));
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${k.secret}` } }));
      await once(ws, 'message');
      ws.send(JSON.stringify({ id: 'p', type: 'subscribe', payload: { query: 'subscription { vehiclePositionUpdated { lat } }' } }));
      await listening(1);
      await api.revokeKey(k.id);
      const revokedAt = Date.now();
      await eventually(async () => closed, { timeoutMs: 5_000, intervalMs: 20 });
      expect(closed!.code).toBe(4403);
      expect(closed!.at - revokedAt).toBeLessThan(5_000);
    } finally {
      await replica.close();
    }
  });

  it('closes the socket of an expired token with 4401 and ends its SSE stream within 5 s of `exp`', async () => {
    const short = await token('usr_short', ['OPERATIONS'], 3);
    const exp = JSON.parse(Buffer.from(short.split('.')[1]!, 'base64url').toString()).exp * 1000;
    const s = await socket(short);
    s.subscribe('p', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    const stream = await sse(short, { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(1);
    emit('v1', 3);
    await eventually(async () => s.next('p').length === 1);
    await eventually(async () => s.closed() && stream.ended(), { timeoutMs: exp - Date.now() + 5_000, intervalMs: 20 });
    expect(s.closed()!.code).toBe(4401);
    expect(s.closed()!.at - exp).toBeLessThan(5_000);
    expect(stream.events.map((e) => e.event)).toEqual(['next', 'next', 'complete']);
    expect(codesOf(stream.events[1]!.data.errors)).toEqual(['UNAUTHENTICATED']);
  });
});

describe('issue 12 row 8: results that depend on the viewer are never shared across users', () => {
  const DOC = 'subscription { vehiclePositionUpdated { vehicle { plate } seenBy rider { name phone viewedBy } } }';

  it('gives two riders of one tenant with the same roles their own stream and their own entity fields', async () => {
    const [r1, r2] = await Promise.all(RIDERS.map((r) => token(r.userId, ['RIDER'])));
    const a = await socket(r1!);
    const b = await socket(r2!);
    a.subscribe('s', { query: DOC });
    b.subscribe('s', { query: DOC });
    // both riders' vehicles move until each rider has heard something
    await eventually(async () => {
      emit('v1', 1);
      emit('v2', 2);
      return a.next('s').length > 0 && b.next('s').length > 0;
    }, { intervalMs: 200 });
    const own = (r: (typeof RIDERS)[number]) => ({ data: { vehiclePositionUpdated: { vehicle: { plate: r.plate }, seenBy: r.userId, rider: { name: r.name, phone: r.phone, viewedBy: r.userId } } } });
    expect(new Set(a.next('s').map((e) => JSON.stringify(e)))).toEqual(new Set([JSON.stringify(own(RIDERS[0]!))]));
    expect(new Set(b.next('s').map((e) => JSON.stringify(e)))).toEqual(new Set([JSON.stringify(own(RIDERS[1]!))]));
    expect(source.listenerCount('position')).toBe(2); // a stream each
  });

  it('computes each event once per user (and per API key), and still once for all subscribers of one user', async () => {
    const [d1, d2] = await Promise.all(['usr_dispatch_1', 'usr_dispatch_2'].map((u) => token(u, ['OPERATIONS'])));
    const [k1, k2] = [await key('twin 1', apps.allow!.id), await key('twin 2', apps.allow!.id)];
    const subs = [await socket(d1!), await socket(d1!), await socket(d2!), await socket(k1.secret), await socket(k2.secret)];
    for (const s of subs) s.subscribe('s', { query: DOC });
    await listening(4); // one upstream per caller: two users and two keys
    const before = crewFetches;
    emit('v2', 9);
    await eventually(async () => subs.every((s) => s.next('s').length === 1));
    expect(crewFetches - before).toBe(4);
    const seen = subs.map((s) => s.next('s')[0].data.vehiclePositionUpdated);
    expect(seen.map((v) => [v.seenBy, v.rider.viewedBy])).toEqual([
      ['usr_dispatch_1', 'usr_dispatch_1'], ['usr_dispatch_1', 'usr_dispatch_1'], ['usr_dispatch_2', 'usr_dispatch_2'],
      [expect.stringMatching(/^partner:/), expect.stringMatching(/^partner:/)], [expect.stringMatching(/^partner:/), expect.stringMatching(/^partner:/)],
    ]);
    expect(seen.every((v) => v.rider.phone === null)).toBe(true);
  });
});

describe('issue 12: a partner app change re-checks the open subscriptions of its keys', () => {
  const ENDED_WITHIN_MS = 5_000;

  it('ends the ad-hoc subscriptions of an app switched to ENFORCE (graphql-ws error, SSE last event), keeps the safelisted one', async () => {
    const k = await key('switching', apps.switching!.id);
    const s = await socket(k.secret);
    s.subscribe('adhoc', { query: AD_HOC });
    s.subscribe('listed', { query: LIVE_FLEET });
    const stream = await sse(k.secret, { query: 'subscription { vehiclePositionUpdated { lng } }' });
    await listening(3); // three documents, three upstream streams
    await api.setMode(apps.switching!.id, 'ENFORCE');
    const changedAt = Date.now();
    await eventually(async () => s.error('adhoc') && stream.ended(), { timeoutMs: ENDED_WITHIN_MS, intervalMs: 20 });
    expect(Date.now() - changedAt).toBeLessThan(ENDED_WITHIN_MS);
    expect(codesOf(s.error('adhoc'))).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    expect(stream.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(codesOf(stream.events[0]!.data.errors)).toEqual(['PERSISTED_QUERY_NOT_IN_LIST']);
    await listening(1);
    // the safelisted subscription streams on, on the same socket
    emit('v1', 4.5);
    await eventually(async () => s.next('listed').length === 1);
    expect(s.next('listed')[0]).toEqual({ data: { vehiclePositionUpdated: { vehicle: { plate: 'LAG-001' }, lat: 4.5 } } });
    expect(s.error('listed')).toBeUndefined();
    expect(s.closed()).toBeUndefined();
    expect(s.next('adhoc')).toEqual([]);
  });

  it('closes the sockets (4403) and ends the SSE streams of a disabled app; its key is refused until the app is enabled again', async () => {
    const k = await key('disabling', apps.disabling!.id);
    const s = await socket(k.secret);
    s.subscribe('p', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    const stream = await sse(k.secret, { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(1);
    expect(await api.setDisabled(apps.disabling!.id, true)).toBe(true);
    const disabledAt = Date.now();
    await eventually(async () => s.closed() && stream.ended(), { timeoutMs: ENDED_WITHIN_MS, intervalMs: 20 });
    expect(s.closed()!.code).toBe(4403);
    expect(s.closed()!.at - disabledAt).toBeLessThan(ENDED_WITHIN_MS);
    expect(stream.events.map((e) => e.event)).toEqual(['next', 'complete']);
    expect(codesOf(stream.events[0]!.data.errors)).toEqual(['UNAUTHENTICATED']);
    await listening(0);
    const refused = await fetch(ps.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${k.secret}` }, body: '{"query":"{ vehicles { plate } }"}' });
    expect(refused.status).toBe(401);
    const again = await socket(k.secret);
    expect(again.closed()?.code).toBe(4403);
    expect(await api.setDisabled(apps.disabling!.id, false)).toBe(false);
    const back = await socket(k.secret);
    back.subscribe('p', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(1);
    expect(back.closed()).toBeUndefined();
  });

  it('ends them on another gateway replica too, told over Redis (its own re-check is a minute away)', async () => {
    const replica = createGateway({
      supergraphSdl: ps.supergraphSdl, secret: ps.stack.secret, auth: { secret: jwtSecret() },
      subgraphUrl: (name, url) => ps.stack.subgraphs[name]?.running.url ?? url,
      partners: { redisUrl: REDIS_URL, keyPrefix: `${ps.prefix}:replica:`, changesChannel: `${ps.prefix}:identity:changes`, apiKeyCacheTtlMs: 60_000 },
    });
    const replicaUrl = `ws://127.0.0.1:${await replica.listen(0, '127.0.0.1')}/graphql`;
    try {
      const k = await key('remote', apps.remote!.id);
      const ws = new WebSocket(replicaUrl, 'graphql-transport-ws');
      const msgs: any[] = [];
      ws.on('message', (d) => msgs.push(JSON.parse(d.toString())));
      await once(ws, 'open');
      ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${k.secret}` } }));
      await eventually(async () => msgs.some((m) => m.type === 'connection_ack'));
      ws.send(JSON.stringify({ id: 'adhoc', type: 'subscribe', payload: { query: AD_HOC } }));
      ws.send(JSON.stringify({ id: 'listed', type: 'subscribe', payload: { query: LIVE_FLEET } }));
      await listening(2);
      await api.setMode(apps.remote!.id, 'REQUIRE_ID');
      const changedAt = Date.now();
      await eventually(async () => msgs.some((m) => m.id === 'adhoc' && m.type === 'error') && msgs.some((m) => m.id === 'listed' && m.type === 'error'),
        { timeoutMs: ENDED_WITHIN_MS, intervalMs: 20 });
      expect(Date.now() - changedAt).toBeLessThan(ENDED_WITHIN_MS);
      // REQUIRE_ID: a query body is refused even when it is in the safelist
      const refusals = Object.fromEntries(msgs.filter((m) => m.type === 'error').map((m) => [m.id, codesOf(m.payload)]));
      expect(refusals).toEqual({ adhoc: ['PERSISTED_QUERY_ID_REQUIRED'], listed: ['PERSISTED_QUERY_ID_REQUIRED'] });
      await listening(0);
      ws.terminate();
    } finally {
      await replica.close();
    }
  });
});

describe('issue 12: rate limits and caps per partner app', () => {
  const post = (secret: string, query: string) =>
    fetch(ps.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` }, body: JSON.stringify({ query }) })
      .then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  it('caps the subscriptions an app holds open over all its keys (its maxSubscriptions); another app is not limited', async () => {
    const [a1, a2, b] = [await key('one sub 1', apps.oneSub!.id), await key('one sub 2', apps.oneSub!.id), await key('other app', apps.other!.id)];
    const s1 = await socket(a1.secret);
    s1.subscribe('first', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(1);
    const s2 = await socket(a2.secret);
    s2.subscribe('second', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await eventually(async () => s2.error('second'));
    expect(s2.error('second')![0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', limit: 1 } });
    const overSse = await sse(a2.secret, { query: 'subscription { vehiclePositionUpdated { lat } }' });
    expect([overSse.status, codesOf(overSse.json.errors)]).toEqual([429, ['RATE_LIMITED']]);
    // app B's key: its own app's budget
    const sb = await socket(b.secret);
    sb.subscribe('b', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(2);
    expect(sb.error('b')).toBeUndefined();
    // closing A's subscription frees A's slot
    s1.complete('first');
    await listening(1);
    s2.subscribe('third', { query: 'subscription { vehiclePositionUpdated { lat } }' });
    await listening(2);
    expect(s2.error('third')).toBeUndefined();
  });

  it('caps the HTTP operations an app has in flight (its maxConcurrentOperations) across keys; another app is not limited', async () => {
    const [a1, a2, b] = [await key('one op 1', apps.oneOp!.id), await key('one op 2', apps.oneOp!.id), await key('other app ops', apps.other!.id)];
    const slow = '{ slowVehicles(ms: 1500) { plate } }';
    const first = post(a1.secret, slow);
    await eventually(async () => slowInFlight === 1); // the first is in flight (it sleeps 1.5 s at the subgraph)
    const [second, other] = await Promise.all([post(a2.secret, slow), post(b.secret, slow)]);
    expect(second.status).toBe(429);
    expect(second.body.errors[0].extensions).toMatchObject({ code: 'RATE_LIMITED', limit: 1 });
    expect(other.status).toBe(200);
    expect(other.body.data.slowVehicles).toHaveLength(2);
    expect((await first).body.data.slowVehicles).toHaveLength(2);
    // the slot is free again once the first answered
    expect((await post(a2.secret, '{ vehicles { plate } }')).status).toBe(200);
  });

  it('rate-limits an app at its own requestsPerMinute over HTTP; another app\'s key is not limited', async () => {
    const [a, b] = [await key('slow app http', apps.slow!.id), await key('other app rate', apps.other!.id)];
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await post(a.secret, '{ vehicles { plate } }')).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    for (let i = 0; i < 4; i++) expect((await post(b.secret, '{ vehicles { plate } }')).status).toBe(200);
  });
});
