// Ids a subgraph stores but cannot look up: finance keys credit lines and wallets by commerce's customer ids and
// workforce's worker ids, logistics stores riders as workforce worker ids and sales reps as identity user ids. The subgraph cannot tell a customer of
// the caller's tenant from one of another tenant (or from no customer at all), so the gateway checks such ids
// before the mutation runs: it resolves each through the owning subgraph's `_entities` with the caller's signed
// context (tenant-scoped reference resolvers answer null for another tenant's id) and refuses the whole operation
// with NOT_FOUND when one does not resolve. Nothing runs, so nothing changes.
import { GraphQLError, Kind, valueFromAST, type FieldNode, type FragmentDefinitionNode, type GraphQLSchema, type SelectionSetNode } from 'graphql';
import { log } from '@omniroute/core';
import { ErrorCode, gqlError } from '../runtime/errors.ts';
import type { DocumentEvent, GatewayPlugin } from '../pipeline.ts';
import type { GatewayContext } from '../upstream.ts';

/** An id in a mutation's arguments (`input.riders[].riderId`) that names an entity of another subgraph. */
export interface ForeignReference { path: string; type: string; owner: string }

/** OmniRoute's foreign ids (test/security/cross-tenant-writes.test.ts lists every id of every mutation input). */
export const FOREIGN_REFERENCES: Readonly<Record<string, readonly ForeignReference[]>> = {
  'Mutation.setCreditLimit': [{ path: 'input.customerId', type: 'Customer', owner: 'commerce' }],
  'Mutation.topUpWallet': [
    { path: 'input.customerId', type: 'Customer', owner: 'commerce' },
    { path: 'input.workerId', type: 'Worker', owner: 'workforce' },
  ],
  'Mutation.dispatchShipment': [{ path: 'input.riderId', type: 'Worker', owner: 'workforce' }],
  'Mutation.dispatchRoutePlan': [{ path: 'input.riders[].riderId', type: 'Worker', owner: 'workforce' }],
  'Mutation.assignSalesRepTerritories': [{ path: 'input.repId', type: 'User', owner: 'identity' }],
};

export interface ForeignReferencesOptions {
  schema: () => GraphQLSchema;
  /** A subgraph's URL (after overrides); undefined when it is not in the supergraph. */
  subgraphUrl: (name: string) => string | undefined;
  /** Signed headers of a call made for the operation's caller. */
  headers: (ctx: GatewayContext, subgraph: string) => Record<string, string>;
  references?: Readonly<Record<string, readonly ForeignReference[]>>;
  timeoutMs?: number;
}

const ENTITIES = 'query GatewayReferenceCheck($r: [_Any!]!) { _entities(representations: $r) { __typename } }';

export function createForeignReferencesPlugin(opts: ForeignReferencesOptions): GatewayPlugin {
  const table = opts.references ?? FOREIGN_REFERENCES;

  /** The root mutation fields of an operation, through fragments. */
  function rootFields(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, out: FieldNode[] = []): FieldNode[] {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) rootFields(s.selectionSet, fragments, out);
      else if (fragments[s.name.value]) rootFields(fragments[s.name.value]!.selectionSet, fragments, out);
    }
    return out;
  }

  /** The ids at `path` of a field's arguments (lists walked), as the operation gives them. */
  function idsAt(field: FieldNode, path: string, e: DocumentEvent): string[] {
    const [argName, ...rest] = path.split('.');
    const def = opts.schema().getMutationType()?.getFields()[field.name.value]?.args.find((a) => a.name === argName);
    const node = field.arguments?.find((a) => a.name.value === argName);
    if (!def || !node) return [];
    let values: unknown[] = [valueFromAST(node.value, def.type, e.variables as Record<string, unknown>)];
    for (const seg of rest) {
      const key = seg.replace(/\[\]$/, '');
      values = values.flatMap((v) => {
        const inner = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
        return seg.endsWith('[]') ? (Array.isArray(inner) ? inner : []) : [inner];
      });
    }
    return values.filter((v): v is string => typeof v === 'string' && v !== '');
  }

  /** The ids of `type` the owner does not resolve for this caller; null when the owner could not be asked. */
  async function missing(ctx: GatewayContext, owner: string, type: string, ids: string[]): Promise<string[] | null> {
    const url = opts.subgraphUrl(owner);
    if (!url) return null;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...opts.headers(ctx, owner) },
        body: JSON.stringify({ query: ENTITIES, variables: { r: ids.map((id) => ({ __typename: type, id })) } }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
      });
      const body = (await res.json()) as { data?: { _entities?: (unknown | null)[] } };
      const found = body.data?._entities;
      if (!Array.isArray(found)) return null;
      return ids.filter((_, i) => found[i] == null);
    } catch (e) {
      // the owner being down is not a verdict: the mutation goes on and its subgraph decides, as without this check
      log.warn('foreign references: owner not reachable', { owner, error: String(e) });
      return null;
    }
  }

  return {
    name: 'foreign-references',
    async onParsed(e: DocumentEvent): Promise<void> {
      if (e.operation.operation !== 'mutation' || e.recheck || !e.ctx.viewer) return;
      const wanted = new Map<string, { owner: string; type: string; ids: Set<string> }>();
      for (const field of rootFields(e.operation.selectionSet, e.fragments)) {
        for (const ref of table[`Mutation.${field.name.value}`] ?? []) {
          const k = `${ref.owner}|${ref.type}`;
          const w = wanted.get(k) ?? { owner: ref.owner, type: ref.type, ids: new Set<string>() };
          for (const id of idsAt(field, ref.path, e)) w.ids.add(id);
          if (w.ids.size) wanted.set(k, w);
        }
      }
      const refusals: GraphQLError[] = [];
      await Promise.all([...wanted.values()].map(async (w) => {
        for (const id of (await missing(e.ctx, w.owner, w.type, [...w.ids])) ?? []) {
          refusals.push(gqlError(`No ${w.type} ${id} in your tenant`, ErrorCode.NOT_FOUND, { id }));
        }
      }));
      if (refusals.length) throw refusals[0];
    },
  };
}
