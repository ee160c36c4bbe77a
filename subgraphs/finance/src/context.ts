import type { KitContext, LoadersOf, RequestScope as KitScope, ServicesOf } from '@omniroute/core/kit';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { finance } from './server.ts';

type Modules = (typeof finance)['modules'];
export type FinanceServices = ServicesOf<Modules>;
export type FinanceLoaders = LoadersOf<Modules>;
/** What a service method takes first: who calls, this request's loaders, the database, a logger (packages/core/src/kit). */
export type RequestScope = KitScope<FinanceLoaders, PrismaClient>;
/** The resolver context: the request scope plus finance's services. */
export type FinanceContext = KitContext<FinanceServices, FinanceLoaders, PrismaClient>;
