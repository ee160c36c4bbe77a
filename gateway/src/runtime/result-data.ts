// Helpers over the gateway's internal result tree (plain JSON objects from subgraphs): merging fetched data,
// walking Flatten paths, building entity representations from `requires`, and applying plan data rewrites.
import type { FetchDataRewrite, QueryPlanSelectionNode, ResponsePath } from '@apollo/query-planner';
import type { TypeIndex } from './supergraph.ts';

type Obj = Record<string, any>;

function setOwn(target: Obj, key: string, value: unknown): void {
  // JSON.parse creates "__proto__" as an own key; plain assignment would change the prototype instead.
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge of `source` into `target`, in place (for private objects). */
export function mergePlain(target: Obj, source: Obj | null | undefined): Obj {
  if (source == null) return target;
  for (const key in source) {
    const sv = source[key];
    if (sv === undefined) continue;
    const tv = target[key];
    if (tv && isObj(sv) && Object.hasOwn(target, key)) {
      if (isObj(tv)) mergePlain(tv, sv);
      else setOwn(target, key, sv);
    } else if (Array.isArray(sv) && Array.isArray(tv) && sv.length === tv.length && Object.hasOwn(target, key)) {
      for (let i = 0; i < sv.length; i++) {
        const a = tv[i], b = sv[i];
        if (isObj(a) && isObj(b)) mergePlain(a, b);
        else tv[i] = b;
      }
    } else {
      setOwn(target, key, sv);
    }
  }
  return target;
}

/** Deep copy of JSON data. */
export function cloneJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneJson(v[i]);
    return out as T;
  }
  const out: Obj = {};
  for (const k in v as Obj) setOwn(out, k, cloneJson((v as Obj)[k]));
  return out as T;
}

/**
 * Copy-on-write view of one request's result tree. Subgraph responses are parsed once and shared, read-only, by
 * every request whose identical fetches were merged; a request never mutates them. Merging fetched data into a
 * shared object makes a private shallow copy that `read` returns from then on.
 */
export class Overlay {
  private readonly copies = new Map<object, any>();

  /** Registers an object created by this request (mutable in place). */
  own<T extends object>(o: T): T {
    this.copies.set(o, o);
    return o;
  }

  /** The request's current version of a value from the tree (itself unless it was written to). */
  read<T>(o: T): T {
    if (typeof o !== 'object' || o === null) return o;
    const c = this.copies.get(o);
    return c === undefined ? o : c;
  }

  private writable(o: Obj): Obj {
    let c = this.copies.get(o);
    if (c === undefined) {
      if (Array.isArray(o)) c = o.slice();
      else { c = {}; for (const k in o) setOwn(c, k, o[k]); }
      this.copies.set(o, c);
      this.copies.set(c, c);
    }
    return c;
  }

  /** Deep merge of `source` into `target` (@apollo/gateway's deepMerge semantics), copy-on-write. */
  merge(target: Obj, source: Obj | null | undefined): void {
    if (source == null) return;
    const t = this.writable(target);
    for (const key in source) {
      const sv = source[key];
      if (sv === undefined) continue;
      const tv = t[key];
      if (tv && isObj(sv) && Object.hasOwn(t, key)) {
        if (isObj(tv)) this.merge(tv, sv);
        else setOwn(t, key, sv);
      } else if (Array.isArray(sv) && Array.isArray(tv) && Object.hasOwn(t, key)) {
        const cur = this.read(tv);
        if (cur.length !== sv.length) { setOwn(t, key, sv); continue; }
        for (let i = 0; i < sv.length; i++) {
          const a = cur[i], b = sv[i];
          if (isObj(a) && isObj(b)) this.merge(a, b);
          else this.writable(tv)[i] = b;
        }
      } else {
        setOwn(t, key, sv);
      }
    }
  }

