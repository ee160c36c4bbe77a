// Federation authorization directives (@authenticated, @requiresScopes, @policy), enforced as Apollo's router
// does: before planning, the fields the caller may not see are removed from the operation; each answers null with
// an UNAUTHORIZED_FIELD_OR_TYPE error at its path (list positions as "@"); a selection left empty removes its
// field too. A directive on a type applies to every field returning that type.
import {
  GraphQLError, Kind, getNamedType, isInterfaceType, isObjectType, valueFromASTUntyped,
  type ConstDirectiveNode, type DocumentNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLSchema,
  type OperationDefinitionNode, type SelectionNode, type SelectionSetNode, isListType, isNonNullType, type GraphQLOutputType,
} from 'graphql';
import type { Supergraph } from '@apollo/federation-internals';
import { ErrorCode } from './errors.ts';

/** What the caller holds, from the `authorization` hook. */
export interface AuthorizationInfo {
  authenticated: boolean;
  scopes?: Iterable<string>;
  /** The @policy names this caller satisfies (the router asks a coprocessor; here the hook decides). */
  policies?: Iterable<string>;
}

interface Requirement {
  authenticated: boolean;
  /** Any inner list fully held. */
  scopes: string[][] | null;
  policies: string[][] | null;
}

export const AUTHORIZATION_FEATURES = [
  'https://specs.apollo.dev/authenticated/v0.1',
  'https://specs.apollo.dev/requiresScopes/v0.1',
  'https://specs.apollo.dev/policy/v0.1',
];

export interface FilteredOperation {
  /** The operation without the denied fields (fragments inlined); null when nothing is left to execute. */
  document: DocumentNode | null;
  errors: GraphQLError[];
  /** Stable key of what was removed (the filtered document is cached per operation and key). */
  key: string;
}

export class Authorizer {
  private constructor(
    private readonly schema: GraphQLSchema,
    private readonly byField: Map<string, Requirement>,
    private readonly byType: Map<string, Requirement>,
  ) {}

  /** An authorizer for the supergraph, or null when it uses none of the directives (then nothing is checked). */
  static of(supergraph: Supergraph, apiSchema: GraphQLSchema): Authorizer | null {
    const features = supergraph.schema.coreFeatures;
    const names = new Map<string, 'authenticated' | 'requiresScopes' | 'policy'>();
    for (const [identity, name] of [['https://specs.apollo.dev/authenticated', 'authenticated'], ['https://specs.apollo.dev/requiresScopes', 'requiresScopes'], ['https://specs.apollo.dev/policy', 'policy']] as const) {
      const f = features?.getByIdentity(identity);
      if (f) names.set(f.directiveNameInSchema(name), name);
    }
    if (names.size === 0) return null;
    const byField = new Map<string, Requirement>();
    const byType = new Map<string, Requirement>();
    const requirementOf = (directives: readonly ConstDirectiveNode[] | undefined): Requirement | null => {
      let r: Requirement | null = null;
      for (const d of directives ?? []) {
        const kind = names.get(d.name.value);
        if (!kind) continue;
        r ??= { authenticated: false, scopes: null, policies: null };
        if (kind === 'authenticated') r.authenticated = true;
        else {
          const arg = d.arguments?.find((a) => a.name.value === (kind === 'requiresScopes' ? 'scopes' : 'policies'));
          const value = (arg ? valueFromASTUntyped(arg.value) : []) as string[][];
          r[kind === 'requiresScopes' ? 'scopes' : 'policies'] = value;
        }
      }
      return r;
    };
    const sg = supergraph.schema.toGraphQLJSSchema();
    for (const t of Object.values(sg.getTypeMap())) {
      if (t.name.startsWith('__')) continue;
      const tr = requirementOf([...(t.astNode?.directives ?? []), ...t.extensionASTNodes.flatMap((n) => n.directives ?? [])]);
      if (tr) byType.set(t.name, tr);
      if (isObjectType(t) || isInterfaceType(t)) {
        for (const f of Object.values(t.getFields())) {
          const fr = requirementOf(f.astNode?.directives);
          if (fr) byField.set(`${t.name}.${f.name}`, fr);
        }
      }
    }
    if (byField.size === 0 && byType.size === 0) return null;
    return new Authorizer(apiSchema, byField, byType);
  }

