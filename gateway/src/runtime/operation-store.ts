// Parses, validates and plans operations once: documents are cached by query string, query plans by the
// normalized operation (so differently formatted copies of one operation share a plan), result shapers per
// @skip/@include combination. Every cache is bounded by an estimate of the bytes it holds; documents over the
// size or token limit are refused before (or while) parsing, and failures are never kept by their text.
import { createHash } from 'node:crypto';
import {
  GraphQLError, Kind, Lexer, NoSchemaIntrospectionCustomRule, Source, TokenKind, parse, print, specifiedRules, validate,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode,
  type SourceLocation, type ValidationRule, visit,
} from 'graphql';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { QueryPlan, QueryPlanner } from '@apollo/query-planner';
import { ByteBoundedCache } from './bounded-cache.ts';
import { ErrorCode, toGraphQLError } from './errors.ts';
import { OperationShaper } from './result-shaper.ts';
import { correctPlan, type ArgRequire } from './plan-corrections.ts';

/** Limits on a GraphQL document, checked before it is parsed (bytes) and while it is (tokens). */
export interface DocumentLimits {
  /** UTF-8 bytes of the document text. Default 64 KiB. */
  maxBytes: number;
  /** Lexical tokens (comments excluded; graphql-js `parse(…, { maxTokens })`). Default 5,000. */
  maxTokens: number;
}

/**
 * Real documents are far below both (the explorer's introspection query: 183 tokens, OrderDetail 92, the
 * yardstick's deep query 93; all under 2 KB). The limits bound what one document costs before it is refused: a
 * 64 KiB string stays out of V8's large-object space, and a parse stopped at 5,000 tokens allocates about a MiB,
 * which dies young instead of being promoted (hostile streams of 15,000-token documents grew the heap by 200 MiB
 * of garbage between collections; bench/hostile).
 */
export const DEFAULT_DOCUMENT_LIMITS: Readonly<DocumentLimits> = Object.freeze({ maxBytes: 64 * 1024, maxTokens: 5_000 });

/** The limits with defaults for whatever is unset. */
export function documentLimitsOf(given: Partial<DocumentLimits> | undefined): DocumentLimits {
  return { maxBytes: given?.maxBytes ?? DEFAULT_DOCUMENT_LIMITS.maxBytes, maxTokens: given?.maxTokens ?? DEFAULT_DOCUMENT_LIMITS.maxTokens };
}

/**
 * QUERY_TOO_LARGE (HTTP 413) when the document is over `maxBytes`, else null. Costs no parsing: a string longer
 * than the limit is over it (UTF-8 takes at least a byte per UTF-16 unit), one a third of it is under.
 */
export function documentSizeError(query: string, maxBytes: number): GraphQLError | null {
  if (query.length * 3 <= maxBytes) return null;
  if (query.length <= maxBytes && Buffer.byteLength(query, 'utf8') <= maxBytes) return null;
  return new GraphQLError(`The GraphQL document exceeds the limit of ${maxBytes} bytes`, {
    extensions: { code: ErrorCode.QUERY_TOO_LARGE, maxBytes, http: { status: 413 } },
  });
}

function tooManyTokens(maxTokens: number): GraphQLError {
  return new GraphQLError(`The GraphQL document has more than ${maxTokens} tokens`, {
    extensions: { code: ErrorCode.QUERY_TOO_LARGE, maxTokens, http: { status: 400 } },
  });
}

/**
 * The error for a document graphql-js could not parse: QUERY_TOO_LARGE when it stopped at the token limit, else
 * GRAPHQL_PARSE_FAILED with the syntax error's message and location.
 */
export function parseFailure(query: string, err: unknown, maxTokens: number): GraphQLError {
  if (err instanceof GraphQLError && /\btokens\b/.test(err.message)) {
    // graphql-js 16 says "more that N tokens", 17 "more than": trusted when it names our limit, else counted.
    const m = /Document contains more th[ae]n (\d+) tokens/.exec(err.message);
    if (m ? Number(m[1]) === maxTokens : exceedsTokens(query, maxTokens)) return tooManyTokens(maxTokens);
  }
  const e = toGraphQLError(err);
  if (e.extensions?.code) return e; // e.g. "nested too deeply"
  return new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: ErrorCode.PARSE_FAILED } });
}

