import type { KitContext, LoadersOf, RequestScope as KitScope, ServicesOf } from '@omniroute/core/kit';
import type { PrismaClient } from './generated/prisma/client.ts';
import type { commerce } from './server.ts';

type Modules = (typeof commerce)['modules'];
export type CommerceServices = ServicesOf<Modules>;
export type CommerceLoaders = LoadersOf<Modules>;
/** What a service method takes first: who calls, this request's loaders, the database, a logger (packages/core/src/kit). */
export type RequestScope = KitScope<CommerceLoaders, PrismaClient>;
/** The resolver context: the request scope plus commerce's services. */
export type CommerceContext = KitContext<CommerceServices, CommerceLoaders, PrismaClient>;
