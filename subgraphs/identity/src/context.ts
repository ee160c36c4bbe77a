import type { KitContext, LoadersOf, RequestScope as KitScope, ServicesOf } from '@omniroute/core/kit';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { identity } from './server.ts';

type Modules = (typeof identity)['modules'];
export type IdentityServices = ServicesOf<Modules>;
export type IdentityLoaders = LoadersOf<Modules>;
/** What a service method takes first: who calls, this request's loaders, the database, a logger (packages/core/src/kit). */
export type RequestScope = KitScope<IdentityLoaders, PrismaClient>;
/** The resolver context: the request scope plus identity's services. */
export type IdentityContext = KitContext<IdentityServices, IdentityLoaders, PrismaClient>;
