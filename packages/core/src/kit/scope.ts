import type { InternalContext, Viewer } from '../context.ts';
import { log } from '../logger.ts';

/**
 * What one request gives a service: who calls, this request's DataLoaders, the database and a logger. It is the
 * FIRST argument of every request-facing service method in every subgraph (`service.method(scope, ...args)`); the
 * resolver context is a scope plus the subgraph's services, so resolvers pass `ctx` itself.
 */
export interface RequestScope<Loaders = unknown, Db = unknown> {
  readonly requestId: string;
  readonly viewer: Viewer | null;
  /** The viewer's tenant (null for anonymous calls): every query and entity reference is scoped by it. */
  readonly tenantId: string | null;
  /** 'gateway' when the gateway signed the call as its own (API key lookups, probes); null for calls made for a client. */
  readonly internalCaller: 'gateway' | null;
  /** The client's address as the gateway saw it (signed with the context); null when absent. */
  readonly clientIp: string | null;
  /** This request's DataLoaders: made once per request, so every service call of the request shares their batches. */
  readonly loaders: Loaders;
  readonly db: Db;
  readonly log: typeof log;
}

/** The resolver context of a kit subgraph: the request scope plus the subgraph's services (built once). */
export type KitContext<Services, Loaders, Db> = RequestScope<Loaders, Db> & { readonly services: Services };

/** Builds the read-only scope of one request from the gateway's verified context. */
export function createScope<Loaders, Db>(internal: InternalContext, db: Db, loaders: Loaders): RequestScope<Loaders, Db> {
  return {
    requestId: internal.requestId,
    viewer: internal.viewer,
    tenantId: internal.viewer?.tenantId ?? null,
    // the claim is inside the HMAC-signed context: only a holder of the signing secret (the gateway) can set it
    internalCaller: internal.caller === 'gateway' ? 'gateway' : null,
    clientIp: typeof internal.clientIp === 'string' && internal.clientIp ? internal.clientIp : null,
    loaders,
    db,
    log,
  };
}
