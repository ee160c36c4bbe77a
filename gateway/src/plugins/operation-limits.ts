import {
  GraphQLError, Kind, getNamedType, isCompositeType, isListType, isNonNullType, isInterfaceType, isObjectType,
  type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode,
  type SelectionSetNode, type ValueNode,
} from 'graphql';
import type { Viewer } from '@omniroute/core';
import type { DocumentEvent } from '../pipeline.ts';
import type { Counter } from './metrics.ts';

export interface OperationLimits {
  /** Deepest field nesting (root fields are depth 1). */
  maxDepth: number;
  /** Aliased fields in the whole operation. */
  maxAliases: number;
  /** Fields selected at the root. */
  maxRootFields: number;
  /** Estimated cost, see measure(). */
  maxCost: number;
}

export interface OperationMeasure {
  depth: number;
  aliases: number;
  rootFields: number;
  cost: number;
  /** Capped root fields (perRequestCaps) selected more often than their cap: `Type.field`, times selected, cap. */
  overCap: { field: string; count: number; cap: number }[];
}

export interface OperationLimitsPluginOptions {
  /** The API schema (field types tell lists and objects apart). */
  schema: () => GraphQLSchema;
  /** Cost weights by `Type.field` or by type name; default 1 per object, 0 per scalar/enum. */
  weights?: Record<string, number>;
  /** Size assumed for lists without a slicing argument. Default 10. */
  defaultListSize?: number;
  /** Arguments that size a list (`first`, `last`). */
  slicingArguments?: string[];
  /** Extra cost of each mutation root field. Default 10. */
  mutationCost?: number;
  /** Fields visited at most while measuring (fragment bombs); beyond it the operation counts as too complex. */
  maxVisits?: number;
  /**
   * Root fields a request may select at most this many times, by `Type.field`, for everyone: each one runs an
   * expensive or abuse-prone action that aliases would otherwise multiply (20 aliased `login`s were 20 scrypt runs
   * in one request). Default `{ 'Mutation.login': 1 }`.
   */
  perRequestCaps?: Record<string, number>;
  /** Hooks: limits for users (and anonymous) and partners; an app's own limits override the partner ones. */
  limits?: { user?: Partial<OperationLimits>; partner?: Partial<OperationLimits> };
  /** Hooks: the partner app limits behind a viewer (null for users). */
  appLimitsOf?: (viewer: Viewer | null) => Partial<Record<keyof OperationLimits, number | null>> | null;
  /** Counts refusals by code and caller kind (`user`, `partner`). */
  refused?: Counter;
}

export const DEFAULT_PER_REQUEST_CAPS: Readonly<Record<string, number>> = Object.freeze({ 'Mutation.login': 1 });

export const DEFAULT_USER_LIMITS: OperationLimits = { maxDepth: 12, maxAliases: 50, maxRootFields: 20, maxCost: 25_000 };
export const DEFAULT_PARTNER_LIMITS: OperationLimits = { maxDepth: 8, maxAliases: 15, maxRootFields: 5, maxCost: 5_000 };

function limitError(message: string, code: string, extra: Record<string, number | string>): GraphQLError {
  return new GraphQLError(message, { extensions: { code, ...extra, http: { status: 400 } } });
}

/**
 * Static limits on an operation before it runs: depth, aliases, root fields and an estimated cost (demand
 * control after IBM's GraphQL cost spec / Apollo's demand control: each object costs its weight, a list multiplies
 * everything below it by its size, taken from `first`/`last` — on the field itself or, for connections, on the
 * field whose `edges`/`nodes` list it sizes — or a default). Introspection fields are not counted.
 */
