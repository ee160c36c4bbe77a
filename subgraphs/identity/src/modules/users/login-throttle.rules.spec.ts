import { describe, expect, it } from 'vitest';
import { ACCOUNT_POLICY, IP_POLICY, addressBucket, afterAttempt, afterSuccess, delayAfter, waitOf, type ThrottleState } from './login-throttle.rules.ts';

const policy = { freeAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 8_000, forgetAfterMs: 60_000 };

describe('login throttle rules', () => {
  it('lets the free attempts through, then doubles the wait up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 30].map((n) => delayAfter(n, policy))).toEqual([0, 0, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000]);
    expect(delayAfter(ACCOUNT_POLICY.freeAttempts - 1, ACCOUNT_POLICY)).toBe(0);
    expect(delayAfter(1_000, ACCOUNT_POLICY)).toBe(ACCOUNT_POLICY.maxDelayMs);
    expect(IP_POLICY.freeAttempts).toBeGreaterThan(ACCOUNT_POLICY.freeAttempts);
  });

  it('counts attempts, imposes the wait, and forgets after a quiet period', () => {
    let s: ThrottleState | undefined;
    let now = 0;
    for (let i = 0; i < 2; i++) { expect(waitOf(s, now)).toBe(0); s = afterAttempt(s, now, policy); }
    expect(waitOf(s, now)).toBe(0);
    s = afterAttempt(s, now, policy); // the third: sets the first wait
    expect(waitOf(s, now)).toBe(1_000);
    expect(waitOf(s, now + 400)).toBe(600);
    now += 1_000;
    expect(waitOf(s, now)).toBe(0);
    s = afterAttempt(s, now, policy);
    expect(waitOf(s, now)).toBe(2_000);
    now += 2_000 + policy.forgetAfterMs; // quiet long enough: a fresh start
    expect(waitOf(s, now)).toBe(0);
    expect(afterAttempt(s, now, policy).attempts).toBe(1);
  });

  it('a success forgets the account, and gives the address its attempt back and lifts the wait it imposed', () => {
    const s = { attempts: 7, lockedUntil: 5, expiresAt: 100 };
    expect(afterSuccess(s, 'account')).toBeNull();
    expect(afterSuccess(s, 'ip')).toEqual({ attempts: 6, lockedUntil: 0, expiresAt: 100 });
    expect(afterSuccess({ attempts: 1, lockedUntil: 0, expiresAt: 100 }, 'ip')).toBeNull();
  });

  it('counts IPv6 clients by their /64 and IPv4-mapped addresses as IPv4', () => {
    expect(addressBucket('203.0.113.9')).toBe('203.0.113.9');
    expect(addressBucket('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:0db8:0001:0002:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
