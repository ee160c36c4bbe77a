import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost parameters: N = 2^ln, block size r, parallelism p. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/**
 * OWASP's Password Storage Cheat Sheet minimum for scrypt (N=2^17, r=8, p=1): 128 MiB and roughly 0.3–0.8 s of
 * one core per hash here. Raising these upgrades every account at its next successful sign-in (needsRehash).
 */
export const PASSWORD_PARAMS: Readonly<ScryptParams> = Object.freeze({ ln: 17, r: 8, p: 1 });

const KEYLEN = 32;
const SALT_BYTES = 16;
// Bounds for parameters read from the database: a corrupt or hostile row must not make one sign-in allocate
// gigabytes or spin for minutes.
const MAX_LN = 20, MAX_R = 32, MAX_P = 16, MAX_MEM = 1024 * 1024 * 1024;

interface ParsedHash { params: ScryptParams; salt: Buffer; key: Buffer; phc: boolean }

// Each derivation holds 128·N·r bytes (128 MiB at the defaults) for its whole run, on libuv's thread pool (4
// threads, shared with fs and dns). Two at a time keeps a burst of sign-ins from taking 512 MiB and the whole pool;
// with two cores, more in parallel would not finish sooner anyway. Process-wide on purpose: memory is.
const MAX_CONCURRENT = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function withSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_CONCURRENT) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next(); // hand the slot over: `running` stays the same
    else running--;
  }
}

/** Bytes scrypt needs for these parameters (OpenSSL's check: 128·r·(N+2) for V plus 128·r·p for B), with slack. */
function maxmemFor({ ln, r, p }: ScryptParams): number {
  return 128 * r * (2 ** ln + 2) + 128 * r * p + 1024 * 1024;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return withSlot(() => new Promise((resolve, reject) =>
    scrypt(password, salt, KEYLEN, { N: 2 ** params.ln, r: params.r, p: params.p, maxmem: maxmemFor(params) }, (e, k) => (e ? reject(e) : resolve(k))),
  ));
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, ''); // PHC strings use unpadded standard base64

function validParams(p: ScryptParams): boolean {
  return Number.isInteger(p.ln) && p.ln >= 1 && p.ln <= MAX_LN
    && Number.isInteger(p.r) && p.r >= 1 && p.r <= MAX_R
    && Number.isInteger(p.p) && p.p >= 1 && p.p <= MAX_P
    && maxmemFor(p) <= MAX_MEM;
}

/**
 * Reads a stored hash: the PHC string `$scrypt$ln=17,r=8,p=1$<salt>$<hash>` written since issue 12, or the older
 * `scrypt$<N>$<r>$<p>$<salt>$<key>` (base64url). Null when it is neither or its parameters are out of bounds.
 */
function parseHash(stored: string): ParsedHash | null {
  const phc = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,3}),p=(\d{1,3})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (phc) {
    const params = { ln: Number(phc[1]), r: Number(phc[2]), p: Number(phc[3]) };
    if (!validParams(params)) return null;
    return { params, salt: Buffer.from(phc[4]!, 'base64'), key: Buffer.from(phc[5]!, 'base64'), phc: true };
  }
  const legacy = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([\w-]+)\$([\w-]+)$/.exec(stored);
  if (legacy) {
    const n = Number(legacy[1]);
    const ln = Math.log2(n);
    const params = { ln, r: Number(legacy[2]), p: Number(legacy[3]) };
    if (!validParams(params)) return null; // also refuses an N that is not a power of two
    return { params, salt: Buffer.from(legacy[4]!, 'base64url'), key: Buffer.from(legacy[5]!, 'base64url'), phc: false };
  }
  return null;
}

/** A new salted hash of the password, as a PHC string that carries its parameters. */
export async function hashPassword(password: string, params: ScryptParams = PASSWORD_PARAMS): Promise<string> {
  if (!validParams(params)) throw new Error('scrypt parameters out of bounds');
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

/** Checks a password against a stored hash with the parameters stored in it (false for unreadable hashes). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const h = parseHash(stored);
  if (!h || h.key.length === 0) return false;
  const actual = await derive(password, h.salt, h.params);
  return h.key.length === actual.length && timingSafeEqual(h.key, actual);
}

/** True when the stored hash is older or weaker than `params`: rehash the password at the next successful sign-in. */
export function needsRehash(stored: string, params: ScryptParams = PASSWORD_PARAMS): boolean {
  const h = parseHash(stored);
  if (!h) return true;
  const cost = (x: ScryptParams) => 2 ** x.ln * x.r * x.p;
  return !h.phc || h.params.ln < params.ln || h.params.r < params.r || cost(h.params) < cost(params) || h.key.length < KEYLEN;
}

/**
 * A well-formed hash no password matches, at the current parameters: verifying an unknown email against it costs
 * what verifying a wrong password of a real account costs, so timing does not tell which emails exist.
 */
export function decoyPasswordHash(params: ScryptParams = PASSWORD_PARAMS): string {
  const zeros = b64(Buffer.alloc(KEYLEN));
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(Buffer.alloc(SALT_BYTES, 1))}$${zeros}`;
}
