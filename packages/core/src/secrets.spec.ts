import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_JWT_SECRET, isProductionMode, resolveSecrets, seedDemo } from './secrets.ts';

const strong = 'x'.repeat(32);

describe('production secrets', () => {
  it('production mode: DATABASE_URL or NODE_ENV=production', () => {
    expect(isProductionMode({})).toBe(false);
    expect(isProductionMode({ NODE_ENV: 'test' })).toBe(false);
    expect(isProductionMode({ DATABASE_URL: 'postgresql://db/x' })).toBe(true);
    expect(isProductionMode({ NODE_ENV: 'production' })).toBe(true);
  });

  it('development needs nothing: the dev JWT secret and a random per-process signing secret', () => {
    const s = resolveSecrets({});
    expect(s.jwtSecret).toBe(DEV_JWT_SECRET);
    expect(s.internalSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(resolveSecrets({}).internalSecret).toBe(s.internalSecret); // one per process: embedded gateway and subgraphs agree
  });

  it('issue 12: production refuses missing, short and development secrets, naming each problem in one line', () => {
    const refusal = (env: Record<string, string>) => {
      try {
        resolveSecrets(env);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    const missing = refusal({ DATABASE_URL: 'postgresql://db/x' });
    expect(missing).toContain('DATABASE_URL is set');
    expect(missing).toContain('JWT_SECRET is not set');
    expect(missing).toContain('INTERNAL_SIGNING_SECRET is not set');
    expect(missing).not.toContain('\n');
    expect(refusal({ NODE_ENV: 'production', JWT_SECRET: 'short', INTERNAL_SIGNING_SECRET: strong })).toMatch(/NODE_ENV=production.*JWT_SECRET is shorter than 32 bytes/);
    expect(refusal({ NODE_ENV: 'production', JWT_SECRET: DEV_JWT_SECRET, INTERNAL_SIGNING_SECRET: strong })).toContain('JWT_SECRET is the development secret');
    expect(refusal({ NODE_ENV: 'production', JWT_SECRET: strong, INTERNAL_SIGNING_SECRET: 'é'.repeat(15) })).toContain('INTERNAL_SIGNING_SECRET is shorter than 32 bytes'); // 30 bytes
    expect(() => resolveSecrets({}, { production: true, why: 'a Postgres database' })).toThrow(/a Postgres database/);
    expect(resolveSecrets({ NODE_ENV: 'production', JWT_SECRET: strong, INTERNAL_SIGNING_SECRET: 'é'.repeat(16) })).toEqual({ jwtSecret: strong, internalSecret: 'é'.repeat(16) });
  });

  it('issue 12: demo accounts are seeded in production only with SEED=1', () => {
    expect(seedDemo({})).toBe(true);
    expect(seedDemo({ SEED: '0' })).toBe(false);
    expect(seedDemo({ DATABASE_URL: 'postgresql://db/x' })).toBe(false);
    expect(seedDemo({ NODE_ENV: 'production', SEED: 'yes' })).toBe(false);
    expect(seedDemo({ DATABASE_URL: 'postgresql://db/x', SEED: '1' })).toBe(true);
  });
});
