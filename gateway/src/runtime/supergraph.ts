// Loads a Federation 2 supergraph once: API schema (graphql-js and federation-internals forms), the query planner,
// the subgraph URLs, and a subtype index used when representations and rewrites test type conditions.
import { Kind, isAbstractType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES, Supergraph, type Schema } from '@apollo/federation-internals';
import { AUTHORIZATION_FEATURES, Authorizer } from './authorization.ts';
import { CostModel } from './cost.ts';
import { requiresWithArguments, type ArgRequire } from './plan-corrections.ts';
import { QueryPlanner, type QueryPlannerConfig } from '@apollo/query-planner';

export interface LoadedSupergraph {
  apiSchema: GraphQLSchema;
  apiSchemaInternal: Schema;
  planner: QueryPlanner;
  subgraphs: Map<string, string>; // subgraph name -> URL
  types: TypeIndex;
  /** Progressive @override labels of the supergraph (`@join__field(overrideLabel:)`), e.g. `percent(5)`. */
  overrideLabels: string[];
  /** Enforces @authenticated / @requiresScopes / @policy; null when the supergraph uses none. */
  authorizer: Authorizer | null;
  /** The @cost / @listSize weights for demand control. */
  cost: CostModel;
  /** @requires with field arguments, per subgraph and field (plan-corrections.ts). */
  requiresArgs: Map<string, ArgRequire[]>;
}

/**
 * Linked features a supergraph may declare `for: EXECUTION` / `for: SECURITY`: what @apollo/gateway supports, plus
 * @context (contextual arguments: plan-executor.ts) and the authorization features (enforced by
 * authorization.ts). A supergraph using anything else is refused rather than served wrongly.
 */
const SUPPORTED_FEATURES = new Set([
  ...DEFAULT_SUPPORTED_SUPERGRAPH_FEATURES,
  'https://specs.apollo.dev/context/v0.1',
  ...AUTHORIZATION_FEATURES,
]);

export function loadSupergraph(sdl: string, plannerConfig?: QueryPlannerConfig): LoadedSupergraph {
  // Validation of the supergraph itself is composition's job; skipping it keeps start-up fast, as Apollo does in production.
  const supergraph = Supergraph.build(sdl, { validateSupergraph: false, supportedFeatures: SUPPORTED_FEATURES });
  const apiSchemaInternal = supergraph.apiSchema();
  const apiSchema = apiSchemaInternal.toGraphQLJSSchema();
  const subgraphs = new Map<string, string>();
  for (const s of supergraph.subgraphsMetadata()) subgraphs.set(s.name, s.url);
  const planner = new QueryPlanner(supergraph, plannerConfig);
  const types = new TypeIndex(supergraph.schema.toGraphQLJSSchema());
  const overrideLabels = new Set<string>();
  for (const t of Object.values(supergraph.schema.toGraphQLJSSchema().getTypeMap())) {
    if (!isObjectType(t) && !isInterfaceType(t)) continue;
    for (const f of Object.values(t.getFields())) {
      for (const d of f.astNode?.directives ?? []) {
        if (d.name.value !== 'join__field') continue;
        const arg = d.arguments?.find((a) => a.name.value === 'overrideLabel');
        if (arg?.value.kind === Kind.STRING) overrideLabels.add(arg.value.value);
      }
    }
  }
  return { apiSchema, apiSchemaInternal, planner, subgraphs, types, overrideLabels: [...overrideLabels].sort(), authorizer: Authorizer.of(supergraph, apiSchema), cost: CostModel.of(supergraph, apiSchema), requiresArgs: requiresWithArguments(supergraph.schema.toGraphQLJSSchema()) };
}

/** `percent(n)` labels: the share (0–100) of requests in which the override is active; null for other labels. */
export function percentOfLabel(label: string): number | null {
  const m = /^percent\((\d+(?:\.\d+)?)\)$/.exec(label);
  return m ? Math.min(100, Number(m[1])) : null;
}

/**
 * Answers "is an object with this __typename of type condition C" against the supergraph schema (not the API
 * schema: `requires` and rewrites may name @inaccessible types). Mirrors @apollo/gateway's isObjectOfType.
 */
export class TypeIndex {
  private readonly cache = new Map<string, Set<string> | null>();
  constructor(private readonly schema: GraphQLSchema) {}

  isAbstract(name: string): boolean {
    const t = this.schema.getType(name);
    return !!t && isAbstractType(t);
  }

  matches(typename: unknown, condition: string, defaultWhenUnknown = false): boolean {
    if (typeof typename !== 'string' || typename === '') return defaultWhenUnknown;
    if (typename === condition) return true;
    let set = this.cache.get(condition);
    if (set === undefined) {
      set = null;
      const cond = this.schema.getType(condition);
      if (cond && isAbstractType(cond)) {
        set = new Set<string>();
        for (const t of Object.values(this.schema.getTypeMap())) {
          if ((isObjectType(t) || isInterfaceType(t)) && this.schema.isSubType(cond, t)) set.add(t.name);
        }
      }
      this.cache.set(condition, set);
    }
    return set !== null && set.has(typename);
  }
}
