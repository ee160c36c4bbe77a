import {
  GraphQLError, Kind, getNamedType, isAbstractType, isInterfaceType, isListType, isNonNullType, isObjectType, parse, valueFromASTUntyped,
  type ConstDirectiveNode, type DocumentNode, type FragmentDefinitionNode, type GraphQLFormattedError, type GraphQLNamedType,
  type GraphQLOutputType, type GraphQLSchema, type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import { ROLE_SCOPES, type Viewer } from '@omniroute/core';
import type { ExecutionResult } from 'graphql';
import type { DocumentEvent } from '../pipeline.ts';
import type { GatewayContext } from '../upstream.ts';

/** A field's or type's access rule from the supergraph: `@authenticated` and/or `@requiresScopes` (OR of ANDs). */
interface Rule { authenticated: boolean; scopes: string[][][] }

/** A field the viewer may not see: where it is in the response and why. */
export interface Denial {
  segments: { key: string; type: GraphQLOutputType }[];
  coordinate: string;
  code: 'FORBIDDEN' | 'UNAUTHENTICATED';
  message: string;
}

export interface FieldAuthPluginOptions {
  supergraphSdl: string;
  /** The API schema the operations are validated against. */
  schema: () => GraphQLSchema;
  /**
   * Scopes users' roles imply (tokens of users carry roles, not scopes). API keys get only the scopes granted to
   * them. Default: ROLE_SCOPES of @omniroute/core, the table the subgraphs' policies use too — override it only
   * in tests, or the gateway and the subgraphs disagree.
   */
  roleScopes?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The supergraph as the runtime can load it today: @apollo/federation-internals' default feature set (what stock
 * @apollo/gateway accepts) refuses `for: SECURITY` links it does not enforce itself — authenticated and
 * requiresScopes are "router only". This gateway enforces them in this plugin, so their links are handed to the
 * runtime without the purpose. (The runtime now loads these links itself and can enforce them, runtime/authorization.ts;
 * the gateway tells it not to, `authorizationDirectives: 'ignore'`, since this plugin does.)
 */
export function supergraphForRuntime(sdl: string): string {
  return sdl.replace(/(@link\(\s*url:\s*"https:\/\/specs\.apollo\.dev\/(?:authenticated|requiresScopes)\/v[\d.]+")\s*,\s*for:\s*SECURITY\s*\)/g, '$1)');
}

/** Directive names as the supergraph imports them (a `@link(..., as:)` may rename them). */
function directiveNames(doc: DocumentNode): { authenticated: string; requiresScopes: string } {
  const names = { authenticated: 'authenticated', requiresScopes: 'requiresScopes' };
  for (const def of doc.definitions) {
    if (def.kind !== Kind.SCHEMA_DEFINITION && def.kind !== Kind.SCHEMA_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value !== 'link') continue;
      const args = Object.fromEntries((d.arguments ?? []).map((a) => [a.name.value, valueFromASTUntyped(a.value)]));
      const url = String(args.url ?? '');
      if (typeof args.as !== 'string') continue;
      if (url.includes('/authenticated/')) names.authenticated = args.as;
      if (url.includes('/requiresScopes/')) names.requiresScopes = args.as;
    }
  }
  return names;
}

/** Reads the access rules of every field and type out of the supergraph SDL. */
export function accessRules(supergraphSdl: string): { fields: Map<string, Rule>; types: Map<string, Rule> } {
  const doc = parse(supergraphSdl, { noLocation: true });
  const names = directiveNames(doc);
  const ruleOf = (directives: readonly ConstDirectiveNode[] | undefined): Rule | null => {
    let rule: Rule | null = null;
    for (const d of directives ?? []) {
      if (d.name.value === names.authenticated) (rule ??= { authenticated: false, scopes: [] }).authenticated = true;
      if (d.name.value === names.requiresScopes) {
        const arg = d.arguments?.find((a) => a.name.value === 'scopes');
        const value = arg ? valueFromASTUntyped(arg.value) : null;
        if (Array.isArray(value)) (rule ??= { authenticated: false, scopes: [] }).scopes.push(value.map((and) => (Array.isArray(and) ? and.map(String) : [String(and)])));
      }
    }
    return rule;
  };
  const fields = new Map<string, Rule>();
  const types = new Map<string, Rule>();
  for (const def of doc.definitions) {
    if (!('name' in def) || !def.name || !('directives' in def)) continue;
    const typeName = def.name.value;
    const typeRule = ruleOf(def.directives as readonly ConstDirectiveNode[] | undefined);
    if (typeRule) types.set(typeName, typeRule);
    if ('fields' in def && def.fields && (def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.INTERFACE_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION || def.kind === Kind.INTERFACE_TYPE_EXTENSION)) {
      for (const f of def.fields) {
        const r = ruleOf(f.directives);
        if (r) fields.set(`${typeName}.${f.name.value}`, r);
      }
    }
  }
  return { fields, types };
}

/**
 * Field authorization at the gateway: `@authenticated` and `@requiresScopes` from the subgraphs' SDL (composed
 * into the supergraph). A field the viewer may not see is answered with null and an error (FORBIDDEN, or
 * UNAUTHENTICATED for anonymous callers) at its path; the rest of the response stays intact, like Apollo Router's
 * authorization directives.
 */
