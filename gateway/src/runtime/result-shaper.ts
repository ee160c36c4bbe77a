// Turns the internal result tree into the client's response data: keeps only the selected fields in the
// operation's order, applies aliases/__typename/@skip/@include/type conditions, validates leaf values, and
// bubbles nulls per the GraphQL spec. Field collection is cached per (operation, @skip/@include values, runtime type),
// so a known operation costs one walk over the data.
import {
  GraphQLError, Kind, getNamedType, isCompositeType, isInterfaceType, isEnumType, isListType, isNonNullType,
  isObjectType, isScalarType, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType,
  type GraphQLInterfaceType, type GraphQLObjectType, type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode,
} from 'graphql';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.js';
import { ErrorCode } from './errors.ts';
import type { Overlay } from './result-data.ts';

type Obj = Record<string, any>;

const enum K { NonNull, List, Leaf, Composite }

type TypePlan =
  | { k: K.NonNull; of: TypePlan }
  | { k: K.List; of: TypePlan }
  | { k: K.Leaf; valid: (v: unknown) => boolean; name: string }
  | { k: K.Composite; sel: SelectionPlan };

const enum F { Value, Typename, Introspection }

interface FieldPlan {
  responseName: string;
  kind: F;
  type: TypePlan | null;
  /** "Parent.field", for error messages. */
  coordinate: string;
}

/** The merged selection of one or more field nodes (or the operation root) on a composite type. */
class SelectionPlan {
  private readonly byType = new Map<string, FieldPlan[]>();
  private lastType: GraphQLObjectType | GraphQLInterfaceType | null = null;
  private lastFields: FieldPlan[] | null = null;
  /** The type itself when it is an object type (no __typename needed to pick fields). */
  readonly objectType: GraphQLObjectType | null;
  constructor(
    readonly shaper: OperationShaper,
    readonly type: GraphQLCompositeType,
    readonly fieldNodes: readonly FieldNode[] | null, // null = operation root
  ) {
    this.objectType = isObjectType(type) ? type : null;
  }

  fieldsFor(obj: GraphQLObjectType | GraphQLInterfaceType): FieldPlan[] {
    if (obj === this.lastType) return this.lastFields!;
    let f = this.byType.get(obj.name);
    if (!f) { f = this.shaper.collect(this, obj); this.byType.set(obj.name, f); }
    this.lastType = obj;
    this.lastFields = f;
    return f;
  }
}

// Sentinels: BUBBLE = a null must propagate to the nearest nullable parent; ERR_NULL = null already explained by an error.
const BUBBLE = Symbol('bubble');
const ERR_NULL = Symbol('errNull');

// Integers whose String() has no exponent (Apollo tests /^-?\d+$/ on it).
const isIntegral = (v: unknown): boolean => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e21;

function leafValidator(schema: GraphQLSchema, named: ReturnType<typeof getNamedType>): (v: unknown) => boolean {
  // Same acceptance as @apollo/federation-internals isValidLeafValue.
  if (isEnumType(named)) {
    const values = new Set(named.getValues().map((v) => v.name));
    return (v) => typeof v === 'string' && values.has(v);
  }
  switch (named?.name) {
    case 'Boolean': return (v) => typeof v === 'boolean';
    case 'Int': return isIntegral;
    case 'ID': return (v) => typeof v === 'string' || isIntegral(v);
    case 'Float': return (v) => typeof v === 'number' && Number.isFinite(v);
    case 'String': return (v) => typeof v === 'string';
    default: void schema; return () => true; // custom scalars are opaque
  }
}

/** Shapes results of one operation for one combination of @skip/@include variable values. */
export class OperationShaper {
  readonly root: SelectionPlan;
  private readonly rootType: GraphQLObjectType;
  /** Root introspection fields (__schema/__type) by response name. */
  readonly introspectionFields: FieldNode[] = [];

