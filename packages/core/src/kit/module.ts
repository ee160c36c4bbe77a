import type { Viewer } from '../context.ts';
import type { PolicyTable } from '../policy.ts';
import type { EventBus, WrittenOutboxRow } from '@omniroute/events';

/** What the services of a subgraph share, built once when it starts (modules may add to it through `deps`). */
export interface SubgraphDeps<Db> {
  readonly prisma: Db;
  /** The event bus (live events, high-rate facts published directly); null when running without one. */
  readonly bus: EventBus | null;
  /**
   * Call after a commit that wrote outbox rows, so the relay publishes at once instead of at its next poll; with
   * the rows (`outboxRows`' output, as committed) the relay need not read them back (OutboxRelay.kick).
   */
  readonly outboxWritten: (written?: readonly WrittenOutboxRow[]) => void;
  /** The clock (tests pin it). */
  readonly now: () => Date;
}

/**
 * One module of a subgraph, beside its SDL (`*.graphql` in the module's folder): its resolvers and policy table,
 * its per-request loaders and its services. Services are made once per subgraph, in module order (`built` holds
 * those of the modules listed before, e.g. payments takes ledger's); loaders once per request.
 */
export interface ModuleDefinition<Deps = any, Services extends object = object, Loaders extends object = object> {
  readonly name: string;
  readonly resolvers?: object;
  readonly policies?: PolicyTable;
  readonly loaders?: (prisma: any, viewer: Viewer | null) => Loaders;
  readonly services?: (deps: Deps, built: any) => Services;
}

/** Declares a module (identity function: it only types the declaration). */
export function defineModule<Deps, Services extends object = object, Loaders extends object = object>(
  module: ModuleDefinition<Deps, Services, Loaders>,
): ModuleDefinition<Deps, Services, Loaders> {
  return module;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The services of a list of modules, merged. */
export type ServicesOf<M extends readonly ModuleDefinition[]> = UnionToIntersection<
  { [K in keyof M]: M[K] extends ModuleDefinition<any, infer S, any> ? S : never }[number]
>;
/** The per-request loaders of a list of modules, merged. */
export type LoadersOf<M extends readonly ModuleDefinition[]> = UnionToIntersection<
  { [K in keyof M]: M[K] extends ModuleDefinition<any, any, infer L> ? L : never }[number]
>;

/**
 * The declared type of a module: annotate the module's const with it (`export const walletsModule: KitModule<{
 * wallets: WalletService }> = defineModule({...})`), so the subgraph's context type, which the generated resolver
 * types refer to, does not depend on the resolvers themselves (TypeScript would see a cycle).
 */
export type KitModule<Services extends object, Loaders extends object = {}> = ModuleDefinition<any, Services, Loaders>;
