import { defineSubgraph, type KitOptions, type SubgraphDeps } from '@omniroute/core/kit';
import { demoPlan } from '@omniroute/demo';
import { PrismaClient } from './generated/prisma/client.ts';
import { seedIdentity } from './seed.ts';
import { tenantsModule } from './modules/tenants/tenants.module.ts';
import { identityDeps, usersModule, type IdentityOptions as UsersOptions } from './modules/users/users.module.ts';
import { partnerAppsModule } from './modules/partner-apps/partner-apps.module.ts';
import { apiKeysModule } from './modules/api-keys/api-keys.module.ts';

export type IdentityOptions = KitOptions & UsersOptions;

export const identity = defineSubgraph({
  name: 'identity',
  modulesDir: new URL('./modules', import.meta.url),
  migrationsDir: new URL('../../../prisma/identity/migrations', import.meta.url),
  client: PrismaClient,
  deps: (base: SubgraphDeps<PrismaClient>, opts: IdentityOptions, onClose) => identityDeps(base, opts, onClose),
  modules: [tenantsModule, usersModule, partnerAppsModule, apiKeysModule],
  seed: ({ deps }) => seedIdentity(deps.prisma, demoPlan()),
  expose: ({ deps }) => ({ changes: deps.changes }),
});

/** Builds the identity subgraph over its database (applies migrations); `listen` serves it. */
export const create = (opts: IdentityOptions) => identity.create(opts) as Promise<Awaited<ReturnType<typeof identity.create>> & { changes: IdentityDeps['changes'] }>;
export const SDL_FILES = identity.sdlFiles;
export const MIGRATIONS_DIR = identity.migrationsDir;
type IdentityDeps = import('./modules/users/users.module.ts').IdentityDeps;