  constructor(
    readonly schema: GraphQLSchema,
    readonly operation: OperationDefinitionNode,
    readonly fragments: Record<string, FragmentDefinitionNode>,
    /** Variables used to decide @skip/@include (only their truthiness matters to the cache key). */
    readonly variables: Record<string, unknown>,
  ) {
    const rootType = schema.getRootType(operation.operation);
    if (!rootType) throw new GraphQLError(`Schema has no ${operation.operation} type`, { extensions: { code: ErrorCode.VALIDATION_FAILED } });
    this.rootType = rootType;
    this.root = new SelectionPlan(this, rootType, null);
  }

  collect(sel: SelectionPlan, type: GraphQLObjectType | GraphQLInterfaceType): FieldPlan[] {
    // graphql-js matches fragment conditions with isSubType, which also works for an interface "runtime type".
    const obj = type as GraphQLObjectType;
    const fields = sel.fieldNodes === null
      ? collectFields(this.schema, this.fragments, this.variables, obj, this.operation.selectionSet)
      : collectSubfields(this.schema, this.fragments, this.variables, obj, sel.fieldNodes);
    const out: FieldPlan[] = [];
    for (const [responseName, nodes] of fields) {
      const name = nodes[0].name.value;
      if (name === '__typename') { out.push({ responseName, kind: F.Typename, type: null, coordinate: `${obj.name}.${name}` }); continue; }
      if (name === '__schema' || name === '__type') {
        if (sel.fieldNodes === null) this.introspectionFields.push(...nodes);
        out.push({ responseName, kind: F.Introspection, type: null, coordinate: `${obj.name}.${name}` });
        continue;
      }
      const def = obj.getFields()[name];
      if (!def) continue; // cannot happen for validated operations
      out.push({ responseName, kind: F.Value, type: this.typePlan(def.type, nodes), coordinate: `${obj.name}.${name}` });
    }
    return out;
  }

  private typePlan(t: GraphQLOutputType, nodes: readonly FieldNode[]): TypePlan {
    if (isNonNullType(t)) return { k: K.NonNull, of: this.typePlan(t.ofType, nodes) };
    if (isListType(t)) return { k: K.List, of: this.typePlan(t.ofType, nodes) };
    if (isCompositeType(t)) return { k: K.Composite, sel: new SelectionPlan(this, t, nodes) };
    return { k: K.Leaf, valid: leafValidator(this.schema, t), name: t.name };
  }

  /** Root introspection fields must be computed before shape() when the operation has any (see prepareRoot). */
  rootFields(): FieldPlan[] {
    return this.root.fieldsFor(this.rootType);
  }

  /** Builds the response data from the result tree (read through `overlay`); appends completion errors. */
  shape(input: Obj, errors: GraphQLError[], overlay: Overlay | null, introspection?: Obj): Obj | null {
    const st = new ShapeState(this.schema, errors, overlay, introspection);
    const r = st.object(this.root, input, this.rootType);
    return r === BUBBLE || r === ERR_NULL ? null : (r as Obj);
  }
}

class ShapeState {
  readonly path: (string | number)[] = [];
  private explained: { exact: Set<string>; prefixes: Set<string>; pathless: boolean } | null = null;
  constructor(readonly schema: GraphQLSchema, readonly errors: GraphQLError[], readonly ov: Overlay | null, readonly introspection?: Obj) {}

  /**
   * Runtime type of an abstract-typed value from its __typename. An interface is accepted (an @interfaceObject
   * subgraph answers with the interface name when no concrete type was needed) as is a missing __typename, like
   * Apollo; selecting __typename then nulls the object. Null (error reported) when unknown or impossible.
   */
  private runtimeType(sel: SelectionPlan, src: Obj): GraphQLObjectType | GraphQLInterfaceType | null {
    const tn = src.__typename;
    if (tn === undefined || tn === null) return sel.type as GraphQLInterfaceType;
    const t = typeof tn === 'string' ? this.schema.getType(tn) : undefined;
    const ok = t && (isObjectType(t) || isInterfaceType(t))
      && (t === sel.type || this.schema.isSubType(sel.type as Parameters<GraphQLSchema['isSubType']>[0], t));
    if (!ok) {
      // Unknown (e.g. @inaccessible) or impossible type: never leak the name.
      this.error(`Invalid __typename found for object at ${this.describe()}.`);
      return null;
    }
    return t;
  }

