// Parses, validates and plans operations once: documents are cached by query string, query plans by the
// normalized operation (so differently formatted copies of one operation share a plan), result shapers per
// @skip/@include combination.
import {
  GraphQLError, Kind, NoSchemaIntrospectionCustomRule, parse, print, specifiedRules, validate,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLSchema, type OperationDefinitionNode,
  type ValidationRule, visit,
} from 'graphql';
import { operationFromDocument, type Schema } from '@apollo/federation-internals';
import type { QueryPlan, QueryPlanner } from '@apollo/query-planner';
import { ErrorCode, toGraphQLError } from './errors.ts';
import { OperationShaper } from './result-shaper.ts';

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

class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly max: number) { super(); }
  override set(key: K, value: V): this {
    if (this.size >= this.max && !this.has(key)) {
      const oldest = this.keys().next();
      if (!oldest.done) this.delete(oldest.value);
    }
    return super.set(key, value);
  }
}

export interface OperationStoreOptions {
  apiSchema: GraphQLSchema;
  apiSchemaInternal: Schema;
  planner: QueryPlanner;
  introspection: boolean;
  maxDocuments?: number;
  maxTokens?: number;
}

export class OperationStore {
  private readonly byText: BoundedMap<string, PreparedDocument>;
  private readonly byAst = new WeakMap<DocumentNode, PreparedDocument>();
  private readonly plans: BoundedMap<string, QueryPlan>;
  private readonly rules: readonly ValidationRule[];

  constructor(private readonly opts: OperationStoreOptions) {
    this.byText = new BoundedMap(opts.maxDocuments ?? 2000);
    this.plans = new BoundedMap(opts.maxDocuments ?? 2000);
    this.rules = opts.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  }

  /** The parsed document for `query`, or the request error. Cached by query text. */
  document(query: string | DocumentNode): PreparedDocument {
    if (typeof query !== 'string') {
      let d = this.byAst.get(query);
      if (!d) { d = this.validated(query); this.byAst.set(query, d); }
      return d;
    }
    let d = this.byText.get(query);
    if (!d) {
      let doc: DocumentNode;
      try {
        doc = parse(query, { maxTokens: this.opts.maxTokens ?? 15_000 });
      } catch (err) {
        const e = toGraphQLError(err);
        d = {
          document: { kind: Kind.DOCUMENT, definitions: [] },
          failure: new RequestError([new GraphQLError(e.message, { source: e.source, positions: e.positions, extensions: { code: ErrorCode.PARSE_FAILED } })], 'parse'),
          operations: new Map(),
        };
        this.byText.set(query, d);
        return d;
      }
      d = this.validated(doc);
      this.byText.set(query, d);
    }
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
      d.operations.set(key, p);
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

  /** Plans the operation (cached by its normalized text); may throw for operations the planner cannot plan. */
  plan(p: PreparedOperation): QueryPlan {
    if (p.plan) return p.plan;
    let plan = this.plans.get(p.normalized);
    if (!plan) {
      const op = operationFromDocument(this.opts.apiSchemaInternal, p.document, { operationName: p.operationName, validate: false });
      plan = this.opts.planner.buildQueryPlan(op);
      this.plans.set(p.normalized, plan);
    }
    p.plan = plan;
    return plan;
  }

  shaper(p: PreparedOperation, variables: Record<string, unknown>): OperationShaper {
    let key = '';
    for (const v of p.conditionVariables) key += variables[v] ? '1' : '0';
    let s = p.shapers.get(key);
    if (!s) {
      s = new OperationShaper(this.opts.apiSchema, p.operation, p.fragments, variables);
      s.rootFields(); // collects root introspection fields up front
      p.shapers.set(key, s);
    }
    return s;
  }
}
