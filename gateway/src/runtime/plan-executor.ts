// Executes an @apollo/query-planner QueryPlan against subgraphs, building the internal result tree.
//
// What makes it cheaper than @apollo/gateway's executeQueryPlan:
// - entity fetches are batched per request: fetch nodes with the same subgraph operation issued in the same tick
//   share one `_entities` call, and representations are deduplicated within and across those fetches (a
//   representation already fetched earlier in the request is not fetched again);
// - identical query fetches in flight (within or across requests) are sent once (SubgraphClient);
// - representations come from compiled `requires` extractors; request bodies reuse a precomputed prefix.
import { GraphQLError, Kind, parse, type SelectionSetNode } from 'graphql';
import type { FetchNode, PlanNode, QueryPlan, ResponsePath, SubscriptionNode } from '@apollo/query-planner';
import {
  Overlay, applyRewrites, cloneJson, collectAncestors, collectAtPath, compileLeafRepresentation, compileRepresentationJson, compileRequires,
  hydratedPaths, type LeafRepresentation, type Read, type RepresentationBuilder, type RepresentationSerializer,
} from './result-data.ts';
import type { TypeIndex } from './supergraph.ts';
import type { RawSubgraphResponse, SubgraphClient } from './subgraph-client.ts';
import { ErrorCode } from './errors.ts';

type Obj = Record<string, any>;

/** Adds a batch to those a fetch step waits for (once); returns it. */
function awaitBatch(waits: Promise<void>[], batch: Batch): Batch {
  if (!waits.includes(batch.done)) waits.push(batch.done);
  return batch;
}

export interface ExecutorDeps {
  client: SubgraphClient;
  types: TypeIndex;
  /** Subgraph name -> URL (after overrides). */
  urls: Map<string, string>;
}

/** Per-request inputs of plan execution. */
export interface PlanRunInput {
  variables: Record<string, unknown>;
  /** Extra headers for a subgraph fetch (signed internal context, …). */
  headersFor?: (subgraph: string) => Record<string, string> | undefined;
}

interface CompiledFetch {
  node: FetchNode;
  service: string;
  url: string | undefined;
  /** `{"query":…,"operationName":…,"variables":` — the variables object and closing brace are appended. */
  bodyPrefix: string;
  mergeable: boolean;
  requires: RepresentationBuilder | null;
  /** Representation JSON straight from the entity (usual `requires` shapes, no input rewrites). */
  requiresJson: RepresentationSerializer | null;
  /** Leaf-only `requires`: deduplicated by field values. */
  leafRep: LeafRepresentation | null;
  opKey: string;
}

interface SubgraphPayload {
  data?: Obj | null;
  errors?: Obj[];
}

interface Batch {
  fetch: CompiledFetch;
  varsJson: string;
  /** Representations as JSON text. */
  reps: string[];
  /** Result entities (after output rewrites), or null when the whole fetch failed. */
  entities: (Obj | null)[] | null;
  errors: Obj[] | undefined;
  failure: GraphQLError | null;
  /** Which entity results have already been merged once (further uses get a copy). */
  used: Uint8Array | null;
  genericErrorsReported: boolean;
  /** How many located copies of `failure` were reported (one per entity position, up to MAX_LOCATED_FAILURES). */
  failuresLocated?: number;
  done: Promise<void>;
}

interface EntityRef { batch: Batch; index: number }

/** Result of running a plan: the root of the result tree, read through `overlay`. */
export interface PlanResult {
  data: Obj;
  overlay: Overlay;
  errors: GraphQLError[];
}

/** A subgraph response shared by every caller of a merged fetch: parsed once, never mutated (but rewritten once). */
interface SharedResponse extends RawSubgraphResponse {
  parsed?: { payload: SubgraphPayload } | { error: GraphQLError };
  rewritten?: boolean;
}

export class PlanExecutor {
  private readonly compiled = new WeakMap<FetchNode, CompiledFetch>();
  constructor(private readonly deps: ExecutorDeps) {}

