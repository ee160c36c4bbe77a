import { scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { PASSWORD_PARAMS, decoyPasswordHash, hashPassword, needsRehash, verifyPassword } from './passwords.ts';

// The format written before issue 12: `scrypt$N$r$p$salt$key`, base64url.
function legacyHash(password: string, N: number): string {
  const salt = Buffer.from('0123456789abcdef');
  const key = scryptSync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
  return `scrypt$${N}$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

describe('passwords', () => {
  it('hashes as a PHC string at or above OWASP scrypt parameters (N=2^17, r=8, p=1) and verifies', async () => {
    expect(PASSWORD_PARAMS.ln).toBeGreaterThanOrEqual(17);
    expect(PASSWORD_PARAMS.r).toBeGreaterThanOrEqual(8);
    const h = await hashPassword('omniroute-demo');
    expect(h).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(await verifyPassword('omniroute-demo', h)).toBe(true);
    expect(await verifyPassword('omniroute-demo!', h)).toBe(false);
    expect(needsRehash(h)).toBe(false);
  });

  it('honours the parameters stored in a hash (issue 12: they were ignored, N=2^15 was always used)', async () => {
    const weak = await hashPassword('pw', { ln: 10, r: 8, p: 1 });
    expect(weak).toMatch(/^\$scrypt\$ln=10,/);
    expect(await verifyPassword('pw', weak)).toBe(true);
    expect(needsRehash(weak)).toBe(true);
    // Hashes in the old format verify with their own N, and are due for an upgrade.
    for (const N of [2 ** 14, 2 ** 15]) {
      const old = legacyHash('omniroute-demo', N);
      expect(await verifyPassword('omniroute-demo', old)).toBe(true);
      expect(await verifyPassword('other', old)).toBe(false);
      expect(needsRehash(old)).toBe(true);
    }
  });

  it('refuses unreadable hashes and parameters out of bounds without deriving anything', async () => {
    for (const bad of ['', 'plain', '$scrypt$ln=30,r=8,p=1$AAAA$AAAA', '$scrypt$ln=17,r=8,p=99$AAAA$AAAA', 'scrypt$1000$8$1$AAAA$AAAA', '$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA']) {
      const t = performance.now();
      expect(await verifyPassword('pw', bad)).toBe(false);
      expect(needsRehash(bad)).toBe(true);
      expect(performance.now() - t).toBeLessThan(50);
    }
  });

  it('the decoy hash for unknown emails has the current parameters and matches nothing', async () => {
    const decoy = decoyPasswordHash();
    expect(decoy.startsWith(`$scrypt$ln=${PASSWORD_PARAMS.ln},r=${PASSWORD_PARAMS.r},p=${PASSWORD_PARAMS.p}$`)).toBe(true);
    expect(needsRehash(decoy)).toBe(false);
    expect(await verifyPassword('', decoy)).toBe(false);
  });
});
