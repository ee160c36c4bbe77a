import { ConfigError, resolveSecrets, type ProcessSecrets } from '@omniroute/core';

/**
 * The replica's secrets. INTERNAL_SIGNING_SECRET is always required (the subgraphs run elsewhere and verify the
 * gateway's signature with it); in production mode both secrets must be ≥ 32 bytes — without JWT_SECRET a token
 * signed with the development secret from the source tree would pass as anyone. Throws ConfigError. (Apart from
 * replica.ts so that the entry point checks it before loading the gateway.)
 */
export function replicaSecrets(env: NodeJS.ProcessEnv = process.env): ProcessSecrets {
  const secrets = resolveSecrets(env);
  if (!env.INTERNAL_SIGNING_SECRET) throw new ConfigError('INTERNAL_SIGNING_SECRET must be set (the same value as the subgraphs)');
  return secrets;
}

