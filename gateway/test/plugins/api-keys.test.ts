// The API key plugin against a fake identity: signed internal lookups, caching, revocation (in-process and Redis
// pub/sub, also while a lookup is in flight), batched lastUsedAt, identity outages.
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyContext } from '@omniroute/core';
import { eventually, TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';
import { createApiKeyPlugin } from '../../src/plugins/api-keys.ts';

const SECRET = 'api-key-plugin-secret';
const KEY = 'omr_live_abcdefghijkl_' + 'A'.repeat(40);
const OTHER = 'omr_live_mnopqrstuvwx_' + 'B'.repeat(40);
const hash = (k: string) => createHash('sha256').update(k).digest('hex');

const keys = new Map<string, any>();
const calls: { query: string; variables: any; internal: unknown }[] = [];
let delayMs = 0;
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      let internal: unknown;
      try {
        internal = verifyContext({ get: (n) => req.headers[n] as string }, { secret: SECRET, audience: 'identity' }).caller;
      } catch {
        res.writeHead(401).end();
        return;
      }
      calls.push({ query: body.query, variables: body.variables, internal });
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      let data: any;
      if (body.query.includes('_gatewayApiKey')) data = { _gatewayApiKey: keys.get(body.variables.h) ?? null };
      else if (body.query.includes('_gatewayRecordApiKeyUse')) data = { _gatewayRecordApiKeyUse: true };
      else data = { _gatewayPersistedOperations: [] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const row = (id: string, extra: Record<string, unknown> = {}) => ({
  id, tenantId: 'tnt_LAGOS', roles: ['SALES_REP'], scopes: ['orders:read'], expiresAt: null,
  partnerApp: { id: 'papp_1', tenantId: 'tnt_LAGOS', slug: 'acme', persistedQueryMode: 'ENFORCE', limits: { maxDepth: 4, maxAliases: null, maxRootFields: null, maxCost: null, requestsPerMinute: 60 } },
  ...extra,
});
const lookups = () => calls.filter((c) => c.query.includes('_gatewayApiKey')).length;

describe('API key plugin', () => {
  it('resolves keys with a signed internal call, caches them and exposes the principal', async () => {
    keys.set(hash(KEY), row('key_1'));
    calls.length = 0;
    const p = createApiKeyPlugin({ identityUrl: () => url, secret: SECRET, flushIntervalMs: 60_000 });
    try {
      const v = await p.resolve(KEY);
      expect(v).toEqual({ tenantId: 'tnt_LAGOS', partnerId: 'papp_1', roles: ['PARTNER', 'SALES_REP'], scopes: ['orders:read'] });
      expect(calls[0]!.internal).toBe('gateway');
      expect(calls[0]!.variables).toEqual({ h: hash(KEY) }); // the key itself never leaves the gateway
      await Promise.all([p.resolve(KEY), p.resolve(KEY)]);
      expect(lookups()).toBe(1);
      expect(p.principalOf(v)).toMatchObject({ keyId: 'key_1', app: { slug: 'acme', persistedQueryMode: 'ENFORCE', limits: { requestsPerMinute: 60 } } });
      expect(p.principalOf({ ...v! })).toBeNull(); // only viewers this plugin made
      // not key-shaped: no lookup; unknown: remembered for a short while
      expect(await p.resolve('eyJhbGciOi')).toBeNull();
      expect(await p.resolve(OTHER)).toBeNull();
      expect(await p.resolve(OTHER)).toBeNull();
      expect(lookups()).toBe(2);
      // lastUsedAt in one batch
      await p.flush();
      const use = calls.filter((c) => c.query.includes('_gatewayRecordApiKeyUse'));
      expect(use).toHaveLength(1);
      expect(use[0]!.variables.i.ids).toEqual(['key_1']);
    } finally {
      await p.close();
    }
  });

  it('forgets a revoked key at once (in-process feed), even when the revocation lands during a lookup', async () => {
    keys.set(hash(KEY), row('key_2'));
    let feed: ((c: any) => void) | undefined;
    const p = createApiKeyPlugin({ identityUrl: () => url, secret: SECRET, subscribe: (l) => { feed = l; return () => { feed = undefined; }; } });
    try {
      expect(await p.resolve(KEY)).not.toBeNull();
      feed!({ kind: 'api-key-revoked', id: 'key_2' });
      keys.delete(hash(KEY));
      expect(await p.resolve(KEY)).toBeNull();
      // in flight: identity answers with the key, but the revocation arrived meanwhile
      keys.set(hash(OTHER), row('key_3'));
      delayMs = 150;
      const pending = p.resolve(OTHER);
      await new Promise((r) => setTimeout(r, 50));
      feed!({ kind: 'api-key-revoked', id: 'key_3' });
      expect(await pending).toBeNull();
    } finally {
      delayMs = 0;
      await p.close();
    }
    expect(feed).toBeUndefined();
  });

  it('hears revocations and app changes from identity over Redis pub/sub', async () => {
    const channel = `test:${randomUUID()}:identity:changes`;
    keys.set(hash(KEY), row('key_4'));
    const changed: string[] = [];
    const p = createApiKeyPlugin({ identityUrl: () => url, secret: SECRET, redisUrl: REDIS_URL, channel, onAppChanged: (id) => changed.push(id) });
    const pub = new Redis(REDIS_URL);
    try {
      expect(await p.resolve(KEY)).not.toBeNull();
      await eventually(async () => (await pub.pubsub('NUMSUB', channel))[1] === 1, { timeoutMs: 3000, intervalMs: 20 });
      keys.delete(hash(KEY));
      const t0 = Date.now();
      await pub.publish(channel, JSON.stringify({ kind: 'api-key-revoked', id: 'key_4', tenantId: 'tnt_LAGOS' }));
      await eventually(async () => (await p.resolve(KEY)) === null, { timeoutMs: 2000, intervalMs: 5 });
      expect(Date.now() - t0).toBeLessThan(1000);
      await pub.publish(channel, JSON.stringify({ kind: 'partner-app-changed', id: 'papp_1' }));
      await pub.publish(channel, 'not json');
      await eventually(async () => changed.includes('papp_1'), { timeoutMs: 2000, intervalMs: 5 });
    } finally {
      pub.disconnect();
      await p.close();
    }
  });

  it('honours key expiry inside the cache TTL', async () => {
    keys.set(hash(KEY), row('key_5', { expiresAt: new Date(Date.now() + 300).toISOString() }));
    const p = createApiKeyPlugin({ identityUrl: () => url, secret: SECRET, cacheTtlMs: 60_000 });
    try {
      expect(await p.resolve(KEY)).not.toBeNull();
      keys.delete(hash(KEY)); // identity stops returning it once expired
      await new Promise((r) => setTimeout(r, 350));
      expect(await p.resolve(KEY)).toBeNull();
    } finally {
      await p.close();
    }
  });

  it('reports identity outages as SUBGRAPH_UNAVAILABLE (503), not as a bad key', async () => {
    const p = createApiKeyPlugin({ identityUrl: () => 'http://127.0.0.1:1/graphql', secret: SECRET, timeoutMs: 500 });
    const none = createApiKeyPlugin({ identityUrl: () => undefined, secret: SECRET });
    try {
      for (const plugin of [p, none]) {
        const e = await plugin.resolve(KEY).then(() => null, (x) => x);
        expect(e?.extensions).toMatchObject({ code: 'SUBGRAPH_UNAVAILABLE', http: { status: 503 } });
      }
    } finally {
      await p.close();
      await none.close();
    }
  });
});
