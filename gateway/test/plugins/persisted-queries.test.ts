import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';
import type { PartnerAppInfo, PersistedQueryMode } from '../../src/plugins/api-keys.ts';
import { createMetricsPlugin } from '../../src/plugins/metrics.ts';
import { createPersistedQueriesPlugin, parseManifest, sha256Hex, type ManifestOperation } from '../../src/plugins/persisted-queries.ts';

const Q1 = 'query Orders { orders(first: 3) { edges { node { id } } } }';
const Q2 = 'query Other { tags }';
const op = (body: string, name: string): ManifestOperation => ({ id: sha256Hex(body), name, type: 'query', body });
const manifest = (...ops: ManifestOperation[]) => JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations: ops });
const app = (mode: PersistedQueryMode, slug = 'acme'): PartnerAppInfo => ({ id: slug === 'acme' ? `papp_${mode}` : `papp_${mode}_${slug}`, tenantId: 't', slug, persistedQueryMode: mode, limits: {} });
const pq = (q: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256Hex(q) } });
const codeOf = async (p: Promise<unknown>) => p.then(() => 'ok', (e) => e.extensions?.code as string);

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

describe('persisted queries plugin', () => {
  it('parses Apollo manifests and refuses wrong hashes', () => {
    expect(parseManifest(manifest(op(Q1, 'Orders')))).toEqual([op(Q1, 'Orders')]);
    expect(() => parseManifest(manifest({ ...op(Q1, 'Orders'), body: Q2 }))).toThrow(/sha256/);
    expect(() => parseManifest('{"format":"x"}')).toThrow(/apollo-persisted-query-manifest/);
  });

  it('APQ: miss, hash mismatch, register only when told (after validation), hit', async () => {
    const p = createPersistedQueriesPlugin();
    expect(await codeOf(p.resolve({ extensions: pq(Q1) }, null))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(await codeOf(p.resolve({ query: Q2, extensions: pq(Q1) }, null))).toBe('BAD_REQUEST');
    expect(await codeOf(p.resolve({ extensions: { persistedQuery: { version: 2, sha256Hash: sha256Hex(Q1) } } }, null))).toBe('BAD_REQUEST');
    expect(await codeOf(p.resolve({ extensions: { persistedQuery: { version: 1, sha256Hash: 'nothex' } } }, null))).toBe('BAD_REQUEST');
    expect(await codeOf(p.resolve({}, null))).toBe('BAD_REQUEST');
    const r = await p.resolve({ query: Q1, extensions: pq(Q1) }, null);
    expect(r.register).toEqual({ hash: sha256Hex(Q1), query: Q1 });
    expect(await codeOf(p.resolve({ extensions: pq(Q1) }, null))).toBe('PERSISTED_QUERY_NOT_FOUND'); // not yet registered
    await p.register(r.register!.hash, r.register!.query);
    expect((await p.resolve({ extensions: pq(Q1), variables: { a: 1 } }, null)).params).toEqual({ query: Q1, variables: { a: 1 }, operationName: undefined });
    expect((await p.resolve({ documentId: `sha256:${sha256Hex(Q1)}` }, null)).params.query).toBe(Q1);
  });

  it('applies each app mode to bodies and ids, counting unknown and rejected operations', async () => {
    const metrics = createMetricsPlugin();
    const registered = new Map<string, ManifestOperation[]>([['papp_ENFORCE', [op(Q1, 'Orders')]], ['papp_REQUIRE_ID', [op(Q1, 'Orders')]], ['papp_LOG_UNKNOWN', [op(Q1, 'Orders')]]]);
    const p = createPersistedQueriesPlugin({ registered: async (id) => registered.get(id) ?? [], metrics });
    const run = (mode: PersistedQueryMode, params: Record<string, unknown>) => codeOf(p.resolve(params, app(mode)));
    // ALLOW_ALL: anything
    expect(await run('ALLOW_ALL', { query: Q2 })).toBe('ok');
    // LOG_UNKNOWN: anything, unknown counted
    expect(await run('LOG_UNKNOWN', { query: Q2 })).toBe('ok');
    expect(await run('LOG_UNKNOWN', { query: Q1 })).toBe('ok');
    expect(metrics.counter('persisted_query_unknown_total', '').get({ app: 'papp_LOG_UNKNOWN' })).toBe(1);
    // ENFORCE: listed bodies (also reformatted) and ids; others refused
    expect(await run('ENFORCE', { query: Q1 })).toBe('ok');
    expect(await run('ENFORCE', { query: `# same operation\n${Q1.replace(/ /g, '  ')}` })).toBe('ok');
    expect(await run('ENFORCE', { extensions: pq(Q1) })).toBe('ok');
    expect(await run('ENFORCE', { query: Q2 })).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    expect(await run('ENFORCE', { extensions: pq(Q2) })).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // REQUIRE_ID: ids only
    expect(await run('REQUIRE_ID', { query: Q1 })).toBe('PERSISTED_QUERY_ID_REQUIRED');
    expect(await run('REQUIRE_ID', { documentId: sha256Hex(Q1) })).toBe('ok');
    expect(await run('REQUIRE_ID', { documentId: sha256Hex(Q2) })).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const rejected = metrics.counter('persisted_query_rejected_total', '');
    expect(rejected.get({ app: 'papp_ENFORCE', reason: 'not_in_list' })).toBe(2);
    expect(rejected.get({ app: 'papp_REQUIRE_ID', reason: 'id_required' })).toBe(1);
    expect(await metrics.render()).toContain('omniroute_gateway_persisted_query_rejected_total{app="papp_ENFORCE",reason="not_in_list"} 2');
    // safelisted operation names fill in a missing operationName
    expect((await p.resolve({ documentId: sha256Hex(Q1) }, app('REQUIRE_ID'))).params.operationName).toBe('Orders');
    // a registration changes the list once the app is invalidated
    registered.set('papp_ENFORCE', [op(Q1, 'Orders'), op(Q2, 'Other')]);
    expect(await run('ENFORCE', { query: Q2 })).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    p.invalidate('papp_ENFORCE');
    expect(await run('ENFORCE', { query: Q2 })).toBe('ok');
  });

  it('loads manifest files named after the app id or slug and reloads them on change (fs.watch)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pq-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'acme.json'), manifest(op(Q1, 'Orders')));
    writeFileSync(join(dir, 'broken.json'), '{ not json');
    const p = createPersistedQueriesPlugin({ manifestsDir: dir });
    try {
      expect(await codeOf(p.resolve({ query: Q1 }, app('ENFORCE')))).toBe('ok');
      expect(await codeOf(p.resolve({ query: Q1 }, app('ENFORCE', 'other')))).toBe('PERSISTED_QUERY_NOT_IN_LIST');
      writeFileSync(join(dir, 'papp_ENFORCE_other.json'), manifest(op(Q2, 'Other')));
      await eventually(async () => (await codeOf(p.resolve({ query: Q2 }, app('ENFORCE', 'other')))) === 'ok', { timeoutMs: 5000, intervalMs: 25 });
      writeFileSync(join(dir, 'acme.json'), manifest());
      await eventually(async () => (await codeOf(p.resolve({ query: Q1 }, app('ENFORCE')))) === 'PERSISTED_QUERY_NOT_IN_LIST', { timeoutMs: 5000, intervalMs: 25 });
    } finally {
      await p.close();
    }
  });

  it('shares APQ entries between replicas through Redis (with a TTL)', async () => {
    const prefix = `test:${randomUUID()}:apq:`;
    const a = new Redis(REDIS_URL);
    const b = new Redis(REDIS_URL);
    try {
      const one = createPersistedQueriesPlugin({ redis: a, keyPrefix: prefix, apqTtlSeconds: 60 });
      const two = createPersistedQueriesPlugin({ redis: b, keyPrefix: prefix });
      await one.register(sha256Hex(Q1), Q1);
      expect((await two.resolve({ extensions: pq(Q1) }, null)).params.query).toBe(Q1);
      const ttl = await a.ttl(prefix + sha256Hex(Q1));
      expect(ttl).toBeGreaterThan(50);
      expect(ttl).toBeLessThanOrEqual(60);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });
});