export function createOperationLimitsPlugin(opts: OperationLimitsPluginOptions) {
  const meter = createMeter(opts);
  const userLimits = { ...DEFAULT_USER_LIMITS, ...opts.limits?.user };
  const partnerLimits = { ...DEFAULT_PARTNER_LIMITS, ...opts.limits?.partner };
  const limitsFor = (viewer: Viewer | null): [OperationLimits, 'user' | 'partner'] => {
    const own = opts.appLimitsOf?.(viewer);
    if (!own) return [userLimits, 'user'];
    return [{
      maxDepth: own.maxDepth ?? partnerLimits.maxDepth,
      maxAliases: own.maxAliases ?? partnerLimits.maxAliases,
      maxRootFields: own.maxRootFields ?? partnerLimits.maxRootFields,
      maxCost: own.maxCost ?? partnerLimits.maxCost,
    }, 'partner'];
  };
  const errorsOf = (e: DocumentEvent): GraphQLError[] => {
    const [limits, kind] = limitsFor(e.ctx.viewer);
    const errors = meter.check(e.operation, e.fragments, e.variables, limits);
    for (const err of errors) opts.refused?.inc({ code: String(err.extensions.code), kind });
    return errors;
  };
  return {
    name: 'operation-limits',
    /**
     * Before graphql validation, on the pipeline's own parse: validating hundreds of same-named fields is quadratic
     * (500 of them: ~300 ms of event loop), so over-limit documents are refused before it. Only the first exceeded
     * limit is reported here; onValidate reports all of them.
     */
    onParsed(e: DocumentEvent): void {
      const [limits, kind] = limitsFor(e.ctx.viewer);
      const first = meter.check(e.operation, e.fragments, e.variables, limits)[0];
      if (!first) return;
      opts.refused?.inc({ code: String(first.extensions.code), kind });
      throw first;
    },
    onValidate: errorsOf,
    /** Root fields the operation selects, aliases included (the rate limit charges per root field). */
    rootFields: (e: DocumentEvent) => meter.measure(e.operation, e.fragments, e.variables).rootFields,
    ...meter,
  };
}