  compile(node: FetchNode): CompiledFetch {
    let c = this.compiled.get(node);
    if (!c) {
      c = {
        node,
        service: node.serviceName,
        url: this.deps.urls.get(node.serviceName),
        bodyPrefix: '{"query":' + JSON.stringify(node.operation) + (node.operationName ? ',"operationName":' + JSON.stringify(node.operationName) : '') + ',"variables":',
        mergeable: node.operationKind === 'query',
        requires: node.requires ? compileRequires(node.requires, this.deps.types) : null,
        requiresJson: node.requires && !node.inputRewrites?.length ? compileRepresentationJson(node.requires, this.deps.types) : null,
        leafRep: node.requires && !node.inputRewrites?.length ? compileLeafRepresentation(node.requires) : null,
        // Fetch nodes differ by generated operation name only (TestQuery__products__2 / __6): same key, one batch.
        opKey: node.serviceName + '\u0000' + node.operation.replace(OPERATION_NAME_RE, '$1')
          + (node.outputRewrites?.length ? '\u0000' + JSON.stringify(node.outputRewrites) : ''),
      };
      this.compiled.set(node, c);
    }
    return c;
  }

  /** Runs a whole plan (queries and mutations); returns the internal result tree and execution errors. */
  async run(plan: QueryPlan, input: PlanRunInput): Promise<PlanResult> {
    const run = new PlanRun(this, this.deps, input, {});
    const node = plan.node;
    if (node) {
      if (node.kind === 'Subscription') throw new GraphQLError('Subscriptions are served by the subscription transport, not by execute()', { extensions: { code: ErrorCode.UNSUPPORTED_OPERATION } });
      await run.node(node, []);
    }
    return { data: run.data, overlay: run.ov, errors: run.errors };
  }

  /**
   * Runs the part of a subscription plan after its primary fetch (`SubscriptionNode.rest`) for one event:
   * `rootData` is the event's data as the primary fetch returned it (e.g. `{ orderUpdated: {...} }`); it is not
   * mutated.
   */
  async runRest(node: SubscriptionNode | PlanNode | undefined, rootData: Obj, input: PlanRunInput): Promise<PlanResult> {
    const run = new PlanRun(this, this.deps, input, { ...rootData });
    const rest = node && node.kind === 'Subscription' ? node.rest : node;
    if (rest) await run.node(rest, []);
    return { data: run.data, overlay: run.ov, errors: run.errors };
  }
}

class PlanRun {
  readonly errors: GraphQLError[] = [];
  private readonly batches = new Map<string, Batch>(); // pending (not yet sent) batch per op+variables
  // op+variables -> representation -> result; keyed by JSON text, or by field values for leaf representations
  private readonly entityCache = new Map<string, Map<unknown, any>>();
  private flushScheduled = false;
  private readonly headerCache = new Map<string, Record<string, string> | undefined>();
  readonly ov = new Overlay();
  private readonly rd: Read = (v) => this.ov.read(v);

  constructor(
    private readonly exec: PlanExecutor,
    private readonly deps: ExecutorDeps,
    private readonly input: PlanRunInput,
    readonly data: Obj,
  ) {
    this.ov.own(data);
  }

  node(node: PlanNode, path: ResponsePath): Promise<void> | void {
    switch (node.kind) {
      case 'Sequence': return this.sequence(node.nodes, path);
      case 'Parallel': return Promise.all(node.nodes.map((n) => this.node(n, path))).then(noop);
      case 'Flatten': return this.node(node.node, path.length ? path.concat(node.path) : node.path);
      case 'Fetch': return this.fetch(this.exec.compile(node), path);
      case 'Condition': {
        const v = this.input.variables[node.condition];
        const branch = v ? node.ifClause : node.elseClause;
        return branch ? this.node(branch, path) : undefined;
      }
      case 'Defer':
        this.errors.push(new GraphQLError('@defer is not supported by this gateway', { extensions: { code: ErrorCode.UNSUPPORTED_OPERATION } }));
        return;
    }
  }

  private async sequence(nodes: PlanNode[], path: ResponsePath): Promise<void> {
    for (const n of nodes) await this.node(n, path);
  }

  private headers(service: string): Record<string, string> | undefined {
    if (!this.input.headersFor) return undefined;
    if (this.headerCache.has(service)) return this.headerCache.get(service);
    const h = this.input.headersFor(service);
    this.headerCache.set(service, h);
    return h;
  }

