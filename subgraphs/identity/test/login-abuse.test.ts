// Issue 12, "Login abuse": failed sign-ins throttled per account and per client address with backoff (Redis when
// configured, so replicas agree), unknown emails cost what wrong passwords cost, weaker hashes upgraded at sign-in.
import { randomUUID, scryptSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD_PARAMS, hashPassword, needsRehash, signInternalContext, verifyPassword } from '@omniroute/core';
import { gql, TEST_REDIS_URL as REDIS_URL } from '@omniroute/testkit';
import { create } from '../src/server.ts';
import { createLoginThrottle } from '../src/modules/users/login-throttle.ts';
import { UserService } from '../src/modules/users/users.service.ts';

const SECRET = 'identity-abuse-secret';
const LOGIN = 'mutation($i: LoginInput!) { login(input: $i) { accessToken retryAfterSeconds userErrors { code message } } }';
const policy = { freeAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 60_000, forgetAfterMs: 60_000 };

describe('login throttle counters', () => {
  it('in memory: 3 free attempts per account, then 1 s, 2 s, 4 s; a success starts the account over', async () => {
    let now = 1_000_000;
    const t = createLoginThrottle({ account: policy, ip: { ...policy, freeAttempts: 100 }, now: () => now });
    expect([await t.attempt('a@x', '10.0.0.1'), await t.attempt('a@x', '10.0.0.1'), await t.attempt('a@x', '10.0.0.1')]).toEqual([0, 0, 0]);
    expect(await t.attempt('a@x', '10.0.0.2')).toBe(1_000); // another address does not help: the account waits
    now += 1_000;
    expect(await t.attempt('a@x', '10.0.0.1')).toBe(0);
    expect(await t.attempt('a@x', '10.0.0.1')).toBe(2_000);
    now += 2_000;
    expect(await t.attempt('a@x', '10.0.0.1')).toBe(0);
    expect(await t.attempt('a@x', '10.0.0.1')).toBe(4_000);
    now += 4_000;
    expect(await t.attempt('a@x', '10.0.0.1')).toBe(0);
    await t.succeeded('a@x', '10.0.0.1');
    expect(await t.attempt('a@x', '10.0.0.1')).toBe(0);
  });

  it('in memory: one address spraying many accounts is throttled, other addresses are not', async () => {
    let now = 0;
    const t = createLoginThrottle({ account: policy, ip: { ...policy, freeAttempts: 4 }, now: () => now });
    for (let i = 0; i < 4; i++) expect(await t.attempt(`user${i}@x`, '2001:db8:1:2::10')).toBe(0);
    expect(await t.attempt('user9@x', '2001:db8:1:2::77')).toBe(1_000); // same /64
    expect(await t.attempt('user9@x', '198.51.100.7')).toBe(0);
  });

  it('in Redis: two identity replicas share the counters, on Redis time', async () => {
    const keyPrefix = `omniroute:test:${randomUUID()}:login:`;
    const a = createLoginThrottle({ redisUrl: REDIS_URL, keyPrefix, account: policy, ip: { ...policy, freeAttempts: 100 } });
    const b = createLoginThrottle({ redisUrl: REDIS_URL, keyPrefix, account: policy, ip: { ...policy, freeAttempts: 100 } });
    try {
      expect(await a.attempt('r@x', '10.1.1.1')).toBe(0);
      expect(await b.attempt('r@x', '10.1.1.2')).toBe(0);
      expect(await a.attempt('r@x', '10.1.1.3')).toBe(0);
      const wait = await b.attempt('r@x', '10.1.1.4');
      expect(wait).toBeGreaterThan(900);
      expect(wait).toBeLessThanOrEqual(1_000);
      await new Promise((r) => setTimeout(r, wait + 20));
      expect(await b.attempt('r@x', '10.1.1.4')).toBe(0);
      const second = await a.attempt('r@x', '10.1.1.4');
      expect(second).toBeGreaterThan(1_900); // doubled
      expect(second).toBeLessThanOrEqual(2_000);
      await b.succeeded('r@x', '10.1.1.4');
      expect(await a.attempt('r@x', '10.1.1.4')).toBe(0);
      // an address at its threshold: the successful attempt lifts the wait it set, the count stays
      const ipOnly = { account: { ...policy, freeAttempts: 100 }, ip: { ...policy, freeAttempts: 2 } };
      const c = createLoginThrottle({ redisUrl: REDIS_URL, keyPrefix: `${keyPrefix}c:`, ...ipOnly });
      try {
        expect(await c.attempt('u1@x', '10.9.9.9')).toBe(0);
        expect(await c.attempt('u2@x', '10.9.9.9')).toBe(0); // sets a 1 s wait…
        await c.succeeded('u2@x', '10.9.9.9'); // …which its success lifts
        expect(await c.attempt('u3@x', '10.9.9.9')).toBe(0); // counted: 2 again, a wait again
        expect(await c.attempt('u4@x', '10.9.9.9')).toBeGreaterThan(900);
      } finally {
        await c.close();
      }
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('identity sign-in under abuse', () => {
  let sg: Awaited<ReturnType<typeof create>>;
  let url: string;
  let stop: () => Promise<void>;
  let clock = 5_000_000;

  beforeAll(async () => {
    // Few free attempts, so the throttle shows after few scrypt runs (each ~0.5 s at N=2^17, more under load).
    sg = await create({ secret: SECRET, jwtSecret: 'identity-abuse-jwt', loginThrottle: { account: { ...policy, freeAttempts: 1 }, ip: { ...policy, freeAttempts: 2 }, now: () => clock } });
    await sg.seed();
    const running = await sg.listen(0);
    url = running.url;
    stop = running.stop;
  });
  afterAll(async () => {
    await stop?.();
    await sg?.close();
  });

  // As the gateway signs it: the client address travels inside the signed context.
  const login = async (email: string, password: string, clientIp: string) => {
    const r = await gql(url, LOGIN, { i: { email, password } }, undefined, signInternalContext({ requestId: randomUUID(), viewer: null, clientIp }, { secret: SECRET, audience: 'identity' }));
    expect(r.errors).toBeUndefined();
    return r.data.login as { accessToken: string | null; retryAfterSeconds: number | null; userErrors: { code: string; message: string }[] };
  };
  const code = (r: { userErrors: { code: string }[] }) => r.userErrors[0]?.code ?? 'OK';

  it('per account: a failure makes the account wait 1 s, the next 2 s; the right password is refused meanwhile; unknown emails alike', async () => {
    for (const email of ['finance@lagos.demo', 'nobody-here@lagos.demo']) {
      expect(code(await login(email, 'wrong', '192.0.2.1'))).toBe('INVALID_CREDENTIALS');
      const refused = await login(email, 'omniroute-demo', '192.0.2.50'); // another address does not help
      expect(refused).toMatchObject({ accessToken: null, retryAfterSeconds: 1, userErrors: [{ code: 'TOO_MANY_ATTEMPTS' }] });
      clock += 1_000;
      expect(code(await login(email, 'wrong', '192.0.2.51'))).toBe('INVALID_CREDENTIALS');
      expect(await login(email, 'wrong', '192.0.2.52')).toMatchObject({ retryAfterSeconds: 2, userErrors: [{ code: 'TOO_MANY_ATTEMPTS' }] });
    }
    // The refusal reads the same whether the account exists or not.
    expect((await login('finance@lagos.demo', 'x', '192.0.2.60')).userErrors[0]!.message.replace(/\d+/g, 'N'))
      .toBe((await login('nobody-here@lagos.demo', 'x', '192.0.2.60')).userErrors[0]!.message.replace(/\d+/g, 'N'));
    clock += 2_000;
    expect((await login('finance@lagos.demo', 'omniroute-demo', '192.0.2.53')).accessToken).toEqual(expect.any(String));
  });

  it('per address: one address spraying a password over many accounts waits; a success gives its attempt back', async () => {
    const ip = '198.51.100.23';
    expect((await login('sales@lagos.demo', 'omniroute-demo', ip)).accessToken).toEqual(expect.any(String)); // counted, then given back
    for (let i = 1; i <= 2; i++) expect(code(await login(`rider${i}@lagos.demo`, 'password123', ip))).toBe('INVALID_CREDENTIALS');
    expect(await login('rider7@lagos.demo', 'password123', ip)).toMatchObject({ retryAfterSeconds: 1, userErrors: [{ code: 'TOO_MANY_ATTEMPTS' }] });
    expect(code(await login('rider7@lagos.demo', 'password123', '198.51.100.24'))).toBe('INVALID_CREDENTIALS');
  });

  it('an unknown email, an inactive user and a wrong password all run the same verification at the current parameters', async () => {
    const verified: string[] = [];
    const passwords = {
      verify: (p: string, stored: string) => { verified.push(stored); return verifyPassword(p, stored); },
      hash: hashPassword,
      needsRehash,
    };
    const users = new UserService(sg.prisma, 'jwt', createLoginThrottle(), passwords);
    await sg.prisma.user.update({ where: { email: 'rider20@lagos.demo' }, data: { active: false } });
    const scope = { clientIp: '203.0.113.5' };
    for (const email of ['rider21@lagos.demo', 'no-such-user@lagos.demo', 'rider20@lagos.demo']) {
      verified.length = 0;
      const r = await users.login(scope, { email, password: email === 'rider20@lagos.demo' ? 'omniroute-demo' : 'not-it' });
      expect(r.ok).toBe(false);
      expect(!r.ok && r.errors[0]!.code).toBe('INVALID_CREDENTIALS');
      expect(verified).toHaveLength(1);
      expect(verified[0]!.startsWith(`$scrypt$ln=${PASSWORD_PARAMS.ln},r=${PASSWORD_PARAMS.r},p=${PASSWORD_PARAMS.p}$`)).toBe(true);
    }
  });

  it('upgrades an old-format hash (scrypt N=2^14) to the current parameters at the next successful sign-in', async () => {
    const salt = Buffer.from('fedcba9876543210');
    const key = scryptSync('omniroute-demo', salt, 32, { N: 2 ** 14, r: 8, p: 1 });
    const old = `scrypt$16384$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    await sg.prisma.user.update({ where: { email: 'rider30@lagos.demo' }, data: { passwordHash: old } });
    expect(code(await login('rider30@lagos.demo', 'wrong', '203.0.113.77'))).toBe('INVALID_CREDENTIALS');
    expect((await sg.prisma.user.findUniqueOrThrow({ where: { email: 'rider30@lagos.demo' } })).passwordHash).toBe(old); // not on failure
    clock += 1_000; // the failure's wait
    expect((await login('rider30@lagos.demo', 'omniroute-demo', '203.0.113.77')).accessToken).toEqual(expect.any(String));
    const upgraded = (await sg.prisma.user.findUniqueOrThrow({ where: { email: 'rider30@lagos.demo' } })).passwordHash;
    expect(upgraded).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$/);
    expect(needsRehash(upgraded)).toBe(false);
    expect((await login('rider30@lagos.demo', 'omniroute-demo', '203.0.113.77')).accessToken).toEqual(expect.any(String));
  });
});
