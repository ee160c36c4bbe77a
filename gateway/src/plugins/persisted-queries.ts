import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, join } from 'node:path';
import type { Redis } from 'ioredis';
import { GraphQLError, parse, print } from 'graphql';
import { log, type Viewer } from '@omniroute/core';
import { DEFAULT_DOCUMENT_LIMITS, type GraphQLParams, type ResolvedParams } from '../runtime/index.ts';
import type { OperationEvent } from '../pipeline.ts';
import { ByteBoundedCache } from '../runtime/bounded-cache.ts';
import type { PartnerAppInfo } from './api-keys.ts';
import type { MetricsPlugin } from './metrics.ts';

/** One operation of an Apollo persisted-query manifest (`apollo-persisted-query-manifest`, version 1). */
export interface ManifestOperation {
  id: string;
  name: string | null;
  type: string;
  body: string;
}

export const MANIFEST_FORMAT = 'apollo-persisted-query-manifest';
export const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** Parses a manifest; throws with the reason when it is not one (an id must be the sha256 of its body). */
export function parseManifest(text: string): ManifestOperation[] {
  const m = JSON.parse(text) as { format?: unknown; version?: unknown; operations?: unknown };
  if (!m || m.format !== MANIFEST_FORMAT || m.version !== 1 || !Array.isArray(m.operations)) {
    throw new Error(`not an ${MANIFEST_FORMAT} version 1`);
  }
  return m.operations.map((raw, i) => {
    const op = raw as Record<string, unknown>;
    if (typeof op?.body !== 'string' || typeof op.id !== 'string') throw new Error(`operations[${i}]: id and body must be strings`);
    if (sha256Hex(op.body) !== op.id) throw new Error(`operations[${i}]: id is not the sha256 of the body`);
    return { id: op.id, name: typeof op.name === 'string' ? op.name : null, type: typeof op.type === 'string' ? op.type : 'query', body: op.body };
  });
}

export interface PersistedQueriesPluginOptions {
  /** APQ store shared by replicas; an in-memory LRU without it. */
  redis?: Redis | null;
  keyPrefix?: string;
  /** APQ entries expire after this long in Redis. Default 24 h. */
  apqTtlSeconds?: number;
  /** In-memory APQ entries. Default 2000. */
  lruSize?: number;
  /** Characters of APQ query text kept in memory (two bytes each, at most). Default 4 Mi (8 MiB). */
  lruChars?: number;
  /** Token limit when parsing a query to compare it with a safelist (the runtime's limit). Default 5,000. */
  maxTokens?: number;
  /** Folder of manifest files named `<partnerAppId>.json` or `<slug>.json`; watched, reloaded on change. */
  manifestsDir?: string;
  watch?: boolean;
  /** Operations registered through identity's `registerPersistedQueries`. */
  registered?: (appId: string) => Promise<ManifestOperation[]>;
  /** How long an app's safelist is kept before asking identity again (changes also arrive by pub/sub). Default 60 s. */
  safelistTtlMs?: number;
  metrics?: MetricsPlugin;
  /** The partner app behind a viewer, whose safelist mode applies (hooks); null for users. */
  appOf?: (viewer: Viewer | null) => PartnerAppInfo | null;
}

interface Safelist { byId: Map<string, ManifestOperation>; normalized: Set<string> | null; expires: number }

const pqError = (message: string, code: string, status: number) => new GraphQLError(message, { extensions: { code, http: { status } } });
const notFound = () => pqError('PersistedQueryNotFound', 'PERSISTED_QUERY_NOT_FOUND', 200);
const notInList = () => pqError('The operation is not in the persisted query list of this partner app', 'PERSISTED_QUERY_NOT_IN_LIST', 400);
const idRequired = () => pqError('This partner app may only send operations by id (extensions.persistedQuery.sha256Hash or documentId)', 'PERSISTED_QUERY_ID_REQUIRED', 400);
const badRequest = (message: string) => pqError(message, 'BAD_REQUEST', 400);

function normalize(query: string, maxTokens: number): string | null {
  try {
    return print(parse(query, { noLocation: true, maxTokens }));
  } catch {
    return null;
  }
}

/**
 * Automatic persisted queries (Apollo's protocol: `extensions.persistedQuery { version: 1, sha256Hash }`; a miss
 * answers PERSISTED_QUERY_NOT_FOUND, query + hash registers once the operation validated) and per-partner-app
 * safelists (Apollo manifests from files and from identity) with the app's mode: ALLOW_ALL, LOG_UNKNOWN
 * (counted), ENFORCE (PERSISTED_QUERY_NOT_IN_LIST) and REQUIRE_ID (PERSISTED_QUERY_ID_REQUIRED).
 */