  private variablesFor(fetch: CompiledFetch): string {
    const usages = fetch.node.variableUsages;
    if (!usages || usages.length === 0) return '{}';
    const vars: Obj = {};
    const all = this.input.variables;
    for (const name of usages) if (all[name] !== undefined) vars[name] = all[name];
    return JSON.stringify(vars);
  }

  private fetch(fetch: CompiledFetch, path: ResponsePath): Promise<void> | void {
    if (!fetch.requires) return this.rootFetch(fetch, path);
    const entities = collectAtPath(this.ov, this.data, path, []);
    if (entities.length === 0) return;
    const rd = this.rd;
    let varsJson = this.variablesFor(fetch);
    // @fromContext: each entity's contextual arguments come from its ancestors; entities with different values
    // go in different batches (their variables differ).
    const contextual = fetch.node.contextRewrites?.length ? this.contextualVariables(fetch, path, varsJson) : null;
    let cacheKey = fetch.opKey + '\u0000' + varsJson;
    // Value tries are per representation shape (fetch nodes sharing an operation may order `requires` differently).
    const entityKey = fetch.leafRep ? cacheKey + '\u0001' + fetch.leafRep.names.join('\u0001') : cacheKey;
    let cache = this.entityCache.get(entityKey);
    if (!cache) { cache = new Map(); this.entityCache.set(entityKey, cache); }
    const refs: (EntityRef | undefined)[] = new Array(entities.length);
    const waits: Promise<void>[] = [];
    let lastBatch: Batch | null = null;
    const leaf = contextual === null ? fetch.leafRep : null;
    if (leaf !== null) {
      const { cond, names, prefixes } = leaf;
      const types = this.deps.types;
      const last = names.length - 1;
      next: for (let i = 0; i < entities.length; i++) {
        const e = rd(entities[i]);
        const tn = e.__typename;
        if (tn !== cond && !types.matches(tn, cond)) continue;
        let node = cache;
        for (let j = 0; j < last; j++) {
          const v = e[names[j]];
          if (v === undefined) continue next;
          let child = node.get(v);
          if (child === undefined) { child = new Map(); node.set(v, child); }
          node = child;
        }
        const lv = e[names[last]];
        if (lv === undefined) continue;
        let ref: EntityRef | undefined = node.get(lv);
        if (ref === undefined) {
          let json = '';
          for (let j = 0; j <= last; j++) json += prefixes[j] + JSON.stringify(e[names[j]]);
          ref = this.enqueue(fetch, varsJson, cacheKey, json + '}');
          node.set(lv, ref);
        }
        refs[i] = ref;
        if (ref.batch !== lastBatch) lastBatch = awaitBatch(waits, ref.batch);
      }
      return this.mergeWhenFetched(waits, fetch, path, entities, refs);
    }
    const toJson = fetch.requiresJson;
    for (let i = 0; i < entities.length; i++) {
      if (contextual !== null) {
        varsJson = contextual[i]!;
        cacheKey = fetch.opKey + '\u0000' + varsJson;
        cache = this.entityCache.get(cacheKey);
        if (!cache) { cache = new Map(); this.entityCache.set(cacheKey, cache); }
      }
      let key: string | null;
      if (toJson !== null) {
        key = toJson(entities[i], rd);
        if (key === null) continue;
      } else {
        const rep = fetch.requires!(entities[i], rd);
        if (rep === null || !rep.__typename) continue;
        applyRewrites(this.deps.types, fetch.node.inputRewrites, rep);
        key = JSON.stringify(rep);
      }
      let ref = cache.get(key);
      if (!ref) {
        ref = this.enqueue(fetch, varsJson, cacheKey, key);
        cache.set(key, ref);
      }
      refs[i] = ref;
      if (ref.batch !== lastBatch) lastBatch = awaitBatch(waits, ref.batch);
    }
    return this.mergeWhenFetched(waits, fetch, path, entities, refs);
  }