export function createFieldAuthPlugin(opts: FieldAuthPluginOptions) {
  const access = createFieldAccess(opts);
  // The denials of each operation whose response is nulled field by field (its context's).
  const pending = new WeakMap<GatewayContext, Denial[]>();
  return {
    name: 'field-auth',
    /**
     * Denied fields of an HTTP query or mutation are nulled in its response, those below the root of a graphql-ws or
     * SSE subscription in each event. A denied subscription root field would stream nothing but errors: refused as
     * a whole, as is any denial of an in-process execution (nothing there could null it).
     */
    onValidate(e: DocumentEvent): GraphQLError[] | void {
      const denials = access.denials(e.operation, e.fragments, e.ctx.viewer);
      if (!denials.length) return;
      const subscription = e.operation.operation === 'subscription';
      const streamed = e.transport === 'ws' || e.transport === 'sse';
      const nullable = subscription ? streamed && denials.every((d) => d.segments.length > 1) : e.transport === 'http';
      if (!nullable) return [access.refusal(denials)];
      pending.set(e.ctx, denials);
    },
    /** The result shaper's step: denied fields null, one FORBIDDEN (or UNAUTHENTICATED) error at each. */
    onResult(e: { ctx: GatewayContext; result: ExecutionResult }): ExecutionResult | void {
      const denials = pending.get(e.ctx);
      if (denials) return access.redact(e.result as Parameters<typeof access.redact>[0], denials) as ExecutionResult;
    },
    ...access,
  };
}

function createFieldAccess(opts: FieldAuthPluginOptions) {
  const rules = accessRules(opts.supergraphSdl);
  const roleScopes = opts.roleScopes ?? ROLE_SCOPES;
  const enabled = rules.fields.size > 0 || rules.types.size > 0;
  const cache = new WeakMap<OperationDefinitionNode, Map<string, Denial[]>>();

  function scopesOf(viewer: Viewer | null): Set<string> {
    const s = new Set(viewer?.scopes ?? []);
    // API keys (partnerId) get exactly what was granted; users get what their roles imply.
    if (viewer && !viewer.partnerId) for (const r of viewer.roles) for (const x of roleScopes[r] ?? []) s.add(x);
    return s;
  }

  function allowed(rule: Rule, viewer: Viewer | null, scopes: Set<string>): boolean {
    if ((rule.authenticated || rule.scopes.length) && !viewer) return false;
    if (scopes.has('*')) return true;
    return rule.scopes.every((anyOf) => anyOf.some((allOf) => allOf.every((x) => scopes.has(x))));
  }

  function rulesFor(schema: GraphQLSchema, parent: GraphQLNamedType, field: string, returns: GraphQLNamedType): Rule[] {
    const out: Rule[] = [];
    const add = (r: Rule | undefined) => { if (r) out.push(r); };
    add(rules.fields.get(`${parent.name}.${field}`));
    // Through an interface or union, any implementation's rule applies (conservative).
    if (isAbstractType(parent)) for (const t of schema.getPossibleTypes(parent)) add(rules.fields.get(`${t.name}.${field}`));
    add(rules.types.get(returns.name));
    if (isAbstractType(returns)) for (const t of schema.getPossibleTypes(returns)) add(rules.types.get(t.name));
    return out;
  }

  function analyse(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, viewer: Viewer | null): Denial[] {
    const schema = opts.schema();
    const scopes = scopesOf(viewer);
    const denials = new Map<string, Denial>();
    let visits = 0;
    const walk = (set: SelectionSetNode, parent: GraphQLNamedType | undefined, segments: Denial['segments'], seen: Set<string>) => {
      if (!parent) return;
      for (const sel of set.selections) {
        if (++visits > 100_000) return;
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          if (name.startsWith('__')) continue;
          const def = isObjectType(parent) || isInterfaceType(parent) ? parent.getFields()[name] : undefined;
          if (!def) continue;
          const named = getNamedType(def.type);
          const path = [...segments, { key: sel.alias?.value ?? name, type: def.type }];
          const denied = rulesFor(schema, parent, name, named).find((r) => !allowed(r, viewer, scopes));
          if (denied) {
            const anonymous = !viewer;
            const need = denied.scopes.map((anyOf) => anyOf.map((allOf) => allOf.join(' and ')).join(' or ')).join('; ');
            const key = path.map((p) => p.key).join('.');
            if (!denials.has(key)) {
              denials.set(key, {
                segments: path,
                coordinate: `${parent.name}.${name}`,
                code: anonymous ? 'UNAUTHENTICATED' : 'FORBIDDEN',
                message: anonymous ? `${parent.name}.${name} requires authentication` : `Not authorized to access ${parent.name}.${name}${need ? ` (requires scope ${need})` : ''}`,
              });
            }
            continue;
          }
          if (sel.selectionSet) walk(sel.selectionSet, named, path, seen);
        } else if (sel.kind === Kind.INLINE_FRAGMENT) {
          walk(sel.selectionSet, sel.typeCondition ? schema.getType(sel.typeCondition.name.value) ?? undefined : parent, segments, seen);
        } else {
          const frag = fragments[sel.name.value];
          if (!frag || seen.has(frag.name.value)) continue;
          seen.add(frag.name.value);
          walk(frag.selectionSet, schema.getType(frag.typeCondition.name.value) ?? undefined, segments, seen);
          seen.delete(frag.name.value);
        }
      }
    };
    walk(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined, [], new Set());
    return [...denials.values()];
  }

  return {
    enabled,
    /** Effective scopes of a viewer (granted scopes, plus those its roles imply for users). */
    scopesOf,
    /** Fields of the operation the viewer may not see (cached per operation and viewer rights). */
    denials(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, viewer: Viewer | null): Denial[] {
      if (!enabled) return [];
      const key = viewer ? `${viewer.partnerId ? 'k' : 'u'}|${[...scopesOf(viewer)].sort().join(' ')}` : 'anon';
      let byRights = cache.get(operation);
      if (!byRights) cache.set(operation, (byRights = new Map()));
      let d = byRights.get(key);
      if (!d) {
        d = analyse(operation, fragments, viewer);
        if (byRights.size < 64) byRights.set(key, d);
      }
      return d;
    },
    /** The whole-request refusal when fields cannot be nulled one by one (subscriptions, in-process execution). */
    refusal(denials: Denial[]): GraphQLError {
      const d = denials[0]!;
      return new GraphQLError(d.message, { extensions: { code: d.code, http: { status: d.code === 'UNAUTHENTICATED' ? 401 : 403 } } });
    },
    /** Nulls every denied field in a response (see redactDenials). */
    redact: redactDenials,
  };
}

