// A gateway replica for the OmniRoute graph configured from the environment (distributed mode: the subgraphs run
// elsewhere). Used by the replica entry point (index.ts) and by the benchmark, so both run the same gateway.
//   SUPERGRAPH (default schema/supergraph.graphql), INTERNAL_SIGNING_SECRET, JWT_SECRET, METRICS_TOKEN, OIDC_JWKS_URL,
//   OIDC_ISSUER, OIDC_AUDIENCE, REDIS_URL, REDIS_PREFIX (of the gateway's Redis keys and of identity's changes
//   channel; default omniroute, as the subgraphs'), SUBGRAPH_URL_<NAME> (override a subgraph's URL), PERSISTED_DIR,
//   GATEWAY_MAX_DOCUMENT_BYTES, GATEWAY_MAX_DOCUMENT_TOKENS, GATEWAY_OPERATION_CACHE_MB, GATEWAY_TRUSTED_PROXIES.
import { readFileSync } from 'node:fs';
import { metricsAccessFromEnv } from '@omniroute/core';
import { replicaSecrets } from './replica-secrets.ts';
import { createGateway, documentOptionsFromEnv, type GatewayOptions } from './server.ts';

export { replicaSecrets } from './replica-secrets.ts';

/** GATEWAY_TRUSTED_PROXIES: reverse proxies in front of the gateway (client IP from X-Forwarded-For); default 0. */
export function trustedProxies(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.GATEWAY_TRUSTED_PROXIES;
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`GATEWAY_TRUSTED_PROXIES must be a whole number, got "${v}"`);
  return n;
}

/** `partners` adds to (or overrides) the partner-access settings, e.g. `{ rateLimits: false }` for a benchmark. */
export function createReplica(env: NodeJS.ProcessEnv = process.env, extra: { partners?: GatewayOptions['partners'] } = {}) {
  const prefix = env.REDIS_PREFIX ?? 'omniroute';
  const secrets = replicaSecrets(env);
  return createGateway({
    supergraphSdl: readFileSync(env.SUPERGRAPH ?? 'schema/supergraph.graphql', 'utf8'),
    secret: secrets.internalSecret,
    metricsAccess: metricsAccessFromEnv(env),
    auth: { secret: secrets.jwtSecret, jwksUrl: env.OIDC_JWKS_URL, oidcIssuer: env.OIDC_ISSUER, oidcAudience: env.OIDC_AUDIENCE },
    subgraphUrl: (name, url) => env[`SUBGRAPH_URL_${name.toUpperCase()}`] ?? url,
    ...(env.REDIS_URL ? { eventBus: { redisUrl: env.REDIS_URL, prefix } } : {}),
    ...documentOptionsFromEnv(env),
    partners: {
      redisUrl: env.REDIS_URL,
      keyPrefix: `${prefix}:`,
      changesChannel: `${prefix}:identity:changes`,
      manifestsDir: env.PERSISTED_DIR ?? 'schema/persisted',
      trustProxy: trustedProxies(env),
      ...extra.partners,
    },
  });
}