/** Whether the text has more than `max` tokens; stops counting there (called after a parse failure only). */
function exceedsTokens(query: string, max: number): boolean {
  const lexer = new Lexer(new Source(query));
  let n = 0;
  try {
    while (lexer.advance().kind !== TokenKind.EOF) if (++n > max) return true;
  } catch {
    return false; // a lexical error before the limit: an ordinary syntax error
  }
  return false;
}

// Estimated heap per cached entry, measured on the demo supergraph (bench/hostile-documents.ts prints the
// measurement): a parsed document keeps ~370 bytes per token (AST nodes with locations, tokens, sliced names),
// validation and the prepared operation ~60 more; a plan ~20–40 bytes per character of its normalized operation.
// The text itself is counted at two bytes per character (V8 stores non-Latin-1 strings so).
const DOCUMENT_BYTES_PER_TOKEN = 450;
const OPERATION_BYTES_PER_CHAR = 16;
const PLAN_BYTES_PER_CHAR = 64;
// Operations and @skip/@include variants cached per document/operation: clients choose operationName and
// variables freely, so without a cap one cached document could collect any number of them.
const MAX_OPERATIONS_PER_DOCUMENT = 16;
const MAX_SHAPERS_PER_OPERATION = 16;

const EMPTY_DOCUMENT: DocumentNode = Object.freeze({ kind: Kind.DOCUMENT, definitions: [] }) as DocumentNode;

export interface PreparedOperation {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName: string | undefined;
  kind: 'query' | 'mutation' | 'subscription';
  fragments: Record<string, FragmentDefinitionNode>;
  /**
   * The query plan. Planned lazily by OperationStore.plan(), after checkDocument accepted the operation (planning
   * a crafted document can take long); always set on operations handed out by the runtime's prepare().
   */
  plan: QueryPlan;
  /** Plan cache key: the printed operation and its fragments. */
  normalized: string;
  /** Variables that @skip/@include depend on (they select the shaper). */
  conditionVariables: string[];
  hasVariableDefinitions: boolean;
  shapers: Map<string, OperationShaper>;
}

/** Request-level failure before execution (parse/validation/unknown operation). */
export class RequestError {
  constructor(readonly errors: readonly GraphQLError[], readonly kind: 'parse' | 'validation' | 'operation') {}
}

interface PreparedDocument {
  document: DocumentNode;
  failure: RequestError | null;
  operations: Map<string, PreparedOperation | RequestError>;
}

export interface OperationStoreOptions {
  apiSchema: GraphQLSchema;
  apiSchemaInternal: Schema;
  planner: QueryPlanner;
  /** Plan corrections (plan-corrections.ts): @requires with field arguments. */
  requiresArgs?: Map<string, ArgRequire[]>;
  introspection: boolean;
  /** Documents cached at most (entries; the byte budget usually binds first). Default 2000. */
  maxDocuments?: number;
  /** Size and token limits of documents. */
  limits?: Partial<DocumentLimits>;
  /** Estimated bytes of parsed, validated documents (with their prepared operations) kept. Default 24 MiB. */
  documentCacheBytes?: number;
  /** Estimated bytes of query plans kept. Default 12 MiB. */
  planCacheBytes?: number;
}

/** What the caches hold, for tests, metrics and the hostile-documents benchmark. */
export interface OperationStoreStats {
  documents: { entries: number; bytes: number; maxBytes: number };
  plans: { entries: number; bytes: number; maxBytes: number };
  failures: { entries: number; bytes: number; maxBytes: number };
  /** Documents handed to graphql-js `parse` so far. */
  parsed: number;
}

export class OperationStore {
  private readonly byText: ByteBoundedCache<string, PreparedDocument>;
  private readonly byAst = new WeakMap<DocumentNode, PreparedDocument>();
  private readonly plans: ByteBoundedCache<string, QueryPlan>;
  // Validation failures by the sha256 of their text, errors detached from the document: repeating an invalid
  // document costs a hash, and a stream of distinct ones cannot pin their text in memory.
  private readonly failures: ByteBoundedCache<string, RequestError>;
  private readonly rules: readonly ValidationRule[];
  readonly limits: DocumentLimits;
  private parsed = 0;

