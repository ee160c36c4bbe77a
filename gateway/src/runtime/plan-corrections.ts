// Corrections of @apollo/query-planner plans the planner gets wrong (gateway/test/conformance records them).
//
// @requires selecting a field with arguments: when two fetches require one field with different arguments
// (`price(currency: "EUR")` and `price(currency: "USD")`), Apollo's planner 2.14 selects it once, with the first
// argument set, and hands that value to every fetch. Corrected here: for each entity fetch whose supergraph
// `@requires` has fields with arguments, the fetch that produced the entity also selects each such field under an
// alias of its own (`__req_<n>: price(currency: "USD")`), and the entity fetch reads the alias, renamed back
// (`inputRewrites` KeyRenamer) in its representation. Plans without such requires are returned as they are.
import {
  Kind, parse, print, type DocumentNode, type FieldNode, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
  isEnumType, isInterfaceType, isObjectType,
} from 'graphql';
import type { FetchNode, PlanNode, QueryPlan, QueryPlanSelectionNode } from '@apollo/query-planner';

export interface ArgRequire { field: string; printed: string; node: FieldNode }

/** Per subgraph and `Type.field`, the top-level fields with arguments of its @requires. */
export function requiresWithArguments(supergraph: GraphQLSchema): Map<string, ArgRequire[]> {
  const graphs = new Map<string, string>();
  const graphEnum = supergraph.getType('join__Graph');
  for (const v of isEnumType(graphEnum) ? graphEnum.getValues() : []) {
    const d = v.astNode?.directives?.find((x) => x.name.value === 'join__graph');
    const arg = d?.arguments?.find((a) => a.name.value === 'name')?.value;
    const name = arg?.kind === Kind.STRING ? arg.value : undefined;
    if (name) graphs.set(v.name, name);
  }
  const out = new Map<string, ArgRequire[]>();
  for (const t of Object.values(supergraph.getTypeMap())) {
    if (!isObjectType(t) && !isInterfaceType(t)) continue;
    for (const f of Object.values(t.getFields())) {
      for (const d of f.astNode?.directives ?? []) {
        if (d.name.value !== 'join__field') continue;
        const graph = d.arguments?.find((a) => a.name.value === 'graph')?.value;
        const requires = d.arguments?.find((a) => a.name.value === 'requires')?.value;
        if (graph?.kind !== Kind.ENUM || requires?.kind !== Kind.STRING || !requires.value.includes('(')) continue;
        const set = (parse(`{ ${requires.value} }`).definitions[0] as OperationDefinitionNode).selectionSet;
        const withArgs = set.selections.filter((s): s is FieldNode => s.kind === Kind.FIELD && (s.arguments?.length ?? 0) > 0 && !s.selectionSet);
        if (withArgs.length) out.set(`${graphs.get(graph.value)}\u0000${t.name}.${f.name}`, withArgs.map((n) => ({ field: n.name.value, printed: print(n), node: n })));
      }
    }
  }
  return out;
}

interface Located { fetch: FetchNode; path: (string | number)[] }