  /** The operation as this caller may run it; null when every field is allowed. */
  filter(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, info: AuthorizationInfo | undefined): FilteredOperation | null {
    const scopes = new Set(info?.scopes ?? []);
    const policies = new Set(info?.policies ?? []);
    const authenticated = !!info?.authenticated;
    const allowed = (r: Requirement | undefined) => !r || (
      (!r.authenticated || authenticated)
      && (!r.scopes || (authenticated && r.scopes.some((all) => all.every((s) => scopes.has(s)))))
      && (!r.policies || (authenticated && r.policies.some((all) => all.every((p) => policies.has(p)))))
    );
    const errors: GraphQLError[] = [];
    const denied: string[] = [];
    const schema = this.schema;
    const walk = (set: SelectionSetNode, parent: GraphQLCompositeType, path: string[], seen: Set<string>): SelectionSetNode | null => {
      const out: SelectionNode[] = [];
      let changed = false;
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          if (name.startsWith('__') || !(isObjectType(parent) || isInterfaceType(parent))) { out.push(sel); continue; }
          const def = parent.getFields()[name];
          if (!def) { out.push(sel); continue; }
          const rn = sel.alias?.value ?? name;
          const named = getNamedType(def.type);
          if (!allowed(this.byField.get(`${parent.name}.${name}`)) || !allowed(this.byType.get(named.name))) {
            const at = [...path, rn];
            denied.push(at.join('.'));
            errors.push(new GraphQLError('Unauthorized field or type', { path: at, extensions: { code: ErrorCode.UNAUTHORIZED_FIELD_OR_TYPE } }));
            changed = true;
            continue;
          }
          if (sel.selectionSet) {
            const sub = walk(sel.selectionSet, named as GraphQLCompositeType, [...path, rn, ...listMarks(def.type)], seen);
            if (sub === null) { changed = true; continue; }
            if (sub !== sel.selectionSet) { changed = true; out.push({ ...sel, selectionSet: sub }); continue; }
          }
          out.push(sel);
        } else {
          let cond = sel.kind === Kind.INLINE_FRAGMENT ? sel.typeCondition : fragments[sel.name.value]?.typeCondition;
          const inner = sel.kind === Kind.INLINE_FRAGMENT ? sel.selectionSet : fragments[sel.name.value]?.selectionSet;
          if (!inner) { out.push(sel); continue; }
          if (sel.kind === Kind.FRAGMENT_SPREAD) {
            if (seen.has(sel.name.value)) continue; // a cycle: validation refused it already
            changed = true; // inlined
          }
          const t = cond ? (schema.getType(cond.name.value) as GraphQLCompositeType | undefined) ?? parent : parent;
          const nextSeen = sel.kind === Kind.FRAGMENT_SPREAD ? new Set(seen).add(sel.name.value) : seen;
          const sub = walk(inner, t, path, nextSeen);
          if (sub === null) { changed = true; continue; }
          if (sel.kind === Kind.INLINE_FRAGMENT && sub === inner) { out.push(sel); continue; }
          changed = true;
          out.push({ kind: Kind.INLINE_FRAGMENT, typeCondition: cond, directives: sel.directives, selectionSet: sub });
          cond = undefined;
        }
      }
      if (out.length === 0) return null;
      return changed ? { ...set, selections: out } : set;
    };
    const root = schema.getRootType(operation.operation);
    if (!root) return null;
    const set = walk(operation.selectionSet, root, [], new Set());
    if (errors.length === 0) return null;
    return {
      document: set === null ? null : { kind: Kind.DOCUMENT, definitions: [{ ...operation, selectionSet: set }] },
      errors,
      key: denied.join('\u0000'),
    };
  }
}

/** "@" for each list level of a field's type (its items' paths: Apollo's list notation). */
function listMarks(t: GraphQLOutputType): string[] {
  const out: string[] = [];
  for (let x: GraphQLOutputType | undefined = t; x; x = isNonNullType(x) || isListType(x) ? x.ofType : undefined) if (isListType(x)) out.push('@');
  return out;
}
