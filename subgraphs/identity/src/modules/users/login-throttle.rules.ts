// Sign-in throttling rules (pure): how many attempts are free, how the wait grows, what an attempt and a success
// do to a counter. login-throttle.ts keeps the counters (in memory or Redis, whose Lua script mirrors these rules).

export interface ThrottlePolicy {
  /** Attempts allowed without waiting. */
  freeAttempts: number;
  /** Wait imposed by the first attempt at the threshold; each further one doubles it. */
  baseDelayMs: number;
  /** Longest wait. */
  maxDelayMs: number;
  /** A counter is forgotten this long after its last attempt (or after its wait ends). */
  forgetAfterMs: number;
}

/**
 * Per account (any email, known or not): 5 attempts, then 1 s, 2 s, 4 s … up to 15 min between attempts. An online
 * guesser gets about 100 guesses a day per account instead of thousands a minute.
 */
export const ACCOUNT_POLICY: ThrottlePolicy = { freeAttempts: 5, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 15 * 60_000 };
/**
 * Per client address: more room, since offices and mobile carriers put many people behind one address, and a
 * successful sign-in gives its attempt back; it slows one address spraying a common password over many accounts.
 */
export const IP_POLICY: ThrottlePolicy = { freeAttempts: 20, baseDelayMs: 1_000, maxDelayMs: 15 * 60_000, forgetAfterMs: 15 * 60_000 };

/** Counter of one key: attempts counted and the time (ms) before which no attempt is allowed. */
export interface ThrottleState {
  attempts: number;
  lockedUntil: number;
  /** When the counter may be forgotten. */
  expiresAt: number;
}

/** The wait an attempt imposes on the next one, given the attempts counted including it. */
export function delayAfter(attempts: number, policy: ThrottlePolicy): number {
  if (attempts < policy.freeAttempts) return 0;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempts - policy.freeAttempts));
}

/** Milliseconds the caller must still wait (0: may attempt). */
export function waitOf(state: ThrottleState | undefined, now: number): number {
  if (!state || state.expiresAt <= now) return 0;
  return Math.max(0, state.lockedUntil - now);
}

/**
 * Counts an attempt before the password is checked (so parallel guesses count too) and sets the wait it imposes.
 * Call only when waitOf() is 0.
 */
export function afterAttempt(state: ThrottleState | undefined, now: number, policy: ThrottlePolicy): ThrottleState {
  const attempts = (state && state.expiresAt > now ? state.attempts : 0) + 1;
  const delay = delayAfter(attempts, policy);
  const lockedUntil = delay > 0 ? now + delay : (state?.lockedUntil ?? 0);
  return { attempts, lockedUntil, expiresAt: Math.max(now, lockedUntil) + policy.forgetAfterMs };
}

/**
 * A successful sign-in: the account starts over (null: forget it); the address gets this attempt back and loses
 * the wait it imposed (an office behind one address must not lock itself out by signing in), but keeps its count
 * of failures, so a valid account of one's own cannot wipe an address's record. (While an address waits, no
 * attempt of it runs, so only an attempt already in flight can succeed and lift the wait.)
 */
export function afterSuccess(state: ThrottleState | undefined, kind: 'account' | 'ip'): ThrottleState | null {
  if (kind === 'account' || !state || state.attempts <= 1) return null;
  return { ...state, attempts: state.attempts - 1, lockedUntil: 0 };
}

/**
 * The key an address is counted under: IPv4 as is, IPv6 by its /64 (one subscriber usually holds a whole /64, so
 * counting single addresses would let it rotate freely). IPv4-mapped IPv6 counts as the IPv4 address.
 */
export function addressBucket(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head, tail = ''] = ip.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return groups.slice(0, 4).map((g) => (g || '0').replace(/^0+(?=.)/, '')).join(':') + '::/64';
}
