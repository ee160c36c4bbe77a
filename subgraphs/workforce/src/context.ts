import type { KitContext, LoadersOf, RequestScope as KitScope, ServicesOf } from '@omniroute/core/kit';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { workforce } from './server.ts';

type Modules = (typeof workforce)['modules'];
export type WorkforceServices = ServicesOf<Modules>;
export type WorkforceLoaders = LoadersOf<Modules>;
/** What a service method takes first: who calls, this request's loaders, the database, a logger (packages/core/src/kit). */
export type RequestScope = KitScope<WorkforceLoaders, PrismaClient>;
/** The resolver context: the request scope plus workforce's services. */
export type WorkforceContext = KitContext<WorkforceServices, WorkforceLoaders, PrismaClient>;
