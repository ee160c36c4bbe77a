import { defineModule, every, type KitModule, type Started } from '@omniroute/core/kit';
import type { FinanceDeps } from '../payments/payments.module.ts';
import { CollectionsService } from './collections.service.ts';
import { collectionsPolicies } from './collections.policies.ts';
import { collectionsResolvers } from './resolvers/index.ts';

/** Collections: dunning, promises to pay, credit holds and the SMS outbox. */
export const collectionsModule: KitModule<{ collections: CollectionsService }> = defineModule({
  name: 'collections',
  resolvers: collectionsResolvers,
  policies: collectionsPolicies,
  services: (deps: FinanceDeps) => ({ collections: new CollectionsService(deps.prisma, deps.vault) }),
});

export interface CollectionsOptions {
  /**
   * How often the collections cycle runs for every tenant (dunning, promises, credit holds; each step idempotent per
   * day) and the SMS outbox is sent (default 1 hour with a bus; 0 disables).
   */
  collectionsJobMs?: number;
}

export const collectionsJob = ({ opts, bus, services }: Started<CollectionsOptions, unknown, { collections: CollectionsService }>) =>
  bus ? every(opts.collectionsJobMs ?? 60 * 60_000, 'finance: collections cycle', () => services.collections.runAll()) : null;
