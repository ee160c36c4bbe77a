import type { KitContext, LoadersOf, RequestScope as KitScope, ServicesOf, SubgraphDeps } from '@omniroute/core/kit';
import type { Prisma, PrismaClient } from './generated/prisma/client.ts';
import type { logistics } from './server.ts';

type Modules = (typeof logistics)['modules'];
export type LogisticsServices = ServicesOf<Modules>;
export type LogisticsLoaders = LoadersOf<Modules>;
/** What a service method takes first: who calls, this request's loaders, the database, a logger (packages/core/src/kit). */
export type RequestScope = KitScope<LogisticsLoaders, PrismaClient>;
/** The resolver context: the request scope plus logistics' services. */
export type LogisticsContext = KitContext<LogisticsServices, LogisticsLoaders, PrismaClient>;
/** What every logistics service is built with (the kit's shared deps: prisma, bus, now …). */
export type LogisticsDeps = SubgraphDeps<PrismaClient>;
/** A transaction client: methods that join a caller's transaction take it first. */
export type Tx = Prisma.TransactionClient;