  /**
   * Per entity at `path`, the fetch's variables with its contextual arguments (KeyRenamer rewrites: `..` climbs
   * to the parent object, `... on T` requires its __typename to match T, then field names are read; several
   * rewrites for one argument are alternatives, the first that finds a value wins). As JSON, like variablesFor.
   */
  private contextualVariables(fetch: CompiledFetch, path: ResponsePath, varsJson: string): string[] {
    const rd = this.rd;
    const base = JSON.parse(varsJson) as Obj;
    const types = this.deps.types;
    return collectAncestors(this.ov, this.data, path).map((chain) => {
      const vars: Obj = { ...base };
      for (const rw of fetch.node.contextRewrites!) {
        if (vars[rw.renameKeyTo] !== undefined) continue;
        let depth = chain.length - 1;
        let cur: unknown = chain[depth];
        let found = true;
        for (const step of rw.path) {
          if (step === '..') { depth--; cur = depth >= 0 ? chain[depth] : undefined; }
          else if (step.startsWith('... on ')) { const t = rd(cur as Obj)?.__typename; if (!types.matches(t, step.slice(7).trim())) found = false; }
          else cur = cur == null ? undefined : rd(cur as Obj)[step];
          if (!found || cur === undefined) { found = false; break; }
        }
        if (found) vars[rw.renameKeyTo] = typeof cur === 'object' && cur !== null ? this.ov.materialize(cur) : cur;
      }
      return JSON.stringify(vars);
    });
  }

  /** Merges the entities once the batches they wait for have answered (nothing to wait for: nothing to merge). */
  private mergeWhenFetched(waits: Promise<void>[], fetch: CompiledFetch, path: ResponsePath, entities: Obj[], refs: (EntityRef | undefined)[]): Promise<void> | undefined {
    if (waits.length === 0) return;
    const done = () => this.mergeEntities(fetch, path, entities, refs);
    return waits.length === 1 ? waits[0]!.then(done) : Promise.all(waits).then(done);
  }

  /** One more representation in the open batch of this fetch (a new batch when none is open). */
  private enqueue(fetch: CompiledFetch, varsJson: string, cacheKey: string, representation: string) {
    const batch = this.batches.get(cacheKey) ?? this.newBatch(fetch, varsJson, cacheKey);
    const ref = { batch, index: batch.reps.length };
    batch.reps.push(representation);
    return ref;
  }

