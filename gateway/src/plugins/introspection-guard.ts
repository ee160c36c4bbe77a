import { GraphQLError, Kind, type FragmentDefinitionNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';

import type { Viewer } from '@omniroute/core';
import type { DocumentEvent } from '../pipeline.ts';

export interface IntrospectionGuardOptions {
  /** Whether a viewer is a partner's API key. */
  isPartner?: (viewer: Viewer | null) => boolean;
  /** Refuse introspection for partner keys. Default: when NODE_ENV is production. */
  refuseForPartners?: () => boolean;
}

/** Whether an operation asks for `__schema` or `__type` anywhere (through fragments too). */
export function usesIntrospection(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>): boolean {
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode): boolean => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value === '__schema' || sel.name.value === '__type') return true;
        if (sel.selectionSet && walk(sel.selectionSet)) return true;
      } else if (sel.kind === Kind.INLINE_FRAGMENT) {
        if (walk(sel.selectionSet)) return true;
      } else if (!seen.has(sel.name.value) && fragments[sel.name.value]) {
        seen.add(sel.name.value);
        if (walk(fragments[sel.name.value]!.selectionSet)) return true;
      }
    }
    return false;
  };
  return walk(operation.selectionSet);
}

/** Partners do not get the schema by introspection in production: they work from their registered operations. */
export function createIntrospectionGuardPlugin(opts: IntrospectionGuardOptions = {}) {
  const refuse = opts.refuseForPartners ?? (() => process.env.NODE_ENV === 'production');
  const verdicts = new WeakMap<OperationDefinitionNode, boolean>();
  return {
    name: 'introspection',
    onValidate(e: DocumentEvent): GraphQLError[] | void {
      const refused = this.check(e.operation, e.fragments, !!opts.isPartner?.(e.ctx.viewer));
      if (refused) return [refused];
    },
    check(operation: OperationDefinitionNode, fragments: Record<string, FragmentDefinitionNode>, isPartner: boolean): GraphQLError | null {
      if (!isPartner || !refuse()) return null;
      let uses = verdicts.get(operation);
      if (uses === undefined) verdicts.set(operation, (uses = usesIntrospection(operation, fragments)));
      return uses
        ? new GraphQLError('Introspection is disabled for partner API keys', { extensions: { code: 'INTROSPECTION_DISABLED', http: { status: 403 } } })
        : null;
    },
  };
}