  constructor(private readonly opts: OperationStoreOptions) {
    const max = opts.maxDocuments ?? 2000;
    this.byText = new ByteBoundedCache(opts.documentCacheBytes ?? 24 * 1024 * 1024, max);
    this.plans = new ByteBoundedCache(opts.planCacheBytes ?? 12 * 1024 * 1024, max);
    this.failures = new ByteBoundedCache(2 * 1024 * 1024, max);
    this.limits = documentLimitsOf(opts.limits);
    this.rules = opts.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  }

  stats(): OperationStoreStats {
    const of = (c: ByteBoundedCache<string, unknown>) => ({ entries: c.size, bytes: c.bytes, maxBytes: c.maxBytes });
    return { documents: of(this.byText), plans: of(this.plans), failures: of(this.failures), parsed: this.parsed };
  }

  /** The parsed document for `query`, or the request error. Cached by query text when valid. */
  document(query: string | DocumentNode): PreparedDocument {
    if (typeof query !== 'string') {
      let d = this.byAst.get(query);
      if (!d) { d = this.validated(query); this.byAst.set(query, d); }
      return d;
    }
    const hit = this.byText.get(query);
    if (hit) return hit;
    const tooLarge = documentSizeError(query, this.limits.maxBytes);
    if (tooLarge) return failed(new RequestError([tooLarge], 'parse'));
    const hash = createHash('sha256').update(query).digest('base64');
    const knownBad = this.failures.get(hash);
    if (knownBad) return failed(knownBad);
    let doc: DocumentNode;
    this.parsed++;
    try {
      doc = parse(query, { maxTokens: this.limits.maxTokens });
    } catch (err) {
      // Not cached: keeping it would keep the text (the error's source); a parse failure is cheap to find again.
      return failed(new RequestError([parseFailure(query, err, this.limits.maxTokens)], 'parse'));
    }
    const d = this.validated(doc);
    if (d.failure) {
      this.failures.set(hash, detach(d.failure), 256 + 2 * JSON.stringify(d.failure.errors).length);
      return d;
    }
    const tokens = (doc as { tokenCount?: number }).tokenCount ?? Math.ceil(query.length / 4);
    this.byText.set(query, d, 2 * query.length + tokens * DOCUMENT_BYTES_PER_TOKEN);
    return d;
  }

