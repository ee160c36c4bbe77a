// Demand control from the supergraph's @cost / @listSize (Apollo's cost spec, after IBM's GraphQL cost
// directives): a static estimate of an operation's cost, computed before planning. Objects cost 1 and leaves 0
// unless @cost gives the field (or its type) a weight; a list multiplies its item's cost by its size — the largest
// slicing argument given (or its default), else @listSize's assumedSize, else `listSize` — and @listSize's
// sizedFields hand that size to the named child lists (connections). Mutation root fields add 10. Fragments add
// up (an upper bound on abstract types).
//
// Arguments (as Apollo's router scores them): a field's cost is size × (weight + selection) + its arguments' cost,
// the arguments counted once, not per list item. An argument or input field given a value costs its @cost weight
// (0 without one); an input object given costs its definition's weight (1 without one) plus each field it sets;
// a list costs the weight once plus each item; null and absent arguments cost nothing. With
// requireOneSlicingArgument (the default) exactly one slicing argument must have a value, given or defaulted, else
// the operation is refused (COST_INVALID_SLICING_ARGUMENTS).
import {
  Kind, getNamedType, isCompositeType, isInputObjectType, isInterfaceType, isListType, isNonNullType, isObjectType,
  valueFromASTUntyped,
  type FragmentDefinitionNode, type GraphQLArgument, type GraphQLField, type GraphQLInputField, type GraphQLInputType,
  type GraphQLNamedType, type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import type { Supergraph } from '@apollo/federation-internals';

interface ListSize { assumedSize?: number; slicingArguments?: string[]; sizedFields?: string[]; requireOneSlicingArgument?: boolean }

export const MUTATION_ROOT_COST = 10;

/** An operation whose list field does not give exactly one of its slicing arguments (requireOneSlicingArgument). */
export class SlicingArgumentsError extends Error {
  constructor(readonly coordinate: string, readonly found: number) {
    super(`Exactly one slicing argument is required for field '${coordinate}', but found ${found}`);
  }
}

export class CostModel {
  private constructor(
    private readonly schema: GraphQLSchema,
    private readonly fieldWeight: Map<string, number>,
    private readonly typeWeight: Map<string, number>,
    private readonly listSizes: Map<string, ListSize>,
    /** `Type.field(arg:)` and `Input.field` → @cost weight. */
    private readonly inputWeight: Map<string, number>,
  ) {}

  /** The model of the supergraph's @cost / @listSize (an empty model when it uses neither: defaults only). */
  static of(supergraph: Supergraph, apiSchema: GraphQLSchema): CostModel {
    const f = supergraph.schema.coreFeatures?.getByIdentity('https://specs.apollo.dev/cost');
    const costName = f?.directiveNameInSchema('cost') ?? 'cost';
    const listSizeName = f?.directiveNameInSchema('listSize') ?? 'listSize';
    const fieldWeight = new Map<string, number>();
    const typeWeight = new Map<string, number>();
    const listSizes = new Map<string, ListSize>();
    const inputWeight = new Map<string, number>();
    const weightOf = (node: { directives?: readonly import('graphql').ConstDirectiveNode[] } | null | undefined) => {
      const d = node?.directives?.find((x) => x.name.value === costName);
      return d ? Number(valueFromASTUntyped(d.arguments!.find((a) => a.name.value === 'weight')!.value)) : undefined;
    };
    if (f) {
      const sg = supergraph.schema.toGraphQLJSSchema();
      for (const t of Object.values(sg.getTypeMap())) {
        if (t.name.startsWith('__')) continue;
        for (const d of t.astNode?.directives ?? []) {
          if (d.name.value === costName) typeWeight.set(t.name, Number(valueFromASTUntyped(d.arguments!.find((a) => a.name.value === 'weight')!.value)));
        }
        if (isInputObjectType(t)) {
          for (const field of Object.values(t.getFields())) {
            const w = weightOf(field.astNode);
            if (w !== undefined) inputWeight.set(`${t.name}.${field.name}`, w);
          }
        }
        if (!isObjectType(t) && !isInterfaceType(t)) continue;
        for (const field of Object.values(t.getFields())) {
          for (const arg of field.args) {
            const w = weightOf(arg.astNode);
            if (w !== undefined) inputWeight.set(`${t.name}.${field.name}(${arg.name}:)`, w);
          }
          for (const d of field.astNode?.directives ?? []) {
            const args = Object.fromEntries((d.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
            if (d.name.value === costName) fieldWeight.set(`${t.name}.${field.name}`, Number(args.weight));
            else if (d.name.value === listSizeName) listSizes.set(`${t.name}.${field.name}`, args as ListSize);
          }
        }
      }
    }
    return new CostModel(apiSchema, fieldWeight, typeWeight, listSizes, inputWeight);
  }

  /** The cost of one argument's or input field's value (see the top of this file). */
  private inputCost(value: unknown, weight: number | undefined, type: GraphQLInputType): number {
    if (value === null || value === undefined) return 0;
    if (Array.isArray(value)) {
      const item = isNonNullType(type) ? type.ofType : type;
      const of = isListType(item) ? item.ofType : item;
      return value.reduce((sum: number, v) => sum + this.inputCost(v, weight, of), weight ?? 0);
    }
    const named = getNamedType(type);
    if (isInputObjectType(named) && typeof value === 'object') {
      let cost = weight ?? 1;
      const fields = named.getFields();
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const def: GraphQLInputField | undefined = fields[k];
        if (def) cost += this.inputCost(v, this.inputWeight.get(`${named.name}.${k}`), def.type);
      }
      return cost;
    }
    return weight ?? 0;
  }

  /** The estimated cost of an operation with these (coerced) variables; throws SlicingArgumentsError. */
  estimate(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, variables: Record<string, unknown>, defaultListSize: number): number {
    const schema = this.schema;
    const argValue = (field: GraphQLField<unknown, unknown>, args: Map<string, unknown>, name: string): number | undefined => {
      const v = args.has(name) ? args.get(name) : field.args.find((a) => a.name === name)?.defaultValue;
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
    };
    const walk = (set: SelectionSetNode, parent: GraphQLNamedType, sized: Map<string, number> | null, seen: Set<string>): number => {
      let cost = 0;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) continue;
          const field = parent.getFields()[name];
          if (!field) continue;
          const named = getNamedType(field.type);
          const coordinate = `${parent.name}.${name}`;
          const weight = this.fieldWeight.get(coordinate) ?? this.typeWeight.get(named.name) ?? (isCompositeType(named) ? 1 : 0);
          const args = new Map<string, unknown>();
          for (const a of sel.arguments ?? []) {
            const v = a.value.kind === Kind.VARIABLE ? variables[a.value.name.value] : valueFromASTUntyped(a.value, variables);
            if (v !== undefined) args.set(a.name.value, v); // a variable not given: the argument's default applies
          }
          const ls = this.listSizes.get(coordinate);
          let size: number | undefined;
          let slicing = 0;
          for (const s of ls?.slicingArguments ?? []) { const v = argValue(field, args, s); if (v !== undefined) { slicing++; size = Math.max(size ?? 0, v); } }
          if (ls?.slicingArguments?.length && ls.requireOneSlicingArgument !== false && slicing !== 1) throw new SlicingArgumentsError(coordinate, slicing);
          size ??= ls?.assumedSize;
          let argumentsCost = 0;
          for (const [a, v] of args) {
            const def: GraphQLArgument | undefined = field.args.find((x) => x.name === a);
            if (def) argumentsCost += this.inputCost(v, this.inputWeight.get(`${coordinate}(${a}:)`), def.type);
          }
          let childSized: Map<string, number> | null = null;
          if (ls?.sizedFields?.length && size !== undefined) { childSized = new Map(ls.sizedFields.map((f) => [f, size!])); size = undefined; }
          const sub = sel.selectionSet ? walk(sel.selectionSet, named, childSized, seen) : 0;
          const lists = listDepth(field.type);
          let multiplier = 1;
          for (let i = 0; i < lists; i++) multiplier *= (i === 0 ? size ?? sized?.get(name) : undefined) ?? defaultListSize;
          cost += (weight + sub) * multiplier + argumentsCost;
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? parent : parent;
          cost += walk(sel.selectionSet, t, sized, seen);
        } else {
          const frag = fragments[sel.name.value];
          if (!frag || seen.has(sel.name.value)) continue;
          const t = schema.getType(frag.typeCondition.name.value) ?? parent;
          cost += walk(frag.selectionSet, t, sized, new Set(seen).add(sel.name.value));
        }
      }
      return cost;
    };
    const root = schema.getRootType(operation.operation);
    if (!root) return 0;
    let cost = walk(operation.selectionSet, root, null, new Set());
    if (operation.operation === 'mutation') {
      for (const sel of operation.selectionSet.selections) if (sel.kind === Kind.FIELD && sel.name.value !== '__typename') cost += MUTATION_ROOT_COST;
    }
    return cost;
  }
}

function listDepth(t: GraphQLOutputType): number {
  let n = 0;
  for (let x: GraphQLOutputType | undefined = t; x; x = isNonNullType(x) || isListType(x) ? x.ofType : undefined) if (isListType(x)) n++;
  return n;
}