  /** Plain deep copy of the current view (for callers outside the runtime). */
  materialize(v: unknown): unknown {
    const x = this.read(v);
    if (typeof x !== 'object' || x === null) return x;
    if (Array.isArray(x)) return x.map((e) => this.materialize(e));
    const out: Obj = {};
    for (const k in x as Obj) setOwn(out, k, this.materialize((x as Obj)[k]));
    return out;
  }
}

/**
 * Collects the non-null objects found at `path` ('@' = every list element), in document order. Returns the
 * objects as they are in the tree (overlay keys); read them through the overlay.
 */
export function collectAtPath(ov: Overlay, root: unknown, path: ResponsePath, out: Obj[]): Obj[] {
  walk(ov, root, path, 0, out);
  return out;
}

function walk(ov: Overlay, value: unknown, path: ResponsePath, i: number, out: Obj[]): void {
  if (value == null) return;
  if (i === path.length) {
    if (Array.isArray(value)) { for (const v of ov.read(value)) walk(ov, v, path, i, out); return; }
    if (typeof value === 'object') out.push(value as Obj);
    return;
  }
  const head = path[i];
  const cur = ov.read(value);
  if (Array.isArray(cur)) {
    // '@' steps into the list; a field name on a list applies to every element (as Apollo's path hydration does).
    const next = head === '@' ? i + 1 : i;
    for (const v of cur) walk(ov, v, path, next, out);
    return;
  }
  if (head === '@') return;
  if (typeof cur === 'object') walk(ov, (cur as Obj)[head as string], path, i + 1, out);
}

/**
 * The objects collectAtPath returns, each with the objects above it on its response path (outermost first, the
 * root included, the object itself last; lists are not objects): what @fromContext's `..` steps climb.
 */
export function collectAncestors(ov: Overlay, root: unknown, path: ResponsePath): Obj[][] {
  const out: Obj[][] = [];
  const chain: Obj[] = [];
  const rec = (value: unknown, i: number): void => {
    if (value == null) return;
    const v0 = ov.read(value);
    if (Array.isArray(v0)) {
      const next = i < path.length && path[i] === '@' ? i + 1 : i;
      for (const v of v0) rec(v, next);
      return;
    }
    if (typeof v0 !== 'object') return;
    if (i === path.length) { out.push([...chain, value as Obj]); return; }
    const head = path[i];
    if (head === '@') return;
    chain.push(value as Obj);
    rec((v0 as Obj)[head as string], i + 1);
    chain.pop();
  };
  rec(root, 0);
  return out;
}

/** Concrete response paths of the objects collectAtPath returns, in the same order (for error paths). */
export function hydratedPaths(ov: Overlay, root: unknown, path: ResponsePath): (string | number)[][] {
  const out: (string | number)[][] = [];
  const cur: (string | number)[] = [];
  const rec = (value: unknown, i: number): void => {
    if (value == null) return;
    const v0 = ov.read(value);
    if (i === path.length) {
      if (Array.isArray(v0)) { v0.forEach((v, j) => { cur.push(j); rec(v, i); cur.pop(); }); return; }
      if (typeof v0 === 'object') out.push(cur.slice());
      return;
    }
    const head = path[i];
    if (Array.isArray(v0)) {
      const next = head === '@' ? i + 1 : i;
      v0.forEach((v, j) => { cur.push(j); rec(v, next); cur.pop(); });
      return;
    }
    if (head === '@') return;
    if (typeof v0 === 'object') { cur.push(head); rec((v0 as Obj)[head as string], i + 1); cur.pop(); }
  };
  rec(root, 0);
  return out;
}

export type Read = <T>(v: T) => T;
export type RepresentationBuilder = (entity: Obj, read: Read) => Obj | null;

const protoKeys = new Set(Object.getOwnPropertyNames(Object.prototype));

/**
 * Compiles a fetch's `requires` selection into a function that extracts the representation of an entity.
 * Returns null when a required field is missing (the entity is skipped, like Apollo's executeSelectionSet).
 */
