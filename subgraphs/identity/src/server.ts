import { fileURLToPath } from 'node:url';
import { createSubgraph, jwtSecret, loadTypeDefs, sdlFilesIn, type SubgraphRuntime, type SubgraphRuntimeOptions } from '@omniroute/core';
import { demoPlan } from '@omniroute/demo';
import { seedIdentity } from './seed.ts';
import { openDatabase } from '@omniroute/db';
import { PrismaClient } from './generated/prisma/client.ts';
import { createContextFactory } from './context.ts';
import { tenantResolvers } from './modules/tenants/resolvers/index.ts';
import { userResolvers } from './modules/users/resolvers/index.ts';

export const SDL_FILES = sdlFilesIn(fileURLToPath(new URL('./modules', import.meta.url)));
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../prisma/identity/migrations', import.meta.url));

/** Builds the identity subgraph over its database (applies migrations); `listen` serves it. */
export async function create(opts: SubgraphRuntimeOptions): Promise<SubgraphRuntime & { prisma: PrismaClient }> {
  const db = await openDatabase({ subgraph: 'identity', migrationsDir: MIGRATIONS_DIR, databaseUrl: opts.databaseUrl, dataDir: opts.dataDir });
  const prisma = new PrismaClient({ adapter: db.adapter });
  const subgraph = createSubgraph({
    name: 'identity',
    typeDefs: loadTypeDefs(SDL_FILES),
    resolvers: [tenantResolvers, userResolvers],
    createContext: createContextFactory({ prisma, jwtSecret: opts.jwtSecret ?? jwtSecret() }),
    secret: opts.secret,
  });
  return {
    name: 'identity',
    listen: subgraph.listen,
    seed: () => seedIdentity(prisma, demoPlan()),
    db,
    prisma,
    async close() {
      await prisma.$disconnect();
      await db.close();
    },
  };
}
