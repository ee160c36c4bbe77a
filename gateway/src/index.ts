// Distributed mode: a gateway replica for the OmniRoute graph (run as many as you like behind a load balancer).
// The generic CLI (cli.ts) serves any supergraph without auth; this one adds our edge: JWT/OIDC/API keys, signed
// upstream context, persisted queries, limits, rate limits and subscriptions — shared through Redis.
//   PORT, HOST, SUPERGRAPH (default schema/supergraph.graphql), INTERNAL_SIGNING_SECRET, JWT_SECRET, OIDC_*,
//   REDIS_URL, SUBGRAPH_URL_<NAME> (override a subgraph's URL from the supergraph), PERSISTED_DIR.
import { readFileSync } from 'node:fs';
import { jwtSecret, log, signingSecret } from '@omniroute/core';
import { createGateway } from './server.ts';

if (!process.env.INTERNAL_SIGNING_SECRET) throw new Error('INTERNAL_SIGNING_SECRET must be set (the same value as the subgraphs)');
const gateway = createGateway({
  supergraphSdl: readFileSync(process.env.SUPERGRAPH ?? 'schema/supergraph.graphql', 'utf8'),
  secret: signingSecret(),
  auth: { secret: jwtSecret(), jwksUrl: process.env.OIDC_JWKS_URL, oidcIssuer: process.env.OIDC_ISSUER, oidcAudience: process.env.OIDC_AUDIENCE },
  subgraphUrl: (name, url) => process.env[`SUBGRAPH_URL_${name.toUpperCase()}`] ?? url,
  partners: {
    redisUrl: process.env.REDIS_URL,
    changesChannel: 'omniroute:identity:changes',
    manifestsDir: process.env.PERSISTED_DIR ?? 'schema/persisted',
  },
});
const port = await gateway.listen(Number(process.env.PORT ?? 4000), process.env.HOST ?? '::');
log.info('gateway listening', { port, redis: !!process.env.REDIS_URL });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    await gateway.close();
    process.exit(0);
  });
}