  private newBatch(fetch: CompiledFetch, varsJson: string, cacheKey: string): Batch {
    let release!: () => void;
    const batch: Batch = {
      fetch, varsJson, reps: [], entities: null, errors: undefined, failure: null, used: null,
      genericErrorsReported: false, done: new Promise<void>((r) => { release = r; }),
    };
    (batch as Batch & { release: () => void }).release = release;
    this.batches.set(cacheKey, batch);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // After every fetch node that can start now has registered its representations.
      process.nextTick(() => this.flush());
    }
    return batch;
  }

  private flush(): void {
    this.flushScheduled = false;
    const batches = [...this.batches.values()];
    this.batches.clear();
    for (const b of batches) this.sendBatch(b);
  }

  private sendBatch(b: Batch): void {
    const f = b.fetch;
    const reps = '[' + b.reps.join(',') + ']';
    const vars = b.varsJson === '{}' ? '{"representations":' + reps + '}' : '{"representations":' + reps + ',' + b.varsJson.slice(1);
    const release = (b as Batch & { release: () => void }).release;
    this.send(f, f.bodyPrefix + vars + '}').then(([payload, shared]) => {
      b.errors = payload.errors;
      const ents = payload.data?._entities;
      if (payload.data == null && payload.errors?.length) {
        b.entities = null;
      } else if (!Array.isArray(ents)) {
        b.failure = invalidResponse(f.service, 'expected "data._entities" to be a list');
      } else if (ents.length !== b.reps.length) {
        b.failure = invalidResponse(f.service, `expected "data._entities" to contain ${b.reps.length} elements`);
      } else {
        if (f.node.outputRewrites && !shared.rewritten) {
          shared.rewritten = true;
          for (const e of ents) if (e) applyRewrites(this.deps.types, f.node.outputRewrites, e);
        }
        b.entities = ents;
        b.used = new Uint8Array(ents.length);
      }
    }, (err: unknown) => {
      b.failure = err instanceof GraphQLError ? err : unavailable(f.service, err);
    }).finally(release);
  }

  private mergeEntities(fetch: CompiledFetch, path: ResponsePath, entities: Obj[], refs: (EntityRef | undefined)[]): void {
    let paths: (string | number)[][] | null = null;
    const pathOf = (i: number) => (paths ??= hydratedPaths(this.ov, this.data, path))[i] ?? path.filter((p) => p !== '@');
    const seenBatches = new Set<Batch>();
    for (let i = 0; i < entities.length; i++) {
      const ref = refs[i];
      if (!ref) continue;
      const b = ref.batch;
      if (!seenBatches.has(b)) {
        seenBatches.add(b);
        // Errors not tied to one representation (e.g. the whole `_entities` field failed): pathless, unless the
        // batch had a single representation, whose position they then belong to.
        if (!b.genericErrorsReported) {
          b.genericErrorsReported = true;
          if (b.errors) for (const e of b.errors) if (entityIndexOf(e) < 0) this.errors.push(downstreamError(e, b.fetch.service, b.reps.length === 1 ? pathOf(i) : undefined));
        }
      }
      if (b.failure) {
        // The subgraph could not be reached: its fields at this position are null, and the error says where.
        const n = (b.failuresLocated = (b.failuresLocated ?? 0) + 1);
        if (n <= MAX_LOCATED_FAILURES) this.errors.push(locatedFailure(b.failure, pathOf(i), fetchedFields(fetch)));
        else if (n === MAX_LOCATED_FAILURES + 1) this.errors.push(b.failure);
        continue;
      }
      if (b.errors) {
        for (const e of b.errors) if (entityIndexOf(e) === ref.index) this.errors.push(downstreamError(e, b.fetch.service, pathOf(i).concat((e.path as (string | number)[]).slice(2))));
      }
      if (!b.entities) continue;
      let received = b.entities[ref.index];
      if (received == null) continue;
      // A result merged at several positions shares its nested objects between them; later merges there could
      // then collide (same response name, different selections), so further uses of a nested result get a copy.
      if (b.used![ref.index]) { if (hasNested(received)) received = cloneJson(received); } else b.used![ref.index] = 1;
      // (Apollo copies the target's __typename into results lacking one; the target keeps its own anyway.)
      this.ov.merge(entities[i], received);
    }
  }

  private async rootFetch(fetch: CompiledFetch, path: ResponsePath): Promise<void> {
    const targets = path.length ? collectAtPath(this.ov, this.data, path, []) : [this.data];
    if (targets.length === 0) return;
    let payload: SubgraphPayload, shared: SharedResponse;
    try {
      [payload, shared] = await this.send(fetch, fetch.bodyPrefix + this.variablesFor(fetch) + '}');
    } catch (err) {
      const failure = err instanceof GraphQLError ? err : unavailable(fetch.service, err);
      // At the root, each field this fetch would have resolved is null: one error at each, as a client expects.
      if (path.length === 0) for (const field of fetchedFields(fetch)) this.errors.push(locatedFailure(failure, [], [field]));
      else this.errors.push(failure);
      return;
    }
    const base = path.filter((p) => p !== '@');
    if (payload.errors) for (const e of payload.errors) this.errors.push(downstreamError(e, fetch.service, Array.isArray(e.path) ? base.concat(e.path) : undefined));
    const data = payload.data;
    if (data == null) return;
    if (fetch.node.outputRewrites && !shared.rewritten) {
      shared.rewritten = true;
      applyRewrites(this.deps.types, fetch.node.outputRewrites, data);
    }
    for (let i = 0; i < targets.length; i++) this.ov.merge(targets[i], i === 0 ? data : cloneJson(data));
  }

  private async send(fetch: CompiledFetch, body: string): Promise<[SubgraphPayload, SharedResponse]> {
    if (!fetch.url) throw unavailable(fetch.service, new Error('unknown subgraph'));
    const res: SharedResponse = await this.deps.client.post(fetch.url, body, this.headers(fetch.service), fetch.mergeable);
    const parsed = (res.parsed ??= res.payload ? { payload: res.payload } : parseResponse(fetch.service, res));
    if ('error' in parsed) throw parsed.error;
    return [parsed.payload, res];
  }
}