export function compileRequires(selections: readonly QueryPlanSelectionNode[], types: TypeIndex): RepresentationBuilder {
  type Step = (src: Obj, out: Obj, rd: Read) => boolean;
  const compileSet = (sels: readonly QueryPlanSelectionNode[]): ((src: Obj | null, rd: Read) => Obj | null) => {
    const steps: Step[] = sels.map((sel): Step => {
      if (sel.kind === 'Field') {
        const name = sel.alias ?? sel.name;
        const needsOwn = protoKeys.has(name) || name === '__proto__';
        const sub = sel.selections ? compileSet(sel.selections) : null;
        return (src, out, rd) => {
          const v = rd(needsOwn ? (Object.hasOwn(src, name) ? src[name] : undefined) : src[name]);
          if (v === undefined) return false;
          if (sub === null || v === null) setOwn(out, name, v);
          else if (Array.isArray(v)) setOwn(out, name, v.map((x) => (isObj(x) ? sub(rd(x), rd) : x)));
          else setOwn(out, name, sub(v, rd));
          return true;
        };
      }
      const cond = sel.typeCondition;
      const sub = compileSet(sel.selections);
      return (src, out, rd) => {
        if (cond === undefined || types.matches(src.__typename, cond)) {
          const r = sub(src, rd);
          if (r !== null) mergePlain(out, r);
        }
        return true;
      };
    });
    return (src, rd) => {
      if (src === null) return null;
      const out: Obj = {};
      for (let i = 0; i < steps.length; i++) if (!steps[i](src, out, rd)) return null;
      return out;
    };
  };
  const build = compileSet(selections);
  return (entity, rd) => build(rd(entity), rd);
}

/** Applies plan input/output rewrites (ValueSetter / KeyRenamer) to `value` (mutates). */
export function applyRewrites(types: TypeIndex, rewrites: readonly FetchDataRewrite[] | undefined, value: Obj): void {
  if (!rewrites) return;
  for (const rw of rewrites) {
    if (rw.path.length === 0) continue;
    const parent = rw.path.slice(0, -1);
    const last = rw.path[rw.path.length - 1];
    applyAt(types, parent, 0, value, (obj) => {
      if (rw.kind === 'ValueSetter') setOwn(obj, last, rw.setValueTo);
      else if (Object.hasOwn(obj, last) && obj[last] !== undefined) {
        setOwn(obj, rw.renameKeyTo, obj[last]);
        obj[last] = undefined;
      }
    });
  }
}

const FRAGMENT_PREFIX = '... on ';

function applyAt(types: TypeIndex, path: readonly string[], i: number, value: unknown, fn: (o: Obj) => void): void {
  if (Array.isArray(value)) { for (const v of value) applyAt(types, path, i, v, fn); return; }
  if (!isObj(value)) return;
  if (i === path.length) { fn(value); return; }
  const el = path[i];
  if (el.startsWith(FRAGMENT_PREFIX)) {
    // Objects without __typename still get the rewrite (as in @apollo/gateway).
    if (types.matches(value.__typename, el.slice(FRAGMENT_PREFIX.length), true)) applyAt(types, path, i + 1, value, fn);
  } else {
    applyAt(types, path, i + 1, Object.hasOwn(value, el) ? value[el] : undefined, fn);
  }
}

export type RepresentationSerializer = (entity: Obj, read: Read) => string | null;

/**
 * Fast path for the usual `requires` shape — one inline fragment per (object) type, made of plain fields —
 * producing the representation's JSON text directly (it is also the deduplication key). Returns null when the
 * shape is not eligible; callers then build objects with compileRequires and JSON.stringify them.
 */
