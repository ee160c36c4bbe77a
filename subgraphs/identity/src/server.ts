import { fileURLToPath } from 'node:url';
import { createSubgraph, jwtSecret, loadTypeDefs, sdlFilesIn, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { seedIdentity } from './seed.ts';
import { openDatabase, TRANSACTION_OPTIONS } from '@omniroute/db';
import { PrismaClient } from './generated/prisma/client.ts';
import { createContextFactory } from './context.ts';
import { tenantResolvers } from './modules/tenants/resolvers/index.ts';
import { userResolvers } from './modules/users/resolvers/index.ts';
import { partnerAppResolvers } from './modules/partner-apps/resolvers/index.ts';
import { apiKeyResolvers } from './modules/api-keys/resolvers/index.ts';
import { createIdentityChanges, type IdentityChanges } from './modules/api-keys/identity-changes.ts';
import { POLICIES } from './policies.ts';
import { createLoginThrottle, type LoginThrottleOptions } from './modules/users/login-throttle.ts';

export const SDL_FILES = sdlFilesIn(fileURLToPath(new URL('./modules', import.meta.url)));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/identity/migrations', import.meta.url));

export interface IdentityOptions extends SubgraphRuntimeOptions {
  /** Redis for publishing key revocations and partner app changes to every gateway (default REDIS_URL). */
  redisUrl?: string;
  /** Pub/sub channel of those changes (tests use a unique one). */
  changesChannel?: string;
  /** Sign-in throttling (policies, key prefix); counters live in Redis when `redisUrl` is set. */
  loginThrottle?: Omit<LoginThrottleOptions, 'redisUrl'>;
}

/** Builds the identity subgraph over its database (applies migrations); `listen` serves it. */
export async function create(opts: IdentityOptions): Promise<SubgraphRuntime & { prisma: PrismaClient; changes: IdentityChanges }> {
  const db = await openDatabase({ subgraph: 'identity', migrationsDir: MIGRATIONS_DIR, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new PrismaClient({ adapter: db.adapter, transactionOptions: TRANSACTION_OPTIONS });
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL;
  const changes = createIdentityChanges({ redisUrl, channel: opts.changesChannel });
  // Next to the changes channel (`<prefix>:identity:changes`), so a test run's prefix covers both.
  const keyPrefix = opts.loginThrottle?.keyPrefix ?? (opts.changesChannel ? opts.changesChannel.replace(/changes$/, 'login:') : undefined);
  const loginThrottle = createLoginThrottle({ ...opts.loginThrottle, keyPrefix, redisUrl });
  const subgraph = createSubgraph({
    name: 'identity',
    typeDefs: loadTypeDefs(SDL_FILES),
    resolvers: [tenantResolvers, userResolvers, partnerAppResolvers, apiKeyResolvers],
    policies: POLICIES,
    createContext: createContextFactory({ prisma, jwtSecret: opts.jwtSecret ?? jwtSecret(), changes, loginThrottle }),
    secret: opts.secret,
  });
  return {
    name: 'identity',
    listen: subgraph.listen,
    seed: () => seedIdentity(prisma, demoPlan()),
    db,
    prisma,
    changes,
    async close() {
      await changes.close();
      await loginThrottle.close();
      await prisma.$disconnect();
      await db.close();
    },
  };
}