/**
 * Nulls every denied field in a response (propagating through non-null positions as GraphQL execution
 * would) and adds one error per nulled field at its path.
 */
export function redactDenials(result: { data?: Record<string, unknown> | null; errors?: GraphQLFormattedError[] }, denials: Denial[]): typeof result {
  if (!result.data || !denials.length) return result;
  const errors: GraphQLFormattedError[] = [];
  const INVALID = Symbol('invalid');
  let data: Record<string, unknown> | null = result.data;
  for (const d of denials) {
    if (!data) break;
    const last = d.segments.length - 1;
    const position = (value: unknown, type: GraphQLOutputType, i: number, path: (string | number)[]): unknown => {
      const inner = isNonNullType(type) ? type.ofType : type;
      const r = nested(value, inner, i, path);
      return r === INVALID ? (isNonNullType(type) ? INVALID : null) : r;
    };
    const nested = (value: unknown, type: GraphQLOutputType | null, i: number, path: (string | number)[]): unknown => {
      if (value === null || value === undefined || typeof value !== 'object') return value;
      if (type && isListType(type)) {
        const arr = value as unknown[];
        for (let k = 0; k < arr.length; k++) {
          const r = position(arr[k], type.ofType, i, [...path, k]);
          if (r === INVALID) return INVALID;
          arr[k] = r;
        }
        return arr;
      }
      const obj = value as Record<string, unknown>;
      const seg = d.segments[i + 1]!;
      if (!(seg.key in obj)) return obj;
      if (i + 1 === last) {
        errors.push(new GraphQLError(d.message, { path: [...path, seg.key], extensions: { code: d.code } }));
        if (isNonNullType(seg.type)) return INVALID;
        obj[seg.key] = null;
        return obj;
      }
      const r = position(obj[seg.key], seg.type, i + 1, [...path, seg.key]);
      if (r === INVALID) return INVALID;
      obj[seg.key] = r;
      return obj;
    };
    const r = nested(data, null, -1, []); // the root object
    if (r === INVALID) data = null;
  }
  // The subgraph that owns a denied field refuses it too (its policy is authoritative), possibly nulling a parent
  // before we got there: its error at a denied field becomes ours, so each denied field has one error.
  const upstream = (result.errors ?? []).map((e) => {
    const d = e.path && denials.find((x) => startsWithKeys(e.path!, x.segments));
    if (!d || !e.path) return e;
    return new GraphQLError(d.message, { path: cutAfterKeys(e.path, d.segments.length), extensions: { code: d.code } });
  });
  const seen = new Set<string>();
  const all = [...upstream, ...errors].filter((e) => {
    const key = `${JSON.stringify(e.path ?? null)}|${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { ...(all.length ? { errors: all } : {}), data };
}

/** Whether a response path (keys and list indices) runs through a denial's field keys. */
function startsWithKeys(path: readonly (string | number)[], segments: Denial['segments']): boolean {
  const keys = path.filter((p): p is string => typeof p === 'string');
  return keys.length >= segments.length && segments.every((s, i) => s.key === keys[i]);
}

/** The prefix of a response path that ends at its n-th key. */
function cutAfterKeys(path: readonly (string | number)[], n: number): (string | number)[] {
  let seen = 0;
  for (let i = 0; i < path.length; i++) if (typeof path[i] === 'string' && ++seen === n) return path.slice(0, i + 1);
  return [...path];
}

export type FieldAuthPlugin = ReturnType<typeof createFieldAuthPlugin>;