function parseResponse(service: string, res: RawSubgraphResponse): { payload: SubgraphPayload } | { error: GraphQLError } {
  const ok = res.status >= 200 && res.status < 300;
  let payload: unknown;
  try {
    payload = JSON.parse(res.text);
  } catch {
    return { error: ok ? invalidResponse(service, 'response is not JSON') : unavailable(service, new Error(`HTTP ${res.status}`)) };
  }
  if (typeof payload !== 'object' || payload === null || (!('data' in payload) && !('errors' in payload))) {
    return { error: ok ? invalidResponse(service, 'response has neither data nor errors') : unavailable(service, new Error(`HTTP ${res.status}`)) };
  }
  const p = payload as SubgraphPayload;
  if (p.errors !== undefined && !Array.isArray(p.errors)) return { error: invalidResponse(service, '"errors" is not a list') };
  return { payload: p };
}


const OPERATION_NAME_RE = /^\s*(query|mutation|subscription)\s+[_A-Za-z][_0-9A-Za-z]*/;

function noop(): void {}

function hasNested(o: Obj): boolean {
  for (const k in o) { const v = o[k]; if (typeof v === 'object' && v !== null) return true; }
  return false;
}

function entityIndexOf(e: Obj): number {
  const p = e.path;
  return Array.isArray(p) && p[0] === '_entities' && typeof p[1] === 'number' ? p[1] : -1;
}

function downstreamError(e: Obj, service: string, path: readonly (string | number)[] | undefined): GraphQLError {
  const message = typeof e.message === 'string' && e.message ? e.message : `Error while fetching subquery from service "${service}"`;
  const ext: Obj = { ...(typeof e.extensions === 'object' && e.extensions ? e.extensions : {}) };
  delete ext.exception;
  delete ext.stacktrace;
  if (typeof ext.code !== 'string') ext.code = ErrorCode.DOWNSTREAM_SERVICE_ERROR;
  ext.serviceName = service;
  return new GraphQLError(message, { path, extensions: ext });
}

/** Errors per failed batch that carry a path; beyond that, one pathless error stands for the rest. */
const MAX_LOCATED_FAILURES = 100;

const fieldsOfFetch = new WeakMap<CompiledFetch, string[]>();
/**
 * Response names a fetch resolves at its position: the root fields of a query fetch, or the fields selected on
 * the entity of an `_entities` fetch (first fragment). Errors of an unreachable subgraph point at these.
 */
function fetchedFields(fetch: CompiledFetch): string[] {
  let fields = fieldsOfFetch.get(fetch);
  if (fields) return fields;
  fields = [];
  try {
    const op = parse(fetch.node.operation).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
    let set: SelectionSetNode | undefined = op?.kind === Kind.OPERATION_DEFINITION ? op.selectionSet : undefined;
    const entities = set?.selections.find((s) => s.kind === Kind.FIELD && s.name.value === '_entities');
    if (fetch.requires && entities?.kind === Kind.FIELD) {
      const fragment = entities.selectionSet?.selections.find((s) => s.kind === Kind.INLINE_FRAGMENT);
      set = fragment?.kind === Kind.INLINE_FRAGMENT ? fragment.selectionSet : undefined;
    }
    for (const s of set?.selections ?? []) if (s.kind === Kind.FIELD && s.name.value !== '__typename') fields.push(s.alias?.value ?? s.name.value);
  } catch {
    // an operation the planner produced always parses; without fields the error is simply reported at the entity
  }
  fieldsOfFetch.set(fetch, fields);
  return fields;
}

function locatedFailure(failure: GraphQLError, at: readonly (string | number)[], fields: string[]): GraphQLError {
  const path = fields.length > 0 ? [...at, fields[0]!] : [...at];
  return new GraphQLError(failure.message, { path, extensions: failure.extensions });
}

/** The cause (URL, socket error) is deliberately not exposed. */
function unavailable(service: string, _cause: unknown): GraphQLError {
  return new GraphQLError(`Subgraph "${service}" is unavailable`, { extensions: { code: ErrorCode.SUBGRAPH_UNAVAILABLE, serviceName: service } });
}

function invalidResponse(service: string, why: string): GraphQLError {
  return new GraphQLError(`Invalid response from subgraph "${service}": ${why}`, { extensions: { code: ErrorCode.SUBGRAPH_INVALID_RESPONSE, serviceName: service } });
}