  object(sel: SelectionPlan, src0: Obj, knownType?: GraphQLObjectType): Obj | typeof ERR_NULL | typeof BUBBLE {
    const src = this.ov === null ? src0 : this.ov.read(src0);
    // Object types: the schema decides (subgraphs may rename root types).
    const objType = knownType ?? sel.objectType ?? this.runtimeType(sel, src);
    if (objType === null) return ERR_NULL;
    const fields = sel.fieldsFor(objType);
    const out: Obj = {};
    const path = this.path;
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      const rn = f.responseName;
      if (f.kind === F.Typename) {
        if (!isObjectType(objType)) {
          this.error(`Invalid __typename found for object at ${this.describe()}.`);
          return ERR_NULL;
        }
        out[rn] = objType.name;
        continue;
      }
      if (f.kind === F.Introspection) { out[rn] = this.introspection?.[rn] ?? null; continue; }
      let v = src[rn];
      if (v === undefined || (v !== null && typeof v === 'function')) v = null;
      path.push(rn);
      const r = this.value(f.type!, v, f);
      path.pop();
      if (r === BUBBLE) return BUBBLE;
      if (rn === '__proto__') Object.defineProperty(out, rn, { value: r === ERR_NULL ? null : r, enumerable: true, writable: true, configurable: true });
      else out[rn] = r === ERR_NULL ? null : r;
    }
    return out;
  }

  private value(t: TypePlan, v: any, f: FieldPlan): unknown {
    switch (t.k) {
      case K.NonNull: {
        const r = this.value(t.of, v, f);
        if (r === null) {
          if (!this.isExplained()) {
            const last = this.path[this.path.length - 1];
            this.error(typeof last === 'number'
              ? `Cannot return null for non-nullable array element at index ${last} of ${f.coordinate}.`
              : `Cannot return null for non-nullable field ${f.coordinate}.`);
          }
          return BUBBLE;
        }
        return r === ERR_NULL ? BUBBLE : r;
      }
      case K.Leaf:
        if (v === null) return null;
        if (t.valid(v)) return v;
        this.error(`Invalid value found for field ${f.coordinate}.`);
        return ERR_NULL;
      case K.Composite: {
        if (v === null) return null;
        if (typeof v !== 'object' || Array.isArray(v)) {
          this.error(`Invalid non-object value found for field ${f.coordinate}.`);
          return ERR_NULL;
        }
        const r = this.object(t.sel, v);
        return r === BUBBLE ? ERR_NULL : r;
      }
      case K.List: {
        if (v === null) return null;
        if (this.ov !== null) v = this.ov.read(v);
        if (!Array.isArray(v)) {
          this.error(`Invalid non-list value found for field ${f.coordinate}.`);
          return ERR_NULL;
        }
        const n = v.length;
        const out = new Array(n);
        const path = this.path;
        for (let i = 0; i < n; i++) {
          path.push(i);
          const r = this.value(t.of, v[i] === undefined ? null : v[i], f);
          path.pop();
          if (r === BUBBLE) return ERR_NULL;
          out[i] = r === ERR_NULL ? null : r;
        }
        return out;
      }
    }
  }

  private describe(): string {
    return this.path.length ? this.path.join('.') : 'the root';
  }

  private error(message: string): void {
    this.errors.push(new GraphQLError(message, { path: this.path.slice(), extensions: { code: ErrorCode.INVALID_GRAPHQL } }));
    this.explained = null;
  }

  /** Is a null at the current path explained by an error already reported (at, above or below it)? */
  private isExplained(): boolean {
    if (this.errors.length === 0) return false;
    if (!this.explained) {
      const exact = new Set<string>(), prefixes = new Set<string>();
      let pathless = false;
      for (const e of this.errors) {
        if (!e.path) { pathless = true; continue; }
        let k = '';
        for (const p of e.path) { k += '\u0000' + p; prefixes.add(k); }
        exact.add(k);
      }
      this.explained = { exact, prefixes, pathless };
    }
    const ex = this.explained;
    if (ex.pathless) return true;
    let k = '';
    for (const p of this.path) { k += '\u0000' + p; if (ex.exact.has(k)) return true; }
    return ex.prefixes.has(k);
  }
}

export { isScalarType };