function createMeter(opts: OperationLimitsPluginOptions) {
  const weights = opts.weights ?? {};
  const defaultListSize = opts.defaultListSize ?? 10;
  const slicing = new Set(opts.slicingArguments ?? ['first', 'last']);
  const mutationCost = opts.mutationCost ?? 10;
  const maxVisits = opts.maxVisits ?? 50_000;
  const caps = new Map(Object.entries(opts.perRequestCaps ?? DEFAULT_PER_REQUEST_CAPS));
  // Measures of operations whose cost does not depend on variables (the document objects are cached by the runtime).
  const cached = new WeakMap<OperationDefinitionNode, OperationMeasure>();

  function measure(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, variables: Record<string, unknown>): OperationMeasure {
    const hit = cached.get(operation);
    if (hit) return hit;
    const schema = opts.schema();
    let aliases = 0;
    let depth = 0;
    let visits = 0;
    let usesVariables = false;

    const sliceOf = (args: readonly { name: { value: string }; value: ValueNode }[] | undefined): number | undefined => {
      let size: number | undefined;
      for (const a of args ?? []) {
        if (!slicing.has(a.name.value)) continue;
        let v: unknown;
        if (a.value.kind === Kind.INT) v = Number(a.value.value);
        else if (a.value.kind === Kind.VARIABLE) { usesVariables = true; v = variables[a.value.name.value]; }
        if (typeof v === 'number' && Number.isFinite(v) && v >= 0) size = Math.max(size ?? 0, v);
      }
      return size;
    };

    const fieldOf = (parent: GraphQLNamedType | undefined, name: string) =>
      parent && (isObjectType(parent) || isInterfaceType(parent)) ? parent.getFields()[name] : undefined;

    function walk(set: SelectionSetNode, parent: GraphQLNamedType | undefined, level: number, multiplier: number, pendingSize: number | undefined, path: Set<string>): number {
      let cost = 0;
      for (const sel of set.selections) {
        if (++visits > maxVisits) return Infinity;
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          if (sel.alias) aliases++;
          if (name.startsWith('__')) continue; // __typename is free; __schema/__type are introspection (own rule)
          depth = Math.max(depth, level);
          const def = fieldOf(parent, name);
          const type: GraphQLOutputType | undefined = def?.type;
          const named = type ? getNamedType(type) : undefined;
          let list = false;
          for (let t = type; t; t = isNonNullType(t) || isListType(t) ? t.ofType : undefined) if (isListType(t)) list = true;
          const slice = sliceOf(sel.arguments);
          const count = list ? (slice ?? pendingSize ?? defaultListSize) : 1;
          const composite = named ? isCompositeType(named) : !!sel.selectionSet;
          const weight = weights[`${parent?.name}.${name}`] ?? (named ? weights[named.name] : undefined) ?? (composite ? 1 : 0);
          cost += multiplier * count * weight;
          if (sel.selectionSet) cost += walk(sel.selectionSet, named, level + 1, multiplier * count, list ? undefined : slice, path);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          const t = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
          cost += walk(sel.selectionSet, t, level, multiplier, pendingSize, path);
        } else {
          const name = sel.name.value;
          const frag = fragments[name];
          if (!frag || path.has(name)) continue;
          path.add(name);
          cost += walk(frag.selectionSet, schema.getType(frag.typeCondition.name.value), level, multiplier, pendingSize, path);
          path.delete(name);
        }
      }
      return cost;
    }

    const root = schema.getRootType(operation.operation) ?? undefined;
    let cost = walk(operation.selectionSet, root, 1, 1, undefined, new Set());
    // Root fields after expanding fragments (a fragment must not hide a wide root, nor a repeated capped field).
    let rootFields = 0;
    const capped = new Map<string, number>();
    const countRoot = (set: SelectionSetNode, seen: Set<string>) => {
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          if (sel.name.value === '__typename') continue;
          rootFields++;
          const coordinate = `${root?.name}.${sel.name.value}`;
          if (caps.has(coordinate)) capped.set(coordinate, (capped.get(coordinate) ?? 0) + 1);
        }
        else if (sel.kind === Kind.INLINE_FRAGMENT) countRoot(sel.selectionSet, seen);
        else if (fragments[sel.name.value] && !seen.has(sel.name.value)) { seen.add(sel.name.value); countRoot(fragments[sel.name.value]!.selectionSet, seen); }
      }
    };
    countRoot(operation.selectionSet, new Set());
    if (operation.operation === 'mutation') cost += rootFields * mutationCost;
    if (visits > maxVisits) cost = Infinity;
    const overCap: OperationMeasure['overCap'] = [];
    for (const [field, count] of capped) if (count > caps.get(field)!) overCap.push({ field, count, cap: caps.get(field)! });
    const m = { depth, aliases, rootFields, cost, overCap };
    if (!usesVariables) cached.set(operation, m);
    return m;
  }

  return {
    measure,
    /** The limit errors of an operation (empty when within limits). */
    check(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, variables: Record<string, unknown>, limits: OperationLimits): GraphQLError[] {
      const m = measure(operation, fragments, variables);
      const errors: GraphQLError[] = [];
      for (const c of m.overCap) {
        const name = c.field.slice(c.field.indexOf('.') + 1);
        errors.push(limitError(`\`${name}\` may be selected at most ${c.cap === 1 ? 'once' : `${c.cap} times`} per request (${c.count} found); send separate requests`,
          'TOO_MANY_SENSITIVE_FIELDS', { field: c.field, count: c.count, limit: c.cap }));
      }
      if (m.depth > limits.maxDepth) errors.push(limitError(`Query depth ${m.depth} exceeds the limit of ${limits.maxDepth}`, 'QUERY_TOO_DEEP', { depth: m.depth, limit: limits.maxDepth }));
      if (m.aliases > limits.maxAliases) errors.push(limitError(`${m.aliases} aliases exceed the limit of ${limits.maxAliases}`, 'TOO_MANY_ALIASES', { aliases: m.aliases, limit: limits.maxAliases }));
      if (m.rootFields > limits.maxRootFields) errors.push(limitError(`${m.rootFields} root fields exceed the limit of ${limits.maxRootFields}`, 'TOO_MANY_ROOT_FIELDS', { rootFields: m.rootFields, limit: limits.maxRootFields }));
      if (m.cost > limits.maxCost) {
        const cost = Number.isFinite(m.cost) ? Math.round(m.cost) : -1;
        const what = cost < 0 ? 'The operation is too large to estimate; its cost' : `Estimated cost ${cost}`;
        errors.push(limitError(`${what} exceeds the limit of ${limits.maxCost}`, 'QUERY_TOO_COMPLEX', { cost, limit: limits.maxCost }));
      }
      return errors;
    },
  };
}

export type OperationLimitsPlugin = ReturnType<typeof createOperationLimitsPlugin>;