export function createPersistedQueriesPlugin(opts: PersistedQueriesPluginOptions = {}) {
  const prefix = opts.keyPrefix ?? 'omniroute:apq:';
  const ttlSeconds = opts.apqTtlSeconds ?? 86_400;
  const lruSize = opts.lruSize ?? 2000;
  const safelistTtl = opts.safelistTtlMs ?? 60_000;
  const maxTokens = opts.maxTokens ?? DEFAULT_DOCUMENT_LIMITS.maxTokens;
  const lru = new ByteBoundedCache<string, string>(2 * (opts.lruChars ?? 4 * 1024 * 1024), lruSize);
  const files = new Map<string, ManifestOperation[]>(); // by file base name (app id or slug)
  const safelists = new Map<string, Safelist>();
  const loading = new Map<string, Promise<Safelist>>();
  let generation = 0; // bumped on every change, so a load that raced with a change is not kept
  const unknown = opts.metrics?.counter('persisted_query_unknown_total', 'Operations not in the app safelist, let through (LOG_UNKNOWN)', ['app']);
  const rejected = opts.metrics?.counter('persisted_query_rejected_total', 'Operations refused by the app safelist (ENFORCE, REQUIRE_ID)', ['app', 'reason']);
  const apq = opts.metrics?.counter('apq_requests_total', 'Automatic persisted query lookups and registrations', ['result']);

  function invalidate(appId?: string) {
    generation++;
    if (appId) safelists.delete(appId);
    else safelists.clear();
  }
  const manifests = opts.manifestsDir ? watchManifests(opts.manifestsDir, files, opts.watch !== false, () => invalidate()) : null;

  async function build(app: PartnerAppInfo): Promise<Safelist> {
    const byId = new Map<string, ManifestOperation>();
    for (const name of [app.slug, app.id]) for (const op of files.get(name) ?? []) byId.set(op.id, op);
    if (opts.registered) for (const op of await opts.registered(app.id)) byId.set(op.id, op);
    return { byId, normalized: null, expires: Date.now() + safelistTtl };
  }

  function safelist(app: PartnerAppInfo): Promise<Safelist> {
    const hit = safelists.get(app.id);
    if (hit && hit.expires > Date.now()) return Promise.resolve(hit);
    let p = loading.get(app.id);
    if (!p) {
      const gen = generation;
      p = build(app).then((s) => {
        if (gen === generation) safelists.set(app.id, s);
        return s;
      }).finally(() => loading.delete(app.id));
      loading.set(app.id, p);
    }
    return p;
  }

  function inList(list: Safelist, query: string, hash: string): boolean {
    if (list.byId.has(hash)) return true;
    list.normalized ??= new Set([...list.byId.values()].map((o) => normalize(o.body, maxTokens)).filter((x): x is string => x !== null));
    const n = normalize(query, maxTokens);
    return n !== null && list.normalized.has(n);
  }

  async function apqGet(hash: string): Promise<string | undefined> {
    if (opts.redis) {
      try {
        return (await opts.redis.get(prefix + hash)) ?? undefined;
      } catch (e) {
        log.warn('persisted queries: redis get failed', { error: String(e) });
      }
    }
    return lru.get(hash);
  }

  const registrations = new WeakMap<object, { hash: string; query: string }>();
  const plugin = {
    name: 'persisted-queries',
    /** Params to a query as the caller's app mode allows; an APQ pair is kept for registration once planned. */
    async onParams(e: OperationEvent & { params: GraphQLParams }): Promise<ResolvedParams> {
      const r = await plugin.resolve(e.params, opts.appOf?.(e.ctx.viewer) ?? null);
      if (r.register) registrations.set(e.ctx, r.register);
      return r.params;
    },
    /** The operation validated and planned: store its APQ pair (shared by replicas with Redis). */
    onExecutionPlan(e: OperationEvent): void {
      const r = registrations.get(e.ctx);
      if (!r) return;
      registrations.delete(e.ctx);
      void plugin.register(r.hash, r.query);
    },
    /**
     * Turns the request's params into a query: by APQ hash or documentId (safelist first, then the APQ store),
     * or the body itself, as the caller's app mode allows. `register` is set when a query+hash pair should be
     * stored once it has validated (call register() then).
     */
    async resolve(params: GraphQLParams, app: PartnerAppInfo | null): Promise<{ params: ResolvedParams; register?: { hash: string; query: string } }> {
      const mode = app?.persistedQueryMode ?? 'ALLOW_ALL';
      const labels = app ? { app: app.id } : undefined;
      const { hash, documentId } = requestedIds(params);
      const base = { operationName: params.operationName, variables: params.variables };

      if (typeof params.query === 'string' && params.query !== '') {
        const query = params.query;
        const computed = sha256Hex(query);
        if (hash && hash !== computed) throw badRequest('provided sha does not match query');
        if (app && mode !== 'ALLOW_ALL') {
          if (mode === 'REQUIRE_ID') { rejected?.inc({ ...labels, reason: 'id_required' }); throw idRequired(); }
          const listed = inList(await safelist(app), query, computed);
          if (!listed && mode === 'ENFORCE') { rejected?.inc({ ...labels, reason: 'not_in_list' }); throw notInList(); }
          if (!listed) {
            unknown?.inc(labels);
            log.info('persisted queries: operation not in safelist', { app: app.id, hash: computed, operationName: params.operationName });
          }
        }
        return { params: { ...base, query }, register: hash && mode !== 'ENFORCE' && mode !== 'REQUIRE_ID' ? { hash, query } : undefined };
      }
      if (params.query !== undefined && params.query !== '') throw badRequest('`query` must be a string');

      const id = documentId ?? hash;
      if (!id) throw badRequest('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.');
      if (app) {
        const op = (await safelist(app)).byId.get(id);
        if (op) return { params: { ...base, query: op.body, operationName: params.operationName ?? op.name ?? undefined } };
        if (mode === 'ENFORCE' || mode === 'REQUIRE_ID') { rejected?.inc({ ...labels, reason: 'not_in_list' }); throw notInList(); }
      }
      const query = await apqGet(id);
      if (query === undefined) { apq?.inc({ result: 'miss' }); throw notFound(); }
      apq?.inc({ result: 'hit' });
      if (app && mode === 'LOG_UNKNOWN') {
        unknown?.inc(labels);
        log.info('persisted queries: operation not in safelist', { app: app.id, hash: id, operationName: params.operationName });
      }
      return { params: { ...base, query } };
    },
    /** Stores a validated APQ pair (the hash was checked in resolve). */
    async register(hash: string, query: string): Promise<void> {
      apq?.inc({ result: 'register' });
      lru.set(hash, query, 2 * (query.length + hash.length) + 64);
      if (opts.redis) {
        try {
          await opts.redis.set(prefix + hash, query, 'EX', ttlSeconds);
        } catch (e) {
          log.warn('persisted queries: redis set failed', { error: String(e) });
        }
      }
    },
    /** Forgets an app's safelist (or all): the next request reloads it. */
    invalidate,
    /** Operations from manifest files, by file name (for tests and diagnostics). */
    fileManifests: () => new Map(files),
    async close() {
      manifests?.close();
    },
  };
  return plugin;
}