export function compileRepresentationJson(selections: readonly QueryPlanSelectionNode[], types: TypeIndex): RepresentationSerializer | null {
  if (selections.length === 0) return null;
  const fragments: { cond: string; fields: (src: Obj, rd: Read) => string | null }[] = [];
  for (const sel of selections) {
    if (sel.kind !== 'InlineFragment' || !sel.typeCondition) return null;
    if (selections.length > 1 && types.isAbstract(sel.typeCondition)) return null; // several fragments could match
    const first = sel.selections[0];
    if (!first || first.kind !== 'Field' || first.name !== '__typename' || first.alias) return null;
    const fields = compileFieldsJson(sel.selections);
    if (!fields) return null;
    fragments.push({ cond: sel.typeCondition, fields });
  }
  if (new Set(fragments.map((f) => f.cond)).size !== fragments.length) return null;
  if (fragments.length === 1) {
    const { cond, fields } = fragments[0];
    return (entity, rd) => {
      const e = rd(entity);
      const tn = e.__typename;
      return tn === cond || types.matches(tn, cond) ? fields(e, rd) : null;
    };
  }
  return (entity, rd) => {
    const e = rd(entity);
    const tn = e.__typename;
    for (const f of fragments) if (tn === f.cond || types.matches(tn, f.cond)) return f.fields(e, rd);
    return null;
  };
}

/** `{"a":…,"b":…}` for plain field selections; null when a field is missing (or the shape is not eligible). */
function compileFieldsJson(sels: readonly QueryPlanSelectionNode[]): ((src: Obj, rd: Read) => string | null) | null {
  type Fn = (src: Obj, rd: Read) => string | null;
  const parts: { prefix: string; name: string; sub: Fn | null }[] = [];
  for (const sel of sels) {
    if (sel.kind !== 'Field') return null;
    const name = sel.alias ?? sel.name;
    if (protoKeys.has(name) || name === '__proto__') return null;
    let sub: Fn | null = null;
    if (sel.selections) {
      sub = compileFieldsJson(sel.selections);
      if (!sub) return null;
    }
    parts.push({ prefix: (parts.length ? ',' : '{') + JSON.stringify(name) + ':', name, sub });
  }
  if (parts.length === 0) return null;
  const nested = (sub: Fn, v0: unknown, rd: Read): string => {
    if (v0 === null) return 'null';
    const v = rd(v0);
    if (Array.isArray(v)) {
      let out = '[';
      for (let i = 0; i < v.length; i++) {
        const x = rd(v[i]);
        out += (i ? ',' : '') + (isObj(x) ? sub(x, rd) ?? 'null' : JSON.stringify(x ?? null));
      }
      return out + ']';
    }
    // A missing nested field nulls that value only (as Apollo's executeSelectionSet does).
    return isObj(v) ? sub(v, rd) ?? 'null' : JSON.stringify(v);
  };
  return (src, rd) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const v = src[p.name];
      if (v === undefined) return null;
      out += p.prefix + (p.sub === null ? JSON.stringify(v) : nested(p.sub, v, rd));
    }
    return out + '}';
  };
}

/**
 * Fastest path: `requires` is one inline fragment of leaf fields starting with __typename (`... on Product {
 * __typename upc }`). Representations are then deduplicated by their field values (a trie of Maps), without
 * building a string per entity; the JSON text is built only for new representations.
 */
export interface LeafRepresentation {
  cond: string;
  /** Field names in order, "__typename" first. */
  names: string[];
  /** JSON prefixes: `{"__typename":`, `,"upc":`, … */
  prefixes: string[];
}

export function compileLeafRepresentation(selections: readonly QueryPlanSelectionNode[]): LeafRepresentation | null {
  if (selections.length !== 1) return null;
  const frag = selections[0];
  if (frag.kind !== 'InlineFragment' || !frag.typeCondition) return null;
  const names: string[] = [];
  for (const f of frag.selections) {
    if (f.kind !== 'Field' || f.selections) return null;
    const name = f.alias ?? f.name;
    if (protoKeys.has(name) || name === '__proto__') return null;
    names.push(name);
  }
  if (names[0] !== '__typename' || new Set(names).size !== names.length) return null;
  return { cond: frag.typeCondition, names, prefixes: names.map((n, i) => (i ? ',' : '{') + JSON.stringify(n) + ':') };
}
