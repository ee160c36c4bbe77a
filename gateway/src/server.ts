import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { apolloHttpHandler, log, maskError, sendJson, type TokenVerifierOptions } from '@omniroute/core';
import { createAuthPlugin, credentialOf } from './plugins/auth.ts';
import { createHealthPlugin } from './plugins/health.ts';
import { SignedDataSource, type GatewayContext } from './upstream.ts';
import { subgraphUrlsOf } from './supergraph.ts';

export interface GatewayOptions {
  supergraphSdl: string;
  /** HMAC secret for the signed internal context (shared with the subgraphs). */
  secret: string;
  /** Token verification: identity's HS256 secret and/or an OIDC issuer's JWKS. Omit to run without auth. */
  auth?: TokenVerifierOptions;
  /** Rewrites subgraph URLs (tests and embedded mode run subgraphs on other ports). */
  subgraphUrl?: (name: string, url: string) => string;
  /** Extra routes such as the dashboard's static files. */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
  introspection?: boolean;
}

/** The OmniRoute gateway: authenticates, signs the caller's context for every subgraph fetch, plans with @apollo/gateway. */
export function createGateway(opts: GatewayOptions) {
  const declared = subgraphUrlsOf(opts.supergraphSdl);
  const urlOf = (name: string) => (opts.subgraphUrl ? opts.subgraphUrl(name, declared[name]!) : declared[name]!);
  const gateway = new ApolloGateway({
    supergraphSdl: opts.supergraphSdl,
    buildService: ({ name }) => new SignedDataSource(urlOf(name), opts.secret),
  });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    introspection: opts.introspection ?? true,
    includeStacktraceInErrorResponses: false,
    formatError: (f, e) => maskError(f, e, 'gateway'),
  });
  const auth = opts.auth ? createAuthPlugin(opts.auth) : null;
  const graphql = apolloHttpHandler(apollo, async (_headers, req) => {
    const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 64)) || randomUUID();
    const viewer = auth ? await auth.authenticate(credentialOf(req.headers)) : null;
    return { requestId, viewer };
  });
  const routes = {
    ...createHealthPlugin(() => Object.fromEntries(Object.keys(declared).map((n) => [n, urlOf(n)]))).routes,
    ...opts.routes,
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/graphql') return void graphql(req, res);
    const route = routes[path] ?? Object.entries(routes).find(([p]) => p.endsWith('/*') && path.startsWith(p.slice(0, -1)))?.[1];
    if (route) return void Promise.resolve(route(req, res)).catch((e) => { log.error('route failed', { path, error: String(e) }); if (!res.headersSent) sendJson(res, 500, { error: 'internal' }); });
    sendJson(res, 404, { error: 'not found', graphql: '/graphql' });
  });
  server.keepAliveTimeout = 65_000;

  return {
    server,
    apollo,
    async listen(port: number, host = '0.0.0.0'): Promise<number> {
      await apollo.start();
      await new Promise<void>((resolve) => server.listen(port, host, resolve));
      return (server.address() as AddressInfo).port;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await apollo.stop();
    },
  };
}