/** The APQ hash (extensions.persistedQuery) and the documentId of a request, checked; BAD_REQUEST when malformed. */
function requestedIds(params: GraphQLParams): { hash?: string; documentId?: string } {
  const pq = params.extensions?.persistedQuery as { version?: unknown; sha256Hash?: unknown } | undefined;
  let hash: string | undefined;
  if (pq !== undefined) {
    if (!pq || typeof pq !== 'object') throw badRequest('extensions.persistedQuery must be an object');
    if (pq.version !== 1) throw badRequest('Unsupported persisted query version');
    if (typeof pq.sha256Hash !== 'string' || !/^[0-9a-fA-F]{64}$/.test(pq.sha256Hash)) throw badRequest('extensions.persistedQuery.sha256Hash must be a sha256 hex digest');
    hash = pq.sha256Hash.toLowerCase();
  }
  let documentId: string | undefined;
  if (params.documentId !== undefined) {
    const id = String(params.documentId).replace(/^sha256:/, '').toLowerCase();
    if (!/^[0-9a-f]{64}$/.test(id)) throw badRequest('documentId must be a sha256 hex digest (optionally prefixed with "sha256:")');
    documentId = id;
  }
  return { hash, documentId };
}

/** Loads the manifest files of `dir` into `files` (by base name) and, with `watch`, reloads them on change. */
function watchManifests(dir: string, files: Map<string, ManifestOperation[]>, watchDir: boolean, changed: () => void) {
  function loadFile(file: string) {
    const name = basename(file, '.json');
    try {
      if (!existsSync(file)) { files.delete(name); return; }
      files.set(name, parseManifest(readFileSync(file, 'utf8')));
    } catch (e) {
      log.error('persisted queries: manifest file ignored', { file, error: String((e as Error).message) });
      files.delete(name);
    }
  }

  let watcher: FSWatcher | null = null;
  const pending = new Map<string, NodeJS.Timeout>();
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)) if (f.endsWith('.json')) loadFile(join(dir, f));
    if (watchDir) {
      try {
        watcher = watch(dir, (_event, filename) => {
          const f = filename?.toString();
          if (!f?.endsWith('.json')) return;
          // Editors write in several steps: reload once things settle.
          clearTimeout(pending.get(f));
          pending.set(f, setTimeout(() => {
            pending.delete(f);
            loadFile(join(dir, f));
            changed();
            log.info('persisted queries: manifest reloaded', { file: f, operations: files.get(basename(f, '.json'))?.length ?? 0 });
          }, 50));
        });
        watcher.on('error', (e) => log.warn('persisted queries: watch failed', { error: String(e) }));
      } catch (e) {
        log.warn('persisted queries: cannot watch manifests', { dir, error: String(e) });
      }
    }
  }

  return {
    close() {
      watcher?.close();
      for (const t of pending.values()) clearTimeout(t);
    },
  };
}

export type PersistedQueriesPlugin = ReturnType<typeof createPersistedQueriesPlugin>;