  private validated(doc: DocumentNode): PreparedDocument {
    const errs = validate(this.opts.apiSchema, doc, this.rules, { maxErrors: 50 });
    const failure = errs.length
      ? new RequestError(errs.map((e) => new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { code: ErrorCode.VALIDATION_FAILED } })), 'validation')
      : null;
    return { document: doc, failure, operations: new Map() };
  }

  /** Picks the operation (cached); call plan() before executing it. */
  prepare(query: string | DocumentNode, operationName: string | undefined): PreparedOperation | RequestError {
    const d = this.document(query);
    if (d.failure) return d.failure;
    const key = operationName ?? '';
    let p = d.operations.get(key);
    if (!p) {
      p = this.prepareOperation(d.document, operationName);
      // Unknown operation names are not kept (the client picks them); known ones up to a few per document.
      if (!(p instanceof RequestError) && d.operations.size < MAX_OPERATIONS_PER_DOCUMENT) {
        d.operations.set(key, p);
        if (typeof query === 'string') this.byText.grow(query, OPERATION_BYTES_PER_CHAR * p.normalized.length);
      }
    }
    return p;
  }

  private prepareOperation(document: DocumentNode, operationName: string | undefined): PreparedOperation | RequestError {
    let operation: OperationDefinitionNode | undefined;
    let count = 0;
    const fragments: Record<string, FragmentDefinitionNode> = Object.create(null);
    for (const def of document.definitions) {
      if (def.kind === Kind.OPERATION_DEFINITION) {
        count++;
        if (operationName === undefined ? count === 1 : def.name?.value === operationName) operation = def;
      } else if (def.kind === Kind.FRAGMENT_DEFINITION) {
        fragments[def.name.value] = def;
      }
    }
    if (operationName === undefined && count > 1) {
      return new RequestError([new GraphQLError('Must provide operation name if query contains multiple operations.', { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })], 'operation');
    }
    if (!operation) {
      return new RequestError([new GraphQLError(operationName ? `Unknown operation named "${operationName}".` : 'Must provide an operation.', { extensions: { code: ErrorCode.OPERATION_RESOLUTION_FAILURE } })], 'operation');
    }
    const single: DocumentNode = { kind: Kind.DOCUMENT, definitions: [operation, ...Object.values(fragments)] };
    const normalized = print(single);
    const conditionVariables = new Set<string>();
    visit(single, {
      Directive(node) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return;
        for (const arg of node.arguments ?? []) if (arg.value.kind === Kind.VARIABLE) conditionVariables.add(arg.value.name.value);
      },
    });
    return {
      document: single,
      operation,
      operationName: operation.name?.value,
      kind: operation.operation as PreparedOperation['kind'],
      fragments,
      plan: undefined as unknown as QueryPlan,
      normalized,
      conditionVariables: [...conditionVariables],
      hasVariableDefinitions: (operation.variableDefinitions?.length ?? 0) > 0,
      shapers: new Map(),
    };
  }

  /**
   * Plans the operation (cached by its normalized text); may throw for operations the planner cannot plan.
   * `overrides`: the progressive @override labels active for this request (`key` names the set; planned and
   * cached per set). Without it (or with none active) the plan is `p.plan`, all labels off.
   */
  plan(p: PreparedOperation, overrides?: { key: string; labels: ReadonlySet<string> }): QueryPlan {
    if (overrides && overrides.labels.size > 0) {
      const cacheKey = p.normalized + '\u0000' + overrides.key;
      let plan = this.plans.get(cacheKey);
      if (!plan) {
        const op = operationFromDocument(this.opts.apiSchemaInternal, p.document, { operationName: p.operationName, validate: false });
        plan = this.corrected(this.opts.planner.buildQueryPlan(op, { overrideConditions: new Map([...overrides.labels].map((l) => [l, true])) }));
        this.plans.set(cacheKey, plan, (2 + PLAN_BYTES_PER_CHAR) * cacheKey.length);
      }
      if (!p.plan) this.plan(p);
      return plan;
    }
    if (p.plan) return p.plan;
    let plan = this.plans.get(p.normalized);
    if (!plan) {
      const op = operationFromDocument(this.opts.apiSchemaInternal, p.document, { operationName: p.operationName, validate: false });
      plan = this.corrected(this.opts.planner.buildQueryPlan(op));
      this.plans.set(p.normalized, plan, (2 + PLAN_BYTES_PER_CHAR) * p.normalized.length);
    }
    p.plan = plan;
    return plan;
  }

  private corrected(plan: QueryPlan): QueryPlan {
    return this.opts.requiresArgs?.size ? correctPlan(plan, this.opts.requiresArgs) : plan;
  }

  shaper(p: PreparedOperation, variables: Record<string, unknown>): OperationShaper {
    let key = '';
    for (const v of p.conditionVariables) key += variables[v] ? '1' : '0';
    let s = p.shapers.get(key);
    if (!s) {
      s = new OperationShaper(this.opts.apiSchema, p.operation, p.fragments, variables);
      s.rootFields(); // collects root introspection fields up front
      if (p.shapers.size < MAX_SHAPERS_PER_OPERATION) p.shapers.set(key, s);
    }
    return s;
  }
}

function failed(failure: RequestError): PreparedDocument {
  return { document: EMPTY_DOCUMENT, failure, operations: new Map() };
}

/**
 * The errors without their document: messages and locations copied (a name taken from the text may be a V8 slice
 * of it, keeping the whole text alive), no nodes or source.
 */
function detach(failure: RequestError): RequestError {
  const errors = failure.errors.map((e) => {
    const f = JSON.parse(JSON.stringify({ message: e.message, locations: e.locations, extensions: e.extensions })) as {
      message: string; locations?: SourceLocation[]; extensions: Record<string, unknown>;
    };
    const copy = new GraphQLError(f.message, { extensions: f.extensions });
    if (f.locations) (copy as { locations?: readonly SourceLocation[] }).locations = f.locations;
    return copy;
  });
  return new RequestError(errors, failure.kind);
}
