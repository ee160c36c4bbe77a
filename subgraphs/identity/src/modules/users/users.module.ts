import { defineModule, type KitModule, type SubgraphDeps } from '@omniroute/core/kit';
import { jwtSecret } from '@omniroute/core';
import type { PrismaClient } from '../../generated/prisma/client.ts';
import { createIdentityChanges, type IdentityChanges } from '../api-keys/identity-changes.ts';
import { UserService } from './users.service.ts';
import { createLoginThrottle, type LoginThrottle, type LoginThrottleOptions } from './login-throttle.ts';
import { createUserLoaders } from './users.loaders.ts';
import { userPolicies } from './users.policies.ts';
import { userResolvers } from './resolvers/index.ts';

export interface IdentityOptions {
  /** HS256 secret of access tokens (default JWT_SECRET). */
  jwtSecret?: string;
  /** Redis for publishing key revocations and partner app changes to every gateway (default REDIS_URL). */
  redisUrl?: string;
  /** Pub/sub channel of those changes (tests use a unique one). */
  changesChannel?: string;
  /** Sign-in throttling (policies, key prefix); counters live in Redis when `redisUrl` is set. */
  loginThrottle?: Omit<LoginThrottleOptions, 'redisUrl'>;
}

/** What identity's services share: the kit's deps, the token secret, the change feed and the sign-in throttle. */
export interface IdentityDeps extends SubgraphDeps<PrismaClient> {
  jwtSecret: string;
  changes: IdentityChanges;
  loginThrottle: LoginThrottle;
}

export function identityDeps(base: SubgraphDeps<PrismaClient>, opts: IdentityOptions, onClose: (close: () => Promise<void>) => void): IdentityDeps {
  const redisUrl = opts.redisUrl ?? process.env.REDIS_URL;
  const changes = createIdentityChanges({ redisUrl, channel: opts.changesChannel });
  // Next to the changes channel (`<prefix>:identity:changes`), so a test run's prefix covers both.
  const keyPrefix = opts.loginThrottle?.keyPrefix ?? (opts.changesChannel ? opts.changesChannel.replace(/changes$/, 'login:') : undefined);
  const loginThrottle = createLoginThrottle({ ...opts.loginThrottle, keyPrefix, redisUrl });
  onClose(() => changes.close());
  onClose(() => loginThrottle.close());
  return { ...base, jwtSecret: opts.jwtSecret ?? jwtSecret(), changes, loginThrottle };
}

/** Users: sign-in (throttled), access tokens, roles. */
export const usersModule: KitModule<{ users: UserService }, ReturnType<typeof createUserLoaders>> = defineModule({
  name: 'users',
  resolvers: userResolvers,
  policies: userPolicies,
  loaders: createUserLoaders,
  services: (deps: IdentityDeps) => ({ users: new UserService(deps.prisma, deps.jwtSecret, deps.loginThrottle) }),
});
