// The two secrets every process shares: JWT_SECRET (access tokens identity issues, the gateway verifies) and
// INTERNAL_SIGNING_SECRET (the signed internal context, gateway → subgraphs). The embedded `npm start` runs
// without either; anything that looks like a deployment must bring both.

/** The HS256 secret identity signs with when JWT_SECRET is unset in development. It is in the source tree: never in production. */
export const DEV_JWT_SECRET = 'omniroute-dev-jwt-secret-change-me';

/** 32 bytes: the HMAC-SHA256 block output size; shorter secrets are guessable long before the hash is. */
export const MIN_SECRET_BYTES = 32;

/** Exit code of a process that refuses to start for its configuration (sysexits.h EX_CONFIG). */
export const EXIT_CONFIG = 78;

/** A configuration the process must not run with; the message is the one line printed before exiting. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/**
 * Production mode: a Postgres database (DATABASE_URL) or NODE_ENV=production. Secrets are required, demo accounts
 * are only seeded on request (SEED=1), /metrics needs a token.
 */
export function isProductionMode(env: Env = process.env): boolean {
  return !!env.DATABASE_URL || env.NODE_ENV === 'production';
}

/** Why production mode applies, for messages. */
function productionReason(env: Env, extra?: string): string {
  if (env.DATABASE_URL) return 'DATABASE_URL is set';
  if (env.NODE_ENV === 'production') return 'NODE_ENV=production';
  return extra ?? 'production mode';
}

/** What is wrong with one secret, or null when it is fit for production. */
function problemWith(name: string, value: string | undefined): string | null {
  if (!value) return `${name} is not set`;
  if (Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES) return `${name} is shorter than ${MIN_SECRET_BYTES} bytes`;
  if (value === DEV_JWT_SECRET) return `${name} is the development secret from the source tree`;
  return null;
}

export interface ProcessSecrets {
  /** HS256 secret of identity's access tokens. */
  jwtSecret: string;
  /** HMAC secret of the signed internal context. */
  internalSecret: string;
}

/**
 * Both secrets from the environment. In production mode (or when `production` says so, e.g. a stack given a
 * Postgres URL) both must be set, at least 32 bytes and not the development secret, else a ConfigError names
 * every problem in one line. Outside it: JWT_SECRET or the development secret, INTERNAL_SIGNING_SECRET or a random
 * secret of this process (embedded mode signs and verifies in one process).
 */
export function resolveSecrets(env: Env = process.env, opts: { production?: boolean; why?: string } = {}): ProcessSecrets {
  const production = opts.production ?? isProductionMode(env);
  if (production) {
    const problems = [problemWith('JWT_SECRET', env.JWT_SECRET), problemWith('INTERNAL_SIGNING_SECRET', env.INTERNAL_SIGNING_SECRET)].filter(Boolean);
    if (problems.length) {
      throw new ConfigError(
        `refusing to start in production mode (${productionReason(env, opts.why)}): ${problems.join('; ')}. ` +
          `Set JWT_SECRET and INTERNAL_SIGNING_SECRET to random values of at least ${MIN_SECRET_BYTES} bytes, the same on every process (e.g. \`openssl rand -hex 32\`).`,
      );
    }
    return { jwtSecret: env.JWT_SECRET!, internalSecret: env.INTERNAL_SIGNING_SECRET! };
  }
  return { jwtSecret: env.JWT_SECRET || DEV_JWT_SECRET, internalSecret: env.INTERNAL_SIGNING_SECRET || processSecret() };
}

let randomProcessSecret: string | undefined;
function processSecret(): string {
  randomProcessSecret ??= Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex');
  return randomProcessSecret;
}

/** Whether to seed the demo tenants and their well-known logins: by default in development, only with SEED=1 in production. */
export function seedDemo(env: Env = process.env, opts: { production?: boolean } = {}): boolean {
  return (opts.production ?? isProductionMode(env)) ? env.SEED === '1' : env.SEED !== '0';
}

/**
 * Runs a process's startup checks: a ConfigError becomes one line on stderr (`omniroute <name>: …`) and exit code 78,
 * before anything listens or touches a database.
 */
export function checkStartup<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    process.stderr.write(`omniroute ${name}: ${e.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}