/** The plan with @requires-with-arguments corrected (a new plan object when something changed). */
export function correctPlan(plan: QueryPlan, requires: Map<string, ArgRequire[]>): QueryPlan {
  if (requires.size === 0 || !plan.node) return plan;
  const fetches: Located[] = [];
  const walk = (n: PlanNode | undefined, path: (string | number)[]) => {
    if (!n) return;
    if (n.kind === 'Fetch') fetches.push({ fetch: n, path });
    else if (n.kind === 'Flatten') walk(n.node, n.path as (string | number)[]);
    else if (n.kind === 'Sequence' || n.kind === 'Parallel') for (const c of n.nodes) walk(c, path);
    else if (n.kind === 'Condition') { walk(n.ifClause, path); walk(n.elseClause, path); }
  };
  if (plan.node.kind === 'Subscription') return plan;
  walk(plan.node, []);
  const docs = new Map<FetchNode, DocumentNode>();
  const docOf = (f: FetchNode) => { let d = docs.get(f); if (!d) { d = parse(f.operation); docs.set(f, d); } return d; };
  const changed = new Map<FetchNode, FetchNode>();
  let aliasN = 0;
  for (let i = 0; i < fetches.length; i++) {
    const { fetch: f, path } = fetches[i]!;
    if (!f.requires) continue;
    const entitySel = entityFragments(docOf(f));
    const needed: { type: string; req: ArgRequire }[] = [];
    for (const [type, set] of entitySel) {
      for (const s of set.selections) if (s.kind === Kind.FIELD) for (const req of requires.get(`${f.serviceName}\u0000${type}.${s.name.value}`) ?? []) needed.push({ type, req });
    }
    if (!needed.length) continue;
    let requiresSel: QueryPlanSelectionNode[] = JSON.parse(JSON.stringify(f.requires));
    const rewrites = [...(f.inputRewrites ?? [])];
    for (const { type, req } of needed) {
      // the producer: the latest earlier fetch whose selection reaches this position and selects the field
      for (let j = i - 1; j >= 0; j--) {
        const p = fetches[j]!;
        const target = selectionAt(docOf(p.fetch), !!p.fetch.requires, p.fetch.requires ? p.path : [], path, type);
        if (!target || !target.selections.some((s) => s.kind === Kind.FIELD && s.name.value === req.field)) continue;
        const alias = `__req_${aliasN++}`;
        (target.selections as unknown as FieldNode[]).push({ ...req.node, alias: { kind: Kind.NAME, value: alias } });
        changed.set(p.fetch, p.fetch);
        requiresSel = requiresSel.map((r) => (r.kind === 'InlineFragment' && r.typeCondition === type
          ? { ...r, selections: r.selections.map((x) => (x.kind === 'Field' && x.name === req.field && !x.selections ? { ...x, name: alias } : x)) }
          : r));
        rewrites.push({ kind: 'KeyRenamer', path: [`... on ${type}`, alias], renameKeyTo: req.field });
        break;
      }
    }
    changed.set(f, Object.assign(f, { requires: requiresSel, inputRewrites: rewrites }));
  }
  if (changed.size === 0) return plan;
  for (const f of changed.keys()) if (docs.has(f)) { f.operation = print(docs.get(f)!); f.operationDocumentNode = undefined; }
  return plan;
}

/** `_entities { ... on T { … } }` selection sets of an entity fetch, by type. */
function entityFragments(doc: DocumentNode): [string, SelectionSetNode][] {
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const ent = op?.selectionSet.selections.find((s): s is FieldNode => s.kind === Kind.FIELD && s.name.value === '_entities');
  const out: [string, SelectionSetNode][] = [];
  for (const s of ent?.selectionSet?.selections ?? []) if (s.kind === Kind.INLINE_FRAGMENT && s.typeCondition) out.push([s.typeCondition.name.value, s.selectionSet]);
  return out;
}

/**
 * In a fetch's operation (root fetch at [], entity fetch at `base`), the selection set that produces objects of
 * `type` at response path `path` ('@' for list positions), descending through inline fragments; null if none.
 */
function selectionAt(doc: DocumentNode, isEntity: boolean, base: (string | number)[], path: (string | number)[], type: string): SelectionSetNode | null {
  const rel = path.filter((p) => p !== '@');
  const b = base.filter((p) => p !== '@');
  if (b.length > rel.length || b.some((p, k) => rel[k] !== p)) return null;
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!op) return null;
  let sets: SelectionSetNode[] = isEntity ? entityFragments(doc).map(([, s]) => s) : [op.selectionSet];
  for (const key of rel.slice(b.length)) {
    const next: SelectionSetNode[] = [];
    const visit = (set: SelectionSetNode) => {
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD && (s.alias?.value ?? s.name.value) === key && s.selectionSet) next.push(s.selectionSet);
        else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet);
      }
    };
    sets.forEach(visit);
    if (!next.length) return null;
    sets = next;
  }
  for (const set of sets) {
    if (set.selections.some((s) => s.kind === Kind.FIELD)) return set;
    for (const s of set.selections) if (s.kind === Kind.INLINE_FRAGMENT && s.typeCondition?.name.value === type) return s.selectionSet;
  }
  return null;
}
